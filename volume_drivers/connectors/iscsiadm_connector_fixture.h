// Test fixture of the iscsiadm connector's unit tests (iscsiadm_connector_test.cc: the paths that
// work; iscsiadm_connector_failure_test.cc: refusals, timeouts and undo). The runner is an
// in-memory open-iscsi (node records, sessions, a target's CHAP check) that answers iscsiadm's
// argv with iscsiadm's exit codes and output formats (iscsiadm_test.cc checks those against
// output of 2.1.8), and plays udev by making the /dev/disk/by-path link in a temp dir on login.
// The live cases against a real tgtd are in the connector conformance suite
// (tests/conformance/connector_conformance.h, instance "iscsiadm").
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "volume_drivers/connectors/iscsiadm.h"
#include "volume_drivers/connectors/iscsiadm_connector.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::iscsiadm_test {

namespace fs = std::filesystem;

inline constexpr const char* kIqn = "iqn.2010-10.org.blockbackup.test:fake-1";
inline constexpr const char* kPortal = "127.0.0.1:3260";
inline constexpr const char* kInitiator = "iqn.2008-11.org.blockbackup:unit";
inline constexpr const char* kSecret = "s3cret-0123456789abcd";

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

}  // namespace bb::iscsiadm_test
