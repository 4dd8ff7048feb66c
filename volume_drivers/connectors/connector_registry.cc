// Registry of connectors by ConnectionInfo::driver_volume_type. One list, no self-registration.
// Thread-safety: CreateConnector is reentrant.
#include <string>

#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/loop_connector.h"

namespace bb {

Result<std::unique_ptr<Connector>> CreateConnector(const std::string& driver_volume_type,
                                                   CommandRunner& runner) {
  if (driver_volume_type == LoopConnector::kType) {
    return std::unique_ptr<Connector>(std::make_unique<LoopConnector>(runner));
  }
  return Status::NotFound("no connector for driver_volume_type \"" + driver_volume_type +
                          "\"; known types: " + LoopConnector::kType);
}

}  // namespace bb
