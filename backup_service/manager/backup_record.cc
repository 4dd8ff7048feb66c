// Backup record v1: JSON (nlohmann, ordered so exports are stable and readable once decoded) in
// base64. Decoding never throws out of this file: the document is parsed in non-throwing mode
// and every field's presence and type is checked before it is read.
#include "backup_service/manager/backup_record.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "backup_service/common/base64.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/volume_manager/volume_manager.h"

namespace bb {
namespace {

using Json = nlohmann::ordered_json;

// A v1 record is about 1.5 KiB even with maximal names; anything much larger is not a record.
constexpr size_t kMaxRecordBytes = 64 * 1024;
constexpr size_t kMaxProjectIdBytes = 64;

// Every key of a v1 document. Unknown keys are refused: a field this reader would silently drop
// could be one a restore needs, and a newer writer must bump record_version instead.
const std::set<std::string>& V1Keys() {
  static const std::set<std::string> kKeys = {"record_version",
                                              "store",
                                              "storage_format",
                                              "manifest_format",
                                              "manifest_version",
                                              "id",
                                              "project_id",
                                              "volume_id",
                                              "snapshot_id",
                                              "parent_id",
                                              "name",
                                              "description",
                                              "container",
                                              "manifest_object",
                                              "size_gib",
                                              "object_count",
                                              "stored_bytes",
                                              "data_timestamp_us",
                                              "created_at_us"};
  return kKeys;
}

Status Bad(const std::string& why) {
  return Status::InvalidArgument("invalid backup record: " + why);
}

Status GetString(const Json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing field \"") + key + "\"");
  if (!it->is_string()) return Bad(std::string("field \"") + key + "\" must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status GetInt(const Json& j, const char* key, int64_t min, int64_t max, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing field \"") + key + "\"");
  if (!it->is_number_integer()) return Bad(std::string("field \"") + key + "\" must be an integer");
  bool too_large = it->is_number_unsigned() &&
                   it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  int64_t v = too_large ? std::numeric_limits<int64_t>::max() : it->get<int64_t>();
  if (too_large || v < min || v > max) {
    return Bad(std::string("field \"") + key + "\" must be between " + std::to_string(min) +
               " and " + std::to_string(max));
  }
  *out = v;
  return Status::Ok();
}

// Same rule as the x-project-id header (rpc/project_context.cc): the project is part of the
// object-store path, so nothing but [A-Za-z0-9_-] may reach it.
Status ValidateRecordProject(const std::string& project_id) {
  bool ok = !project_id.empty() && project_id.size() <= kMaxProjectIdBytes;
  for (char c : project_id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-');
  }
  return ok ? Status::Ok() : Bad("project_id must be 1 to 64 characters of [A-Za-z0-9_-]");
}

Status ExpectEqual(const char* key, const std::string& got, std::string_view want) {
  if (got == want) return Status::Ok();
  return Bad(std::string("field \"") + key + "\" is '" + got.substr(0, 64) +
             "'; this installation reads '" + std::string(want) + "'");
}

Status CheckIds(const Backup& b) {
  RETURN_IF_ERROR(ValidateUuid("backup record id", b.id));
  RETURN_IF_ERROR(ValidateUuid("backup record volume_id", b.volume_id));
  RETURN_IF_ERROR(ValidateOptionalUuid("backup record snapshot_id", b.snapshot_id));
  RETURN_IF_ERROR(ValidateOptionalUuid("backup record parent_id", b.parent_id));
  if (b.parent_id == b.id) return Bad("parent_id names the backup itself");
  return ValidateRecordProject(b.project_id);
}

Result<ImportedBackup> DecodeV1(const Json& j, const std::string& backup_service) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (V1Keys().count(it.key()) == 0) {
      return Bad("unknown field \"" + it.key().substr(0, 64) + "\" in a version 1 record");
    }
  }
  ImportedBackup out;
  Backup& b = out.backup;
  std::string storage_format, manifest_format;
  int64_t manifest_version = 0;
  RETURN_IF_ERROR(GetString(j, "store", &out.store_kind));
  if (out.store_kind != backup_service) {
    return Bad("backup_service '" + backup_service.substr(0, 64) +
               "' does not match the store named inside the record ('" +
               out.store_kind.substr(0, 64) + "')");
  }
  RETURN_IF_ERROR(GetString(j, "storage_format", &storage_format));
  // Both storage formats are read (README "Versioning"): each with its own manifest version.
  const bool v2 = storage_format == kStoragePackedV2;
  if (!v2) RETURN_IF_ERROR(ExpectEqual("storage_format", storage_format, kStorageChunkedV1));
  b.storage_format = storage_format;
  RETURN_IF_ERROR(GetString(j, "manifest_format", &manifest_format));
  RETURN_IF_ERROR(ExpectEqual("manifest_format", manifest_format, kManifestFormat));
  RETURN_IF_ERROR(
      GetInt(j, "manifest_version", 1, std::numeric_limits<int32_t>::max(), &manifest_version));
  const int64_t want_version = v2 ? kManifestV2Version : kManifestVersion;
  if (manifest_version != want_version) {
    return Bad("manifest_version " + std::to_string(manifest_version) +
               " is not supported for storage_format '" + storage_format +
               "'; this installation reads manifest version " + std::to_string(want_version));
  }
  RETURN_IF_ERROR(GetString(j, "id", &b.id));
  RETURN_IF_ERROR(GetString(j, "project_id", &b.project_id));
  RETURN_IF_ERROR(GetString(j, "volume_id", &b.volume_id));
  RETURN_IF_ERROR(GetString(j, "snapshot_id", &b.snapshot_id));
  RETURN_IF_ERROR(GetString(j, "parent_id", &b.parent_id));
  RETURN_IF_ERROR(CheckIds(b));
  RETURN_IF_ERROR(GetString(j, "name", &b.name));
  RETURN_IF_ERROR(ValidateText("backup record name", b.name, kMaxNameBytes));
  RETURN_IF_ERROR(GetString(j, "description", &b.description));
  RETURN_IF_ERROR(ValidateText("backup record description", b.description, kMaxNameBytes));
  RETURN_IF_ERROR(GetString(j, "container", &b.container));
  RETURN_IF_ERROR(ValidateBackupContainerName(b.container).WithContext("invalid backup record"));
  RETURN_IF_ERROR(GetString(j, "manifest_object", &b.manifest_object));
  // The data path names each manifest after its backup; anything else is not where a restore of
  // this backup would look, and must never be a path of the caller's choosing.
  const std::string manifest_name = v2 ? ManifestV2ObjectName(b.id) : ManifestObjectName(b.id);
  if (b.manifest_object != manifest_name) {
    return Bad("manifest_object must be '" + manifest_name + "' for backup " + b.id);
  }
  constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
  RETURN_IF_ERROR(GetInt(j, "size_gib", 1, kMaxVolumeSizeGib, &b.size_gib));
  RETURN_IF_ERROR(GetInt(j, "object_count", 0, kMaxInt, &b.object_count));
  RETURN_IF_ERROR(GetInt(j, "stored_bytes", 0, kMaxInt, &b.stored_bytes));
  RETURN_IF_ERROR(GetInt(j, "data_timestamp_us", 0, kMaxInt, &b.data_timestamp));
  RETURN_IF_ERROR(GetInt(j, "created_at_us", 0, kMaxInt, &b.created_at));
  return out;
}

}  // namespace

BackupRecordWire EncodeBackupRecord(const Backup& b, std::string_view store_kind) {
  Json j = {{"record_version", kBackupRecordVersion},
            {"store", std::string(store_kind)},
            {"storage_format", b.storage_format},
            {"manifest_format", std::string(kManifestFormat)},
            {"manifest_version",
             b.storage_format == kStoragePackedV2 ? kManifestV2Version : kManifestVersion},
            {"id", b.id},
            {"project_id", b.project_id},
            {"volume_id", b.volume_id},
            {"snapshot_id", b.snapshot_id},
            {"parent_id", b.parent_id},
            {"name", b.name},
            {"description", b.description},
            {"container", b.container},
            {"manifest_object", b.manifest_object},
            {"size_gib", b.size_gib},
            {"object_count", b.object_count},
            {"stored_bytes", b.stored_bytes},
            {"data_timestamp_us", b.data_timestamp},
            {"created_at_us", b.created_at}};
  // `replace` instead of throwing: names are validated UTF-8 on the way in, but an export must
  // never abort the daemon over one odd byte.
  std::string text = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return {std::string(store_kind), Base64Encode(text)};
}

Result<ImportedBackup> DecodeBackupRecord(const BackupRecordWire& record) {
  if (record.backup_service.empty()) return Bad("backup_service is empty");
  if (record.backup_url.size() > kMaxRecordBytes) {
    return Bad("backup_url is " + std::to_string(record.backup_url.size()) +
               " bytes long; a record is at most " + std::to_string(kMaxRecordBytes));
  }
  auto text = Base64Decode("backup_url", record.backup_url);
  if (!text.ok()) return text.status().WithContext("invalid backup record");
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Bad("backup_url does not decode to a JSON document (was the record truncated?)");
  }
  if (!j.is_object()) return Bad("backup_url does not decode to a JSON object");
  auto v = j.find("record_version");
  if (v == j.end()) return Bad("missing field \"record_version\"");
  if (!v->is_number_integer()) return Bad("field \"record_version\" must be an integer");
  if (v->get<int64_t>() != kBackupRecordVersion) {
    return Status::InvalidArgument("record_version " + v->dump() +
                                   " is not supported; this installation reads version " +
                                   std::to_string(kBackupRecordVersion));
  }
  return DecodeV1(j, record.backup_service);
}

}  // namespace bb
