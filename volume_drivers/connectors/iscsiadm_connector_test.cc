// The iscsiadm connector's paths that work, on an in-memory open-iscsi
// (iscsiadm_connector_fixture.h): connect, CHAP as an argv secret, reuse, crash leftovers, other
// LUNs, disconnect. Refusals, timeouts and their undo: iscsiadm_connector_failure_test.cc.
#include "backup_service/common/log.h"
#include "volume_drivers/connectors/iscsiadm_connector_fixture.h"

namespace bb::iscsiadm_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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
}  // namespace bb::iscsiadm_test
