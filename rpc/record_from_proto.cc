// Wire -> records: the inverse of record_conversion.cc's ToProto, for clients of the services
// (role api's remote operations). Statuses travel as their names; a name this build does not
// know is refused rather than guessed.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include "rpc/record_conversion.h"

namespace bb {
namespace {

template <typename T>
Result<T> Known(std::optional<T> parsed, std::string_view field, const std::string& value) {
  if (!parsed) {
    return Status::InvalidArgument("the service answered an unknown " + std::string(field) + " '" +
                                   value.substr(0, 64) + "'");
  }
  return *parsed;
}

}  // namespace

Result<Volume> FromProto(const v1::Volume& in) {
  Volume out;
  out.id = in.id();
  out.project_id = in.project_id();
  out.name = in.name();
  out.description = in.description();
  out.size_gib = in.size_gib();
  ASSIGN_OR_RETURN(out.status, Known(ParseVolumeStatus(in.status()), "volume status", in.status()));
  if (!in.previous_status().empty()) {
    ASSIGN_OR_RETURN(out.previous_status, Known(ParseVolumeStatus(in.previous_status()),
                                                "volume previous_status", in.previous_status()));
  }
  out.host = in.host();
  out.created_at = in.created_at_us();
  out.updated_at = in.updated_at_us();
  return out;
}

Result<Attachment> FromProto(const v1::Attachment& in) {
  Attachment out;
  out.id = in.id();
  out.volume_id = in.volume_id();
  out.instance_uuid = in.instance_uuid();
  out.attached_host = in.attached_host();
  out.device = in.device();
  ASSIGN_OR_RETURN(out.status,
                   Known(ParseAttachmentStatus(in.status()), "attachment status", in.status()));
  out.created_at = in.created_at_us();
  return out;
}

Result<Snapshot> FromProto(const v1::Snapshot& in) {
  Snapshot out;
  out.id = in.id();
  out.project_id = in.project_id();
  out.volume_id = in.volume_id();
  out.name = in.name();
  out.description = in.description();
  out.size_gib = in.size_gib();
  ASSIGN_OR_RETURN(out.status,
                   Known(ParseSnapshotStatus(in.status()), "snapshot status", in.status()));
  out.created_at = in.created_at_us();
  out.updated_at = in.updated_at_us();
  return out;
}

Result<Backup> FromProto(const v1::Backup& in) {
  Backup out;
  out.id = in.id();
  out.project_id = in.project_id();
  out.volume_id = in.volume_id();
  out.snapshot_id = in.snapshot_id();
  out.name = in.name();
  out.description = in.description();
  ASSIGN_OR_RETURN(out.status, Known(ParseBackupStatus(in.status()), "backup status", in.status()));
  out.fail_reason = in.fail_reason();
  out.parent_id = in.parent_id();
  out.restore_volume_id = in.restore_volume_id();
  out.container = in.container();
  out.host = in.host();
  out.size_gib = in.size_gib();
  out.object_count = in.object_count();
  out.stored_bytes = in.stored_bytes();
  out.bytes_done = in.bytes_done();
  out.bytes_total = in.bytes_total();
  ASSIGN_OR_RETURN(out.source_kind, Known(ParseBackupSourceKind(in.source_kind()),
                                          "backup source_kind", in.source_kind()));
  out.source_reason = in.source_reason();
  out.source_device = in.source_device();
  out.num_dependent_backups = in.num_dependent_backups();
  out.data_timestamp = in.data_timestamp_us();
  out.started_at = in.started_at_us();
  out.finished_at = in.finished_at_us();
  out.created_at = in.created_at_us();
  out.updated_at = in.updated_at_us();
  return out;
}

QuotaLimits FromProto(const v1::QuotaSet& set) {
  return {.backups = set.backups(), .backup_gigabytes = set.backup_gigabytes()};
}

ProjectQuota FromProto(const v1::ProjectQuota& quota) {
  return {.limits = FromProto(quota.limits()),
          .in_use = {.backups = quota.in_use().backups(),
                     .backup_gigabytes = quota.in_use().backup_gigabytes()}};
}

v1::ListOptions ToProto(const PageRequest& page) {
  v1::ListOptions out;
  out.set_sort(page.sort);
  // The wire's limit is 32-bit; larger asks are capped by the service anyway (list_max_limit),
  // and a negative one must stay negative so that it is refused with the same message.
  int64_t limit = std::clamp<int64_t>(page.limit, INT32_MIN, INT32_MAX);
  out.set_limit(static_cast<int32_t>(limit));
  out.set_marker(page.marker);
  out.set_offset(page.offset);
  out.set_with_count(page.with_count);
  out.set_all_projects(page.all_projects);
  return out;
}

}  // namespace bb
