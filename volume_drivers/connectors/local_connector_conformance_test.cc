// The Connector conformance suite on the "local" connector: the source file is the device.
#include "tests/conformance/connector_envs.h"
#include "volume_drivers/connectors/local_connector.h"

namespace bb::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Local, ConnectorConformanceTest,
                         ::testing::Values(ConnectorFactory{
                             "local", LocalConnector::kType,
                             ConnectorTraits{.devices_outlive_process = true},
                             [] { return ConnectorOptions{}; }, [] { return std::string(); },
                             [](CommandRunner&, const std::string& dir) {
                               return CreateLocalFileEnv(LocalConnector::kType, dir);
                             }}),
                         ConnectorFactoryName);

}  // namespace
}  // namespace bb::testing
