#include "rpc/volume_host_wire.h"

namespace bb {

wire::HostVolume ToWire(const Volume& v) {
  wire::HostVolume out;
  out.set_id(v.id);
  out.set_project_id(v.project_id);
  out.set_name(v.name);
  out.set_description(v.description);
  out.set_size_gib(v.size_gib);
  out.set_status(std::string(ToString(v.status)));
  if (v.previous_status) out.set_previous_status(std::string(ToString(*v.previous_status)));
  out.set_host(v.host);
  out.set_provider_location(v.provider_location);
  out.set_created_at_us(v.created_at);
  out.set_updated_at_us(v.updated_at);
  return out;
}

wire::HostSnapshot ToWire(const Snapshot& s) {
  wire::HostSnapshot out;
  out.set_id(s.id);
  out.set_project_id(s.project_id);
  out.set_volume_id(s.volume_id);
  out.set_name(s.name);
  out.set_description(s.description);
  out.set_size_gib(s.size_gib);
  out.set_status(std::string(ToString(s.status)));
  out.set_is_temporary(s.is_temporary);
  out.set_host(s.host);
  out.set_provider_location(s.provider_location);
  out.set_created_at_us(s.created_at);
  out.set_updated_at_us(s.updated_at);
  return out;
}

wire::HostCapabilities ToWire(const DriverCapabilities& c) {
  wire::HostCapabilities out;
  out.set_can_snapshot(c.can_snapshot);
  out.set_snapshot_readable_locally(c.snapshot_readable_locally);
  out.set_snapshot_attachable(c.snapshot_attachable);
  out.set_can_clone(c.can_clone);
  out.set_clone_is_cheap(c.clone_is_cheap);
  out.set_can_create_from_snapshot(c.can_create_from_snapshot);
  out.set_volume_readable_locally(c.volume_readable_locally);
  out.set_volume_attachable(c.volume_attachable);
  out.set_reports_allocated_extents(c.reports_allocated_extents);
  out.set_reports_changed_extents(c.reports_changed_extents);
  out.set_no_consistent_copy_reason(c.no_consistent_copy_reason);
  out.set_no_snapshot_reason(c.no_snapshot_reason);
  return out;
}

wire::HostConnector ToWire(const ConnectorProperties& c) {
  wire::HostConnector out;
  out.set_host(c.host);
  out.set_initiator(c.initiator);
  out.set_ip(c.ip);
  return out;
}

wire::HostConnectionInfo ToWire(const ConnectionInfo& c) {
  wire::HostConnectionInfo out;
  out.set_driver_volume_type(c.driver_volume_type);
  for (const auto& [k, v] : c.data) (*out.mutable_data())[k] = v;
  return out;
}

Result<Volume> FromWire(const wire::HostVolume& v) {
  Volume out;
  out.id = v.id();
  out.project_id = v.project_id();
  out.name = v.name();
  out.description = v.description();
  out.size_gib = v.size_gib();
  auto status = ParseVolumeStatus(v.status());
  if (!status) return Status::Internal("volume host sent unknown volume status " + v.status());
  out.status = *status;
  if (!v.previous_status().empty()) {
    auto previous = ParseVolumeStatus(v.previous_status());
    if (!previous) {
      return Status::Internal("volume host sent unknown volume status " + v.previous_status());
    }
    out.previous_status = *previous;
  }
  out.host = v.host();
  out.provider_location = v.provider_location();
  out.created_at = v.created_at_us();
  out.updated_at = v.updated_at_us();
  return out;
}

Result<Snapshot> FromWire(const wire::HostSnapshot& s) {
  Snapshot out;
  out.id = s.id();
  out.project_id = s.project_id();
  out.volume_id = s.volume_id();
  out.name = s.name();
  out.description = s.description();
  out.size_gib = s.size_gib();
  auto status = ParseSnapshotStatus(s.status());
  if (!status) return Status::Internal("volume host sent unknown snapshot status " + s.status());
  out.status = *status;
  out.is_temporary = s.is_temporary();
  out.host = s.host();
  out.provider_location = s.provider_location();
  out.created_at = s.created_at_us();
  out.updated_at = s.updated_at_us();
  return out;
}

DriverCapabilities FromWire(const wire::HostCapabilities& c) {
  DriverCapabilities out;
  out.can_snapshot = c.can_snapshot();
  out.snapshot_readable_locally = c.snapshot_readable_locally();
  out.snapshot_attachable = c.snapshot_attachable();
  out.can_clone = c.can_clone();
  out.clone_is_cheap = c.clone_is_cheap();
  out.can_create_from_snapshot = c.can_create_from_snapshot();
  out.volume_readable_locally = c.volume_readable_locally();
  out.volume_attachable = c.volume_attachable();
  out.reports_allocated_extents = c.reports_allocated_extents();
  out.reports_changed_extents = c.reports_changed_extents();
  out.no_consistent_copy_reason = c.no_consistent_copy_reason();
  out.no_snapshot_reason = c.no_snapshot_reason();
  return out;
}

ConnectorProperties FromWire(const wire::HostConnector& c) {
  return ConnectorProperties{c.host(), c.initiator(), c.ip()};
}

ConnectionInfo FromWire(const wire::HostConnectionInfo& c) {
  ConnectionInfo out;
  out.driver_volume_type = c.driver_volume_type();
  for (const auto& [k, v] : c.data()) out.data[k] = v;
  return out;
}

wire::HostExtentReport ToWire(const ExtentReport& c) {
  wire::HostExtentReport out;
  out.set_known(c.known);
  for (const ByteRange& r : c.ranges) {
    auto* w = out.add_ranges();
    w->set_offset(r.offset);
    w->set_length(r.length);
  }
  return out;
}

ExtentReport FromWire(const wire::HostExtentReport& c) {
  ExtentReport out;
  out.known = c.known();
  out.ranges.reserve(static_cast<size_t>(c.ranges_size()));
  for (const auto& r : c.ranges()) out.ranges.push_back({r.offset(), r.length()});
  return out;
}

}  // namespace bb
