// Conversion between the domain records the VolumeHost contract uses and the internal
// VolumeHostService messages (proto/volume_host.proto), for both sides of the hop.
// provider_auth is never put on the wire. Thread-safety: pure functions.
#pragma once

#include "backup_service/common/result.h"
#include "backup_service/model/records.h"
#include "volume_drivers/volume_driver.h"
#include "volume_host.pb.h"

namespace bb {

namespace wire = v1::internal;

wire::HostVolume ToWire(const Volume& v);
wire::HostSnapshot ToWire(const Snapshot& s);
wire::HostCapabilities ToWire(const DriverCapabilities& c);
wire::HostConnector ToWire(const ConnectorProperties& c);
wire::HostConnectionInfo ToWire(const ConnectionInfo& c);
wire::HostExtentReport ToWire(const ExtentReport& c);

// Internal when a status name is unknown (the two daemons run different versions).
Result<Volume> FromWire(const wire::HostVolume& v);
Result<Snapshot> FromWire(const wire::HostSnapshot& s);
DriverCapabilities FromWire(const wire::HostCapabilities& c);
ConnectorProperties FromWire(const wire::HostConnector& c);
ConnectionInfo FromWire(const wire::HostConnectionInfo& c);
ExtentReport FromWire(const wire::HostExtentReport& c);

}  // namespace bb
