// The Connector conformance suite on the iscsiadm connector (open-iscsi, the kernel initiator),
// against a real tgtd on 127.0.0.1 (root). Its live cases need the kernel's iscsi_tcp module and
// skip without it ("no iscsi_tcp kernel module on this host; ..."): they run in the LVM issue's
// test VM. The cases that need no login run everywhere.
#include "tests/conformance/connector_envs.h"
#include "volume_drivers/connectors/iscsiadm_connector.h"

namespace bb::testing {
namespace {

ConnectorOptions Options() {
  ConnectorOptions o;
  // The kernel logs in as the host's InitiatorName; the connector insists they are the same.
  o.initiator_name = HostInitiatorName("iqn.2008-11.org.blockbackup:conformance");
  o.iscsi_initiator = IscsiadmConnector::kInitiator;
  o.iscsi_io_timeout = std::chrono::seconds(5);
  // The absent-target case waits for a login tgtd never answers: one 15 s try, not eight.
  o.iscsi_login_retry_max = 1;
  return o;
}

std::string Unavailable() {
  std::string root = NeedsRoot("tgtd exports and iscsiadm logins");
  return root.empty() ? IscsiTcpUnavailableReason() : root;
}

INSTANTIATE_TEST_SUITE_P(Iscsiadm, ConnectorConformanceTest,
                         ::testing::Values(ConnectorFactory{
                             "iscsiadm", IscsiadmConnector::kType,
                             ConnectorTraits{.chap = true,
                                             .devices_outlive_process = true,
                                             .vanish_fails_io = true,
                                             .needs_initiator_name = true},
                             Options, Unavailable,
                             [](CommandRunner& runner, const std::string&) {
                               return CreateTgtExportEnv(runner);
                             }}),
                         ConnectorFactoryName);

}  // namespace
}  // namespace bb::testing
