// Record conversion: field-by-field copies. The wire names times *_us (microseconds) to make the
// unit explicit; the records store the same values.
#include "rpc/record_conversion.h"

#include <string>

namespace bb {

v1::Volume ToProto(const Volume& volume, const std::vector<Attachment>& attachments) {
  v1::Volume out;
  out.set_id(volume.id);
  out.set_name(volume.name);
  out.set_description(volume.description);
  out.set_size_gib(volume.size_gib);
  out.set_status(std::string(ToString(volume.status)));
  if (volume.previous_status)
    out.set_previous_status(std::string(ToString(*volume.previous_status)));
  out.set_project_id(volume.project_id);
  out.set_host(volume.host);
  for (const auto& a : attachments) *out.add_attachments() = ToProto(a);
  out.set_created_at_us(volume.created_at);
  out.set_updated_at_us(volume.updated_at);
  return out;
}

v1::Attachment ToProto(const Attachment& attachment) {
  v1::Attachment out;
  out.set_id(attachment.id);
  out.set_volume_id(attachment.volume_id);
  out.set_instance_uuid(attachment.instance_uuid);
  out.set_attached_host(attachment.attached_host);
  out.set_device(attachment.device);
  out.set_status(std::string(ToString(attachment.status)));
  out.set_created_at_us(attachment.created_at);
  return out;
}

v1::Snapshot ToProto(const Snapshot& snapshot) {
  v1::Snapshot out;
  out.set_id(snapshot.id);
  out.set_volume_id(snapshot.volume_id);
  out.set_name(snapshot.name);
  out.set_description(snapshot.description);
  out.set_size_gib(snapshot.size_gib);
  out.set_status(std::string(ToString(snapshot.status)));
  out.set_project_id(snapshot.project_id);
  out.set_created_at_us(snapshot.created_at);
  out.set_updated_at_us(snapshot.updated_at);
  return out;
}

v1::Backup ToProto(const Backup& backup) {
  v1::Backup out;
  out.set_id(backup.id);
  out.set_volume_id(backup.volume_id);
  out.set_snapshot_id(backup.snapshot_id);
  out.set_name(backup.name);
  out.set_description(backup.description);
  out.set_status(std::string(ToString(backup.status)));
  out.set_fail_reason(backup.fail_reason);
  out.set_size_gib(backup.size_gib);
  out.set_object_count(backup.object_count);
  out.set_stored_bytes(backup.stored_bytes);
  out.set_container(backup.container);
  out.set_parent_id(backup.parent_id);
  out.set_is_incremental(!backup.parent_id.empty());
  out.set_has_dependent_backups(backup.num_dependent_backups > 0);
  out.set_data_timestamp_us(backup.data_timestamp);
  out.set_project_id(backup.project_id);
  out.set_host(backup.host);
  out.set_source_kind(std::string(ToString(backup.source_kind)));
  out.set_source_reason(backup.source_reason);
  out.set_source_device(backup.source_device);
  out.set_num_dependent_backups(backup.num_dependent_backups);
  if (backup.finished_at > backup.started_at && backup.started_at > 0 &&
      backup.status != BackupStatus::kCreating) {
    // Logical bytes (holes count as copied) over wall time: the speed the user experienced.
    double seconds = static_cast<double>(backup.finished_at - backup.started_at) / 1e6;
    out.set_mb_per_s(static_cast<double>(backup.bytes_done) / 1e6 / seconds);
  }
  out.set_bytes_done(backup.bytes_done);
  out.set_bytes_total(backup.bytes_total);
  out.set_started_at_us(backup.started_at);
  out.set_finished_at_us(backup.finished_at);
  out.set_created_at_us(backup.created_at);
  out.set_updated_at_us(backup.updated_at);
  out.set_restore_volume_id(backup.restore_volume_id);
  return out;
}

v1::QuotaSet ToProto(const QuotaLimits& limits) {
  v1::QuotaSet out;
  out.set_backups(limits.backups);
  out.set_backup_gigabytes(limits.backup_gigabytes);
  return out;
}

v1::ProjectQuota ToProto(const std::string& project_id, const ProjectQuota& quota) {
  v1::ProjectQuota out;
  out.set_project_id(project_id);
  *out.mutable_limits() = ToProto(quota.limits);
  out.mutable_in_use()->set_backups(quota.in_use.backups);
  out.mutable_in_use()->set_backup_gigabytes(quota.in_use.backup_gigabytes);
  return out;
}

PageRequest FromProto(const v1::ListOptions& options) {
  return {.sort = options.sort(),
          .limit = options.limit(),
          .marker = options.marker(),
          .offset = options.offset(),
          .with_count = options.with_count(),
          .all_projects = options.all_projects()};
}

v1::PageInfo PageInfoProto(const std::string& next_marker, int64_t count, int limit) {
  v1::PageInfo out;
  out.set_next_marker(next_marker);
  out.set_count(count);
  out.set_limit(limit);
  return out;
}

}  // namespace bb
