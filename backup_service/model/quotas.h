// Backup quotas per project (Cinder's `backups` and `backup_gigabytes`): the limits, the usage
// they are compared with, and the one check that turns "one more backup of N GiB" into Cinder's
// over-quota errors. What counts: every backup row that is not `deleted` (creating, available,
// restoring, deleting, error, error_deleting), as Cinder counts every backup that is not
// soft-deleted; `backup_gigabytes` sums their sizes (the source volume's size, as Cinder). A
// delete gives the quota back when the row reaches `deleted`. Restores consume no quota: there
// are no volume quotas here.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/status.h"

namespace bb {

inline constexpr int64_t kUnlimitedQuota = -1;
// Cinder's db.MAX_INT: the largest limit its API accepts.
inline constexpr int64_t kMaxQuotaLimit = 0x7FFFFFFF;

// Limits of one project (-1 = unlimited). The defaults are Cinder's quota_backups and
// quota_backup_gigabytes.
struct QuotaLimits {
  int64_t backups = 10;
  int64_t backup_gigabytes = 1000;
  bool operator==(const QuotaLimits&) const = default;
};

struct QuotaUsage {
  int64_t backups = 0;
  int64_t backup_gigabytes = 0;
};

struct ProjectQuota {
  QuotaLimits limits{};
  QuotaUsage in_use{};
};

// An admin's change: unset members keep their current limit.
struct QuotaUpdate {
  std::optional<int64_t> backups;
  std::optional<int64_t> backup_gigabytes;
};

// OK when one more backup of `size_gib` fits; else ResourceExhausted with Cinder's REST message
// (its exception name, as Cinder's fault wrapper shows it):
//   "BackupLimitExceeded: Maximum number of backups allowed (10) exceeded"
//   "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes
//    quota. Requested 5G, quota is 8G and 6G has been consumed."
// The count is checked first, as Cinder reports it first.
Status CheckBackupQuota(const QuotaLimits& limits, const QuotaUsage& in_use, int64_t size_gib);

// InvalidArgument (Cinder's message) when `limit` of `resource` is below what is in use.
Status CheckLimitCoversUsage(std::string_view resource, int64_t limit, int64_t in_use);

// `status` with a sentence appended that says how to raise the quota, when it is an over-quota
// error of CheckBackupQuota (other statuses are returned unchanged). For transports whose
// callers read the message (gRPC); the REST body keeps Cinder's exact message.
Status WithQuotaHint(const Status& status, std::string_view project_id);

// The inverse of WithQuotaHint: Cinder's message alone, for a REST answer made from a gRPC one
// (role api); any other status is returned unchanged.
Status WithoutQuotaHint(const Status& status);

}  // namespace bb
