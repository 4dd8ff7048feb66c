// The Connector conformance suite on the loop connector ("local_file"; root: losetup).
#include "tests/conformance/connector_envs.h"
#include "volume_drivers/connectors/loop_connector.h"

namespace bb::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Loop, ConnectorConformanceTest,
                         ::testing::Values(ConnectorFactory{
                             "loop", LoopConnector::kType,
                             ConnectorTraits{.devices_outlive_process = true},
                             [] { return ConnectorOptions{}; }, [] { return NeedsRoot("losetup"); },
                             [](CommandRunner&, const std::string& dir) {
                               return CreateLocalFileEnv(LoopConnector::kType, dir);
                             }}),
                         ConnectorFactoryName);

}  // namespace
}  // namespace bb::testing
