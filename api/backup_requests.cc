// Backup request bodies: moved out of backup_handlers.cc so that tests and the fuzzer reach the
// handlers' own parsing without a manager.
#include "api/backup_requests.h"

#include "api/json_body.h"

namespace bb::api {
namespace {

constexpr size_t kMaxText = 255;

}  // namespace

Result<BackupCreateBody> ParseBackupCreate(std::string_view text) {
  std::initializer_list<std::string_view> allowed = {
      "volume_id", "container",   "name",     "description",      "incremental",
      "force",     "snapshot_id", "metadata", "availability_zone"};
  ASSIGN_OR_RETURN(auto body, BodyObject::Parse(text, "backup", allowed));
  RETURN_IF_ERROR(body.Require("volume_id"));
  ASSIGN_OR_RETURN(auto volume_id, body.Uuid("volume_id", false));
  ASSIGN_OR_RETURN(auto container, body.String("container", kMaxText, true));
  ASSIGN_OR_RETURN(auto name, body.String("name", kMaxText, true));
  ASSIGN_OR_RETURN(auto description, body.String("description", kMaxText, true));
  ASSIGN_OR_RETURN(auto incremental, body.Bool("incremental"));
  ASSIGN_OR_RETURN(auto force, body.Bool("force"));
  ASSIGN_OR_RETURN(auto snapshot_id, body.Uuid("snapshot_id", true));
  ASSIGN_OR_RETURN(auto metadata, body.Object("metadata", true));
  if (metadata && !metadata->empty()) {
    return Status::InvalidArgument("Backup metadata is not supported by this service yet");
  }
  ASSIGN_OR_RETURN(auto zone, body.String("availability_zone", kMaxText, true));
  if (zone && *zone != "nova") {
    return Status::InvalidArgument("Availability zone '" + *zone + "' is invalid.");
  }
  return BackupCreateBody{.volume_id = *volume_id,
                          .container = container.value_or(""),
                          .name = name.value_or(""),
                          .description = description.value_or(""),
                          .snapshot_id = snapshot_id.value_or(""),
                          .force = force.value_or(false),
                          .incremental = incremental.value_or(false)};
}

Result<BackupUpdateBody> ParseBackupUpdate(std::string_view text) {
  ASSIGN_OR_RETURN(auto body,
                   BodyObject::Parse(text, "backup", {"name", "description", "metadata"}));
  ASSIGN_OR_RETURN(auto name, body.String("name", kMaxText, true));
  ASSIGN_OR_RETURN(auto description, body.String("description", kMaxText, true));
  ASSIGN_OR_RETURN(auto metadata, body.Object("metadata", true));
  if (metadata && !metadata->empty()) {
    return Status::InvalidArgument("Backup metadata is not supported by this service yet");
  }
  return BackupUpdateBody{.name = name, .description = description};
}

Result<BackupRestoreBody> ParseBackupRestore(std::string_view text) {
  ASSIGN_OR_RETURN(auto body, BodyObject::Parse(text, "restore", {"volume_id", "name"}));
  ASSIGN_OR_RETURN(auto volume_id, body.Uuid("volume_id", true));
  ASSIGN_OR_RETURN(auto name, body.String("name", kMaxText, true));
  return BackupRestoreBody{.volume_id = volume_id.value_or(""), .name = name.value_or("")};
}

Result<BackupImportBody> ParseBackupImport(std::string_view text) {
  ASSIGN_OR_RETURN(auto body,
                   BodyObject::Parse(text, "backup-record", {"backup_service", "backup_url"}));
  RETURN_IF_ERROR(body.Require("backup_service"));
  RETURN_IF_ERROR(body.Require("backup_url"));
  ASSIGN_OR_RETURN(auto service, body.String("backup_service", kMaxText, false));
  ASSIGN_OR_RETURN(auto url, body.String("backup_url", 1 << 20, false));
  // (value_or: both are present after Require; it keeps GCC 12's maybe-uninitialized quiet.)
  BackupImportBody out{.backup_service = service.value_or(""), .backup_url = url.value_or("")};
  if (out.backup_url.empty()) {
    return Status::InvalidArgument(
        "Invalid input for field/attribute backup-record/backup_url. '' is too short");
  }
  return out;
}

Result<std::string> ParseResetStatusArgs(const nlohmann::json& value) {
  ASSIGN_OR_RETURN(auto args, BodyObject::FromJson(value, "os-reset_status", {"status"}));
  RETURN_IF_ERROR(args.Require("status"));
  ASSIGN_OR_RETURN(auto status, args.String("status", kMaxText, false));
  if (*status != "available" && *status != "error") {
    return Status::InvalidArgument(
        "Invalid input for field/attribute os-reset_status/status. Value: " + *status +
        ". It must be one of ['available', 'error']");
  }
  return *status;
}

Status ParseForceDeleteArgs(const nlohmann::json& value) {
  if (value.is_null()) return Status::Ok();
  return BodyObject::FromJson(value, "os-force_delete", {}).status();
}

}  // namespace bb::api
