// Quota checks and their messages (Cinder's cinder/exception.py texts).
#include "backup_service/model/quotas.h"

namespace bb {
namespace {

constexpr std::string_view kCountError = "BackupLimitExceeded: ";
constexpr std::string_view kSizeError = "VolumeBackupSizeExceedsAvailableQuota: ";

bool Exceeds(int64_t limit, int64_t in_use, int64_t more) {
  return limit != kUnlimitedQuota && in_use + more > limit;
}

}  // namespace

Status CheckBackupQuota(const QuotaLimits& limits, const QuotaUsage& in_use, int64_t size_gib) {
  if (Exceeds(limits.backups, in_use.backups, 1)) {
    return Status::ResourceExhausted(std::string(kCountError) +
                                     "Maximum number of backups allowed (" +
                                     std::to_string(limits.backups) + ") exceeded");
  }
  if (Exceeds(limits.backup_gigabytes, in_use.backup_gigabytes, size_gib)) {
    return Status::ResourceExhausted(
        std::string(kSizeError) +
        "Requested backup exceeds allowed Backup gigabytes quota. Requested " +
        std::to_string(size_gib) + "G, quota is " + std::to_string(limits.backup_gigabytes) +
        "G and " + std::to_string(in_use.backup_gigabytes) + "G has been consumed.");
  }
  return Status::Ok();
}

Status CheckLimitCoversUsage(std::string_view resource, int64_t limit, int64_t in_use) {
  if (limit == kUnlimitedQuota || limit >= in_use) return Status::Ok();
  return Status::InvalidArgument("Quota " + std::string(resource) +
                                 " limit must be equal or greater than existing resources. "
                                 "Current usage is " +
                                 std::to_string(in_use) + " and the requested limit is " +
                                 std::to_string(limit) + ".");
}

Status WithQuotaHint(const Status& status, std::string_view project_id) {
  if (status.code() != StatusCode::kResourceExhausted) return status;
  const std::string& m = status.message();
  std::string key;
  if (m.starts_with(kCountError)) key = "backups";
  if (m.starts_with(kSizeError)) key = "backup_gigabytes";
  if (key.empty()) return status;
  std::string flag = key == "backups" ? "--backups" : "--backup-gigabytes";
  return Status(status.code(),
                m + " (quota `" + key + "` of project " + std::string(project_id) +
                    "; delete backups of the project, or an admin raises the limit: `cinder "
                    "quota-update " +
                    flag + " N " + std::string(project_id) + "`, i.e. PUT /v3/{project}/" +
                    "os-quota-sets/" + std::string(project_id) + " {\"quota_set\": {\"" + key +
                    "\": N}})");
}

Status WithoutQuotaHint(const Status& status) {
  if (status.code() != StatusCode::kResourceExhausted) return status;
  const std::string& m = status.message();
  if (!m.starts_with(kCountError) && !m.starts_with(kSizeError)) return status;
  size_t hint = m.find(" (quota `");
  if (hint == std::string::npos) return status;
  return Status(status.code(), m.substr(0, hint));
}

}  // namespace bb
