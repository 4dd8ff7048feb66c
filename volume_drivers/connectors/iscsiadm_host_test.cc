// The iscsiadm connector with the real iscsiadm on this host (root: it writes open-iscsi's node
// database), against a real tgtd export. Whatever this host lacks, a login that cannot succeed
// must end in a clear error naming the step, with the node record it made deleted again. On a
// host with iscsi_tcp (the LVM issue's VM) the target is absent (NotFound); without it (this
// container: no iscsid can start) the login itself fails (Unavailable or FailedPrecondition).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>

#include "tests/conformance/connector_envs.h"
#include "volume_drivers/connectors/iscsiadm.h"
#include "volume_drivers/connectors/iscsiadm_connector.h"

namespace bb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(IscsiadmOnThisHost, ALoginThatCannotSucceedLeavesNoNodeRecord) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: writes open-iscsi's node database";
  SystemCommandRunner runner;
  auto dir = TempDir::Create("bb-iscsiadm-host-");
  ASSERT_TRUE(dir.ok());
  auto env = CreateTgtExportEnv(runner);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  std::string file = dir->path() + "/volume";
  {
    int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 1 << 20), 0);
    ::close(fd);
  }
  const bool kernel_can_login = IscsiTcpUnavailableReason().empty();
  ConnectionInfo info;
  if (kernel_can_login) {
    info = (*env)->Absent();
  } else {
    auto exported = (*env)->Export(file, /*read_only=*/true);
    ASSERT_TRUE(exported.ok()) << exported.status().ToString();
    info = *exported;
  }
  ConnectorOptions o;
  o.initiator_name = HostInitiatorName("");
  ASSERT_FALSE(o.initiator_name.empty()) << "/etc/iscsi/initiatorname.iscsi has no name";
  o.iscsi_initiator = IscsiadmConnector::kInitiator;
  auto connector = CreateConnector("iscsi", runner, o);
  ASSERT_TRUE(connector.ok()) << connector.status().ToString();

  auto device = (*connector)->Connect(info);
  ASSERT_FALSE(device.ok()) << "logged in to " << *device;
  const std::string msg = device.status().message();
  RecordProperty("connect_error", device.status().ToString());
  std::cout << "Connect on this host: " << device.status().ToString() << "\n";
  if (kernel_can_login) {
    EXPECT_EQ(device.status().code(), StatusCode::kNotFound);
  } else {
    EXPECT_THAT(device.status().code(),
                ::testing::AnyOf(StatusCode::kUnavailable, StatusCode::kFailedPrecondition));
  }
  EXPECT_THAT(msg, HasSubstr("login to " + info.data.at("target_iqn")));
  EXPECT_THAT(msg, Not(HasSubstr(info.data.at("auth_password"))));
  // The record Connect wrote is gone again; nothing is listed for restart cleanup.
  auto node =
      runner.Run(iscsiadm::NodeShowArgv(info.data.at("target_iqn"), info.data.at("target_portal")));
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->exit_code, iscsiadm::kErrNoObjsFound) << node->out;
  auto devices = (*connector)->Devices(info);
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  EXPECT_TRUE(devices->empty());
  EXPECT_TRUE((*env)->Cleanup().ok());
}

}  // namespace
}  // namespace bb::testing
