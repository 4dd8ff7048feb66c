// Views: one function per record shape; microversion-gated fields as listed in cinder-facts §2.4.
#include "api/views.h"

#include <ctime>

namespace bb::api {
namespace {

constexpr char kAvailabilityZone[] = "nova";

std::string CinderAttachmentStatus(AttachmentStatus s) {
  // Ours: attaching | attached | detaching; Cinder's names are the same words.
  return std::string(ToString(s));
}

// Cinder shows absent ids and reasons as null, not "".
nlohmann::json OrNull(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

}  // namespace

nlohmann::json IsoTime(int64_t micros) {
  if (micros <= 0) return nullptr;
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros % 1000000));
  return std::string(text);
}

nlohmann::json Links(const ApiRequest& request, const std::string& project,
                     std::string_view collection, const std::string& id) {
  std::string tail = project + "/" + std::string(collection) + "/" + id;
  return nlohmann::json::array({{{"href", request.base_url + "/v3/" + tail}, {"rel", "self"}},
                                {{"href", request.base_url + "/" + tail}, {"rel", "bookmark"}}});
}

nlohmann::json BackupSummary(const ApiRequest& request, const Backup& backup) {
  return {{"id", backup.id},
          {"name", backup.name},
          {"links", Links(request, backup.project_id, "backups", backup.id)}};
}

nlohmann::json BackupDetail(const ApiRequest& request, const Backup& backup) {
  nlohmann::json out = BackupSummary(request, backup);
  // The container the user named: ours are stored as "<project>/<container>".
  std::string container = backup.container;
  if (auto slash = container.find('/'); slash != std::string::npos) {
    container = container.substr(slash + 1);
  }
  out["status"] = std::string(ToString(backup.status));
  out["size"] = backup.size_gib;
  out["object_count"] = backup.object_count;
  out["availability_zone"] = kAvailabilityZone;
  out["container"] = container;
  out["created_at"] = IsoTime(backup.created_at);
  out["updated_at"] = IsoTime(backup.updated_at);
  out["description"] = backup.description;
  out["fail_reason"] = OrNull(backup.fail_reason);
  out["volume_id"] = backup.volume_id;
  out["is_incremental"] = !backup.parent_id.empty();
  out["has_dependent_backups"] = backup.num_dependent_backups > 0;
  out["snapshot_id"] = OrNull(backup.snapshot_id);
  out["data_timestamp"] = IsoTime(backup.data_timestamp);
  if (request.version >= ApiVersion{3, 18} && request.is_admin()) {
    out["os-backup-project-attr:project_id"] = backup.project_id;
  }
  if (request.version >= ApiVersion{3, 43}) out["metadata"] = nlohmann::json::object();
  if (request.version >= ApiVersion{3, 56}) out["user_id"] = nullptr;
  return out;
}

nlohmann::json VolumeSummary(const ApiRequest& request, const Volume& volume) {
  return {{"id", volume.id},
          {"name", volume.name},
          {"links", Links(request, volume.project_id, "volumes", volume.id)}};
}

nlohmann::json VolumeDetail(const ApiRequest& request, const Volume& volume,
                            const std::vector<Attachment>& attachments) {
  nlohmann::json out = VolumeSummary(request, volume);
  nlohmann::json attached = nlohmann::json::array();
  for (const auto& a : attachments) {
    attached.push_back({{"id", volume.id},
                        {"attachment_id", a.id},
                        {"volume_id", volume.id},
                        {"server_id", OrNull(a.instance_uuid)},
                        {"host_name", a.attached_host},
                        {"device", a.device},
                        {"attached_at", IsoTime(a.created_at)}});
  }
  out["status"] = std::string(ToString(volume.status));
  out["size"] = volume.size_gib;
  out["availability_zone"] = kAvailabilityZone;
  out["created_at"] = IsoTime(volume.created_at);
  out["updated_at"] = IsoTime(volume.updated_at);
  out["description"] = volume.description;
  out["attachments"] = attached;
  out["volume_type"] = nullptr;
  out["snapshot_id"] = nullptr;
  out["source_volid"] = nullptr;
  out["metadata"] = nlohmann::json::object();
  out["bootable"] = "false";
  out["encrypted"] = false;
  out["multiattach"] = false;
  out["replication_status"] = nullptr;
  out["consistencygroup_id"] = nullptr;
  out["user_id"] = nullptr;
  out["os-vol-tenant-attr:tenant_id"] = volume.project_id;
  if (request.is_admin()) out["os-vol-host-attr:host"] = volume.host;
  return out;
}

nlohmann::json SnapshotSummary(const ApiRequest& request, const Snapshot& snapshot) {
  return SnapshotDetail(request, snapshot);  // Cinder's snapshot list has no summary form
}

nlohmann::json SnapshotDetail(const ApiRequest& request, const Snapshot& snapshot) {
  nlohmann::json out = {{"id", snapshot.id},
                        {"name", snapshot.name},
                        {"description", snapshot.description},
                        {"status", std::string(ToString(snapshot.status))},
                        {"size", snapshot.size_gib},
                        {"volume_id", snapshot.volume_id},
                        {"created_at", IsoTime(snapshot.created_at)},
                        {"updated_at", IsoTime(snapshot.updated_at)},
                        {"metadata", nlohmann::json::object()},
                        {"os-extended-snapshot-attributes:project_id", snapshot.project_id},
                        {"os-extended-snapshot-attributes:progress", "100%"}};
  if (request.version >= ApiVersion{3, 41}) out["user_id"] = nullptr;
  return out;
}

nlohmann::json AttachmentView(const Attachment& attachment) {
  nlohmann::json out = {{"id", attachment.id},
                        {"status", CinderAttachmentStatus(attachment.status)},
                        {"instance", OrNull(attachment.instance_uuid)},
                        {"volume_id", attachment.volume_id},
                        {"attached_at", IsoTime(attachment.created_at)},
                        {"detached_at", nullptr},
                        {"attach_mode", "rw"}};
  if (!attachment.device.empty()) {
    // The device is on this daemon's host: os-brick's "local" connector type reads device_path.
    out["connection_info"] = {{"driver_volume_type", "local"},
                              {"data", {{"device_path", attachment.device}}}};
  } else {
    out["connection_info"] = nullptr;
  }
  return out;
}

}  // namespace bb::api
