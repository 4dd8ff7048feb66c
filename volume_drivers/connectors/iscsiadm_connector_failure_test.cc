// The iscsiadm connector's refusals, timeouts and undo, on an in-memory open-iscsi
// (iscsiadm_connector_fixture.h): every failed Connect leaves no node record, session or link,
// and its Status says what to fix (PermissionDenied, NotFound, FailedPrecondition, Unavailable).
#include "volume_drivers/connectors/iscsiadm_connector_fixture.h"

namespace bb::iscsiadm_test {
namespace {

using ::testing::HasSubstr;

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

}  // namespace
}  // namespace bb::iscsiadm_test
