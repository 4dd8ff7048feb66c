// Registry of connectors by ConnectionInfo::driver_volume_type. One list, no self-registration.
// Thread-safety: CreateConnector is reentrant.
#include <string>

#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/libiscsi_connector.h"
#include "volume_drivers/connectors/loop_connector.h"

namespace bb {

Result<std::unique_ptr<BlockDevice>> Connector::Open(const ConnectionInfo& /*info*/,
                                                     const std::string& device, AccessMode mode) {
  return FileBlockDevice::Open(device, mode);
}

Result<std::unique_ptr<Connector>> CreateConnector(const std::string& driver_volume_type,
                                                   CommandRunner& runner,
                                                   const ConnectorOptions& options) {
  if (driver_volume_type == LoopConnector::kType) {
    return std::unique_ptr<Connector>(std::make_unique<LoopConnector>(runner));
  }
  if (driver_volume_type == LibiscsiConnector::kType) {
    if (options.iscsi_initiator != "libiscsi") {
      return Status::InvalidArgument("iscsi_initiator \"" + options.iscsi_initiator +
                                     "\" is not available; known: libiscsi");
    }
    if (options.initiator_name.empty()) {
      return Status::InvalidArgument(
          "the iscsi connector needs this host's initiator name (an IQN such as "
          "iqn.2008-11.org.blockbackup:<host>)");
    }
    LibiscsiOptions o;
    o.initiator_name = options.initiator_name;
    o.io_timeout = options.iscsi_io_timeout;
    return std::unique_ptr<Connector>(std::make_unique<LibiscsiConnector>(std::move(o)));
  }
  return Status::NotFound("no connector for driver_volume_type \"" + driver_volume_type +
                          "\"; known types: " + LoopConnector::kType + ", " +
                          LibiscsiConnector::kType);
}

}  // namespace bb
