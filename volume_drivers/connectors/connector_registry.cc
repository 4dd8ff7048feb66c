// Registry of connectors by ConnectionInfo::driver_volume_type. One list, no self-registration.
// Thread-safety: CreateConnector is reentrant.
#include <string>

#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/iscsiadm_connector.h"
#include "volume_drivers/connectors/libiscsi_connector.h"
#include "volume_drivers/connectors/local_connector.h"
#include "volume_drivers/connectors/loop_connector.h"

namespace bb {
namespace {

constexpr const char* kLibiscsi = "libiscsi";

Result<std::unique_ptr<Connector>> CreateIscsiConnector(CommandRunner& runner,
                                                        const ConnectorOptions& options) {
  const std::string& initiator = options.iscsi_initiator;
  if (initiator != kLibiscsi && initiator != IscsiadmConnector::kInitiator) {
    return Status::InvalidArgument("iscsi_initiator \"" + initiator + "\" is not known; known: " +
                                   kLibiscsi + ", " + IscsiadmConnector::kInitiator);
  }
  if (options.initiator_name.empty()) {
    return Status::InvalidArgument(
        "the iscsi connector needs this host's initiator name (an IQN such as "
        "iqn.2008-11.org.blockbackup:<host>)");
  }
  if (initiator == IscsiadmConnector::kInitiator) {
    IscsiadmOptions o;
    o.initiator_name = options.initiator_name;
    o.device_timeout = options.iscsi_device_timeout;
    o.io_timeout = options.iscsi_io_timeout;
    o.sendtargets_discovery = options.iscsi_sendtargets_discovery;
    o.login_retry_max = options.iscsi_login_retry_max;
    return std::unique_ptr<Connector>(std::make_unique<IscsiadmConnector>(runner, std::move(o)));
  }
  LibiscsiOptions o;
  o.initiator_name = options.initiator_name;
  o.io_timeout = options.iscsi_io_timeout;
  return std::unique_ptr<Connector>(std::make_unique<LibiscsiConnector>(std::move(o)));
}

}  // namespace

Result<std::unique_ptr<BlockDevice>> Connector::Open(const ConnectionInfo& /*info*/,
                                                     const std::string& device, AccessMode mode) {
  return FileBlockDevice::Open(device, mode);
}

std::string KnownConnectorTypes() {
  return std::string(LocalConnector::kType) + ", " + LoopConnector::kType + ", " +
         LibiscsiConnector::kType;
}

Result<std::unique_ptr<Connector>> CreateConnector(const std::string& driver_volume_type,
                                                   CommandRunner& runner,
                                                   const ConnectorOptions& options) {
  if (driver_volume_type == LocalConnector::kType) {
    return std::unique_ptr<Connector>(std::make_unique<LocalConnector>());
  }
  if (driver_volume_type == LoopConnector::kType) {
    return std::unique_ptr<Connector>(std::make_unique<LoopConnector>(runner));
  }
  if (driver_volume_type == LibiscsiConnector::kType) return CreateIscsiConnector(runner, options);
  return Status::NotFound("no connector for driver_volume_type \"" + driver_volume_type +
                          "\"; known types: " + KnownConnectorTypes());
}

}  // namespace bb
