// The Connector conformance suite on the libiscsi connector, against a real tgtd on 127.0.0.1
// (root: tgtd, tgtadm). The bytes cross TCP; no kernel module is needed.
#include "tests/conformance/connector_envs.h"
#include "volume_drivers/connectors/libiscsi_connector.h"

namespace bb::testing {
namespace {

ConnectorOptions Options() {
  ConnectorOptions o;
  o.initiator_name = "iqn.2008-11.org.blockbackup:conformance";
  o.iscsi_initiator = "libiscsi";
  o.iscsi_io_timeout = std::chrono::seconds(5);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Libiscsi, ConnectorConformanceTest,
    ::testing::Values(ConnectorFactory{
        "libiscsi", LibiscsiConnector::kType,
        ConnectorTraits{.chap = true, .vanish_fails_io = true, .needs_initiator_name = true},
        Options, [] { return NeedsRoot("tgtd exports"); },
        [](CommandRunner& runner, const std::string&) { return CreateTgtExportEnv(runner); }}),
    ConnectorFactoryName);

}  // namespace
}  // namespace bb::testing
