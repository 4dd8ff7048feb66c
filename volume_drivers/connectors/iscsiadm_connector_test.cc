// The iscsiadm connector's decisions without root, iscsid or iscsi_tcp: the runner is an
// in-memory open-iscsi (node records, sessions, a target's CHAP check) that answers iscsiadm's
// argv with iscsiadm's exit codes and output formats (iscsiadm_test.cc checks those against
// output of 2.1.8), and plays udev by making the /dev/disk/by-path link in a temp dir on login.
// The live cases against a real tgtd are in the connector conformance suite
// (tests/conformance/connector_conformance.h, instance "iscsiadm").
#include "volume_drivers/connectors/iscsiadm_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "backup_service/common/log.h"
#include "volume_drivers/connectors/iscsiadm.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kIqn = "iqn.2010-10.org.blockbackup.test:fake-1";
constexpr const char* kPortal = "127.0.0.1:3260";
constexpr const char* kInitiator = "iqn.2008-11.org.blockbackup:unit";
constexpr const char* kSecret = "s3cret-0123456789abcd";

struct Call {
  std::vector<std::string> argv;
  std::vector<std::string> secrets;
  std::string Line() const { return FormatCommand(argv, secrets); }
};

class FakeOpenIscsi : public CommandRunner {
 public:
  struct Target {
    std::string user, secret;  // empty: no CHAP
    std::vector<int> luns = {1};
  };
  using Key = std::pair<std::string, std::string>;  // iqn, portal

  explicit FakeOpenIscsi(std::string dev_root) : dev_root_(std::move(dev_root)) {
    fs::create_directories(dev_root_ + "/disk/by-path");
    std::ofstream(dev_root_ + "/lun-data") << std::string(4096, 'x');
  }

  Result<CommandResult> Run(const std::vector<std::string>& argv,
                            const CommandOptions& options) override {
    calls.push_back({argv, options.secrets});
    if (fail_when) {
      if (auto code = fail_when(argv)) return CommandResult{*code, "", "iscsiadm: injected\n"};
    }
    const std::string& mode = argv.at(2);
    if (mode == "session") return Sessions();
    if (mode == "discovery") {
      std::string out;
      for (const auto& [iqn, t] : targets) out += std::string(kPortal) + ",1 " + iqn + "\n";
      return CommandResult{0, out, ""};
    }
    Key key{argv.at(4), argv.at(6)};
    std::vector<std::string> rest(argv.begin() + 7, argv.end());
    if (rest.empty()) return Have(key) ? Ok() : NoRecords();
    if (rest[0] == "--interface") {  // --op new
      nodes[key];
      return Ok();
    }
    if (rest[0] == "--op" && rest[1] == "update") {
      if (!Have(key)) return NoRecords();
      nodes[key][rest[3]] = rest[5];
      return Ok();
    }
    if (rest[0] == "--op" && rest[1] == "delete") {
      return nodes.erase(key) ? Ok() : NoRecords();
    }
    if (rest[0] == "--login") return Login(key);
    if (rest[0] == "--logout") {
      if (!sessions.erase(key))
        return CommandResult{21, "", "iscsiadm: No matching sessions found\n"};
      for (int lun : targets[key.first].luns) fs::remove(Link(key, lun));
      return Ok();
    }
    return CommandResult{7, "", "iscsiadm: unexpected command\n"};
  }

  std::string Link(const Key& key, int lun) const {
    return iscsiadm::ByPathLink(dev_root_, key.second, key.first, lun);
  }
  bool Have(const Key& key) const { return nodes.count(key) > 0; }
  // The argv of every call, with the secret as the runner would log it.
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& c : calls) out.push_back(c.Line());
    return out;
  }

  std::map<std::string, Target> targets;  // by IQN, all on kPortal
  std::map<Key, std::map<std::string, std::string>> nodes;
  std::set<Key> sessions;
  std::vector<Call> calls;
  bool udev = true;  // makes the by-path links on login
  std::function<std::optional<int>(const std::vector<std::string>&)> fail_when;

 private:
  static CommandResult Ok() { return {0, "", ""}; }
  static CommandResult NoRecords() { return {21, "", "iscsiadm: No records found\n"}; }

  CommandResult Sessions() const {
    if (sessions.empty()) return {21, "", "iscsiadm: No active sessions.\n"};
    std::string out;
    int sid = 1;
    for (const auto& [iqn, portal] : sessions) {
      out += "tcp: [" + std::to_string(sid++) + "] " + portal + ",1 " + iqn + " (non-flash)\n";
    }
    return {0, out, ""};
  }

  CommandResult Login(const Key& key) {
    if (!Have(key)) return NoRecords();
    if (sessions.count(key)) return {15, "", "iscsiadm: session exists\n"};
    auto t = targets.find(key.first);
    if (t == targets.end()) {
      return {19, "",
              "iscsiadm: initiator reported error (19 - encountered non-retryable iSCSI "
              "login failure)\n"};
    }
    auto& n = nodes[key];
    if (!t->second.user.empty() && (n["node.session.auth.authmethod"] != "CHAP" ||
                                    n["node.session.auth.username"] != t->second.user ||
                                    n["node.session.auth.password"] != t->second.secret)) {
      return {24, "",
              "iscsiadm: initiator reported error (24 - iSCSI login failed due to "
              "authorization failure)\n"};
    }
    sessions.insert(key);
    if (udev) {
      for (int lun : t->second.luns) fs::create_symlink(dev_root_ + "/lun-data", Link(key, lun));
    }
    return {0, "Login to [...] successful.\n", ""};
  }

  std::string dev_root_;
};

class IscsiadmConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-iscsiadm-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    fake_.emplace(dir_->path() + "/dev");
    fake_->targets[kIqn] = {"chapuser", kSecret, {1}};
    name_file_ = dir_->path() + "/initiatorname.iscsi";
    std::ofstream(name_file_) << "## generated\nInitiatorName=" << kInitiator << "\n";
    options_.initiator_name = kInitiator;
    options_.initiator_name_file = name_file_;
    options_.dev_root = dir_->path() + "/dev";
    options_.device_timeout = std::chrono::milliseconds(300);
    options_.poll_interval = std::chrono::milliseconds(10);
  }

  IscsiadmConnector Make() { return IscsiadmConnector(*fake_, options_); }

  static ConnectionInfo Info(const std::string& secret = kSecret) {
    return {"iscsi",
            {{"target_portal", kPortal},
             {"target_iqn", kIqn},
             {"target_lun", "1"},
             {"auth_method", "CHAP"},
             {"auth_username", "chapuser"},
             {"auth_password", secret}}};
  }
  std::string LinkPath() const { return fake_->Link({kIqn, kPortal}, 1); }
  // Nothing of kIqn is left: no record, no session, no link.
  void ExpectNothingLeft() {
    EXPECT_FALSE(fake_->Have({kIqn, kPortal}));
    EXPECT_TRUE(fake_->sessions.empty());
    EXPECT_FALSE(fs::exists(fs::symlink_status(LinkPath())));
  }
  std::vector<std::string> Verbs() const {
    std::vector<std::string> out;
    for (const auto& c : fake_->calls) {
      const auto& a = c.argv;
      if (a[2] != "node") {
        out.push_back(a[2]);
      } else if (a.size() == 7) {
        out.push_back("show");
      } else if (a.at(7) == "--interface") {
        out.push_back("new");
      } else if (a.at(7) == "--op") {
        out.push_back(a.at(8) == "update" ? "update " + a.at(10) : a.at(8));
      } else {
        out.push_back(a.at(7));
      }
    }
    return out;
  }

  std::optional<testing::TempDir> dir_;
  std::optional<FakeOpenIscsi> fake_;
  std::string name_file_;
  IscsiadmOptions options_;
};

TEST_F(IscsiadmConnectorTest, ConnectMakesARecordSetsChapLogsInAndWaitsForTheLink) {
  auto c = Make();
  auto device = c.Connect(Info());
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  EXPECT_EQ(*device, LinkPath());
  EXPECT_THAT(Verbs(), ::testing::ElementsAre("session", "new",
                                              "update node.session.timeo.replacement_timeout",
                                              "update node.session.auth.authmethod",
                                              "update node.session.auth.username",
                                              "update node.session.auth.password", "--login"));
  // The data path reads through the link.
  auto dev = c.Open(Info(), *device, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_EQ((*dev)->Size(), 4096);
  EXPECT_TRUE((*dev)->Close().ok());
  EXPECT_TRUE(c.Flush(*device).ok());

  EXPECT_THAT(c.Devices(Info()).value(), ::testing::ElementsAre(LinkPath()));
  ASSERT_TRUE(c.Disconnect(Info(), *device).ok());
  ExpectNothingLeft();
  EXPECT_TRUE(c.Devices(Info()).value().empty());
  // Idempotent: logout and delete find nothing (exit 21) and that is success.
  EXPECT_TRUE(c.Disconnect(Info(), *device).ok());
}

TEST_F(IscsiadmConnectorTest, TheChapSecretIsOnlyEverAnArgvSecret) {
  SetLogLevel(LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  auto c = Make();
  auto wrong = c.Connect(Info("wrong-secret-9876543210"));
  auto device = c.Connect(Info());
  EXPECT_TRUE(c.Disconnect(Info(), device.value()).ok());
  std::string log = ::testing::internal::GetCapturedStderr();
  SetLogLevel(LogLevel::kInfo);
  EXPECT_THAT(log, Not(HasSubstr(kSecret)));
  EXPECT_THAT(wrong.status().message(), Not(HasSubstr("wrong-secret-9876543210")));
  int with_secret = 0;
  for (const auto& call : fake_->calls) {
    for (const auto& a : call.argv) {
      if (a == kSecret) {
        ++with_secret;
        EXPECT_THAT(call.secrets, ::testing::Contains(kSecret)) << call.Line();
      }
    }
    EXPECT_THAT(call.Line(), Not(HasSubstr(kSecret)));
  }
  EXPECT_EQ(with_secret, 1);  // the password update, and nothing else
}

TEST_F(IscsiadmConnectorTest, WrongChapIsPermissionDeniedAndTheRecordIsDeleted) {
  auto c = Make();
  auto r = c.Connect(Info("not-the-secret-000000"));
  ASSERT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("login to " + std::string(kIqn)));
  EXPECT_THAT(r.status().message(), HasSubstr("CHAP"));
  ExpectNothingLeft();
  EXPECT_EQ(Verbs().back(), "delete");
  EXPECT_TRUE(c.Devices(Info()).value().empty());
}

TEST_F(IscsiadmConnectorTest, ADeviceNodeThatNeverAppearsIsNamedAndEverythingIsUndone) {
  fake_->udev = false;
  auto c = Make();
  auto start = std::chrono::steady_clock::now();
  auto r = c.Connect(Info());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("wait for the device"));
  EXPECT_THAT(r.status().message(), HasSubstr(LinkPath()));
  EXPECT_GE(took, options_.device_timeout);
  EXPECT_LT(took, std::chrono::seconds(5));
  auto verbs = Verbs();
  ASSERT_GE(verbs.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(verbs.end() - 3, verbs.end()),
              ::testing::ElementsAre("--login", "--logout", "delete"));
  ExpectNothingLeft();
}

TEST_F(IscsiadmConnectorTest, AFailedChapSettingDeletesTheRecord) {
  fake_->fail_when = [](const std::vector<std::string>& argv) -> std::optional<int> {
    if (argv.size() > 10 && argv[10] == "node.session.auth.username") return 6;
    return std::nullopt;
  };
  auto r = Make().Connect(Info());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("CHAP settings of the node record"));
  ExpectNothingLeft();
  EXPECT_EQ(Verbs().back(), "delete");
}

TEST_F(IscsiadmConnectorTest, NoIscsiTcpModuleIsFailedPreconditionAndUndone) {
  fake_->fail_when = [](const std::vector<std::string>& argv) -> std::optional<int> {
    if (argv.back() == "--login") return iscsiadm::kErrTransNotFound;
    return std::nullopt;
  };
  auto r = Make().Connect(Info());
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("iscsi_tcp"));
  ExpectNothingLeft();
}

TEST_F(IscsiadmConnectorTest, AnUnknownTargetIsNotFoundAndUndone) {
  fake_->targets.clear();
  auto r = Make().Connect(Info());
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  ExpectNothingLeft();
}

// tgtd drops a login to a target it lacks; open-iscsi then exits 8 (transport timeout) after
// its retries. Discovery tells an absent target (NotFound) from an unreachable one.
TEST_F(IscsiadmConnectorTest, ALoginTimeoutToATargetThePortalLacksIsNotFound) {
  fake_->fail_when = [](const std::vector<std::string>& argv) -> std::optional<int> {
    if (argv.back() == "--login") return iscsiadm::kErrTransTimeout;
    return std::nullopt;
  };
  fake_->targets.clear();
  auto absent = Make().Connect(Info());
  ASSERT_EQ(absent.status().code(), StatusCode::kNotFound) << absent.status().ToString();
  EXPECT_THAT(absent.status().message(), HasSubstr("does not offer"));
  ExpectNothingLeft();

  fake_->targets[kIqn] = {"chapuser", kSecret, {1}};
  auto offered = Make().Connect(Info());
  ASSERT_EQ(offered.status().code(), StatusCode::kUnavailable) << offered.status().ToString();
  ExpectNothingLeft();
}

// tgtd with no target at all drops the login and closes the discovery session too (iscsiadm dies
// of SIGPIPE on its retry): the portal offers nothing, so NotFound. Only a login timeout asks.
TEST_F(IscsiadmConnectorTest, APortalThatClosesDiscoveryAfterALoginTimeoutIsNotFound) {
  bool login_times_out = true;
  fake_->fail_when = [&](const std::vector<std::string>& argv) -> std::optional<int> {
    if (argv.back() == "--login" && login_times_out) return iscsiadm::kErrPduTimeout;
    if (argv.at(2) == "discovery") return 128 + 13;  // killed by SIGPIPE
    return std::nullopt;
  };
  fake_->targets.clear();
  auto absent = Make().Connect(Info());
  ASSERT_EQ(absent.status().code(), StatusCode::kNotFound) << absent.status().ToString();
  EXPECT_THAT(absent.status().message(), HasSubstr("closed the discovery session"));
  ExpectNothingLeft();

  login_times_out = false;
  fake_->fail_when = [](const std::vector<std::string>& argv) -> std::optional<int> {
    if (argv.back() == "--login") return iscsiadm::kErrTransport;  // connection refused
    if (argv.at(2) == "discovery") return iscsiadm::kErrTransport;
    return std::nullopt;
  };
  auto unreachable = Make().Connect(Info());
  ASSERT_EQ(unreachable.status().code(), StatusCode::kUnavailable)
      << unreachable.status().ToString();
  ExpectNothingLeft();
}

TEST_F(IscsiadmConnectorTest, LoginRetryMaxIsWrittenToTheNodeRecordWhenSet) {
  options_.login_retry_max = 1;
  auto c = Make();
  auto r = c.Connect(Info());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  FakeOpenIscsi::Key key{kIqn, kPortal};
  EXPECT_EQ(fake_->nodes[key]["node.session.initial_login_retry_max"], "1");
  EXPECT_TRUE(c.Disconnect(Info(), *r).ok());
  options_.login_retry_max = 0;
  auto d = Make();
  ASSERT_TRUE(d.Connect(Info()).ok());
  EXPECT_EQ(fake_->nodes[key].count("node.session.initial_login_retry_max"), 0u);
}

TEST_F(IscsiadmConnectorTest, TheInitiatorNameMustBeTheKernelInitiators) {
  options_.initiator_name = "iqn.2008-11.org.blockbackup:someone-else";
  auto r = Make().Connect(Info());
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr(kInitiator));
  EXPECT_THAT(r.status().message(), HasSubstr(name_file_));
  options_.initiator_name_file = dir_->path() + "/missing";
  EXPECT_EQ(Make().Connect(Info()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fake_->calls.empty());
}

TEST_F(IscsiadmConnectorTest, DiscoveryChecksThePortalOffersTheTargetBeforeAnyRecord) {
  options_.sendtargets_discovery = true;
  auto c = Make();
  ConnectionInfo other = Info();
  other.data["target_iqn"] = "iqn.2010-10.org.blockbackup.test:not-offered";
  auto r = c.Connect(other);
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("does not offer"));
  EXPECT_THAT(Verbs(), ::testing::ElementsAre("session", "discovery"));
  EXPECT_TRUE(fake_->nodes.empty());
  auto ok = c.Connect(Info());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(c.Disconnect(Info(), *ok).ok());
}

TEST_F(IscsiadmConnectorTest, ConnectWhileLoggedInReusesTheSession) {
  auto c = Make();
  auto first = c.Connect(Info());
  ASSERT_TRUE(first.ok());
  size_t calls = fake_->calls.size();
  auto second = c.Connect(Info());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(fake_->calls.size(), calls + 1);  // only `iscsiadm -m session`
  EXPECT_TRUE(c.Disconnect(Info(), *first).ok());
}

TEST_F(IscsiadmConnectorTest, DevicesFindsARecordACrashLeftBeforeTheLogin) {
  fake_->nodes[{kIqn, kPortal}];  // "--op new" ran, then the process died
  auto c = Make();
  auto devices = c.Devices(Info());
  ASSERT_TRUE(devices.ok());
  ASSERT_THAT(*devices, ::testing::ElementsAre(LinkPath()));
  EXPECT_TRUE(c.Disconnect(Info(), devices->front()).ok());
  ExpectNothingLeft();
}

TEST_F(IscsiadmConnectorTest, AnotherAttachedLunKeepsTheSession) {
  fake_->targets[kIqn].luns = {1, 2};
  auto c = Make();
  auto device = c.Connect(Info());
  ASSERT_TRUE(device.ok());
  EXPECT_TRUE(c.Disconnect(Info(), *device).ok());
  EXPECT_EQ(fake_->sessions.size(), 1u);
  EXPECT_EQ(Verbs().back(), "--login");
}

TEST_F(IscsiadmConnectorTest, DisconnectRefusesADeviceItDidNotMake) {
  auto c = Make();
  EXPECT_EQ(c.Disconnect(Info(), "/dev/sda").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_->calls.empty());
}

TEST(IscsiadmRegistryTest, SelectedByIscsiInitiator) {
  SystemCommandRunner runner;
  ConnectorOptions o;
  o.initiator_name = kInitiator;
  o.iscsi_initiator = "iscsiadm";
  auto c = CreateConnector("iscsi", runner, o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(dynamic_cast<IscsiadmConnector*>(c->get()), nullptr);
  o.initiator_name.clear();
  EXPECT_EQ(CreateConnector("iscsi", runner, o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bb
