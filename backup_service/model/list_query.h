// List paging and sorting, validated before any SQL: the sort spec is parsed against the keys a
// resource accepts (user text never reaches SQL: the repositories map these key names to their
// own column expressions), the limit gets the daemon's default and cap, the marker must be a
// UUID. Semantics are those of bb.v1.ListOptions (proto/common.proto).
// Thread-safety: pure functions; every type here is a value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"

namespace bb {

enum class SortDirection { kAsc, kDesc };

struct SortTerm {
  std::string key{};  // one of the resource's sort keys (so safe to look up, never to splice)
  SortDirection direction = SortDirection::kAsc;
  bool operator==(const SortTerm&) const = default;
};

// The sort keys each list accepts (the documented contract of its List request).
inline constexpr std::string_view kBackupSortKeys[] = {
    "created_at", "updated_at", "name", "status", "size_gib", "data_timestamp", "id"};
inline constexpr std::string_view kVolumeSortKeys[] = {"created_at", "updated_at", "name",
                                                       "status",     "size_gib",   "id"};
inline constexpr std::string_view kSnapshotSortKeys[] = {"created_at", "updated_at", "name",
                                                         "status",     "size_gib",   "id"};

inline constexpr std::string_view kDefaultSort = "created_at:desc";
// The id is the final tie-breaker, so every order is total and pages never overlap or skip.
inline constexpr std::string_view kTieBreakerKey = "id";

// Page size settings of the daemon (config list_default_limit, list_max_limit).
struct ListLimits {
  int default_limit = 100;
  int max_limit = 1000;
};

// What the caller asked for, as on the wire (bb.v1.ListOptions without the transport).
struct PageRequest {
  std::string sort{};    // "key[:asc|desc][,...]"; empty = kDefaultSort
  int64_t limit = 0;     // 0 = default, > max = capped, < 0 refused
  std::string marker{};  // id of the last record of the previous page; empty = first page
  int64_t offset = 0;    // records skipped after the marker (REST's `offset`); < 0 refused
  bool with_count = false;
  bool all_projects = false;  // permission is the transport's business (operator token)
};

// A validated request: what the repositories execute.
struct PageSpec {
  std::vector<SortTerm> sort{};  // never empty; ends with the id (the tie-breaker)
  int limit = 0;                 // 1..max_limit
  std::string marker{};          // a UUID or empty
  int64_t offset = 0;            // >= 0: rows skipped after the marker, before the page
  bool with_count = false;
  bool all_projects = false;
};

// One page of a listing.
template <typename T>
struct Page {
  std::vector<T> records{};
  std::string next_marker{};  // id of the last record when more follow; empty on the last page
  int64_t count = -1;         // every matching record (all pages); -1 when not asked
  int limit = 0;              // the page size applied
};

// Parses "key[:asc|desc][,key[:asc|desc]...]" (blanks around keys and directions are ignored;
// the direction defaults to asc). Empty spec: kDefaultSort. Refused: unknown keys (the message
// lists the valid ones), directions other than asc/desc, a key given twice, empty keys, specs
// over 1000 bytes. The id is appended (ascending) unless given.
Result<std::vector<SortTerm>> ParseSortSpec(std::string_view spec,
                                            std::span<const std::string_view> keys);

// 0 -> default_limit, above max_limit -> max_limit, negative -> InvalidArgument.
Result<int> ResolveLimit(int64_t requested, const ListLimits& limits);

// Everything above, plus the marker (a UUID when given) and the offset (>= 0).
Result<PageSpec> ResolvePage(const PageRequest& request, std::span<const std::string_view> keys,
                             const ListLimits& limits);

// "status 'x' is not a backup status; valid: creating, available, ..." for a filter value
// that is not one of `valid` (empty value: no filter, OK).
Status ValidateStatusFilter(std::string_view resource, std::string_view value,
                            std::span<const std::string_view> valid);

}  // namespace bb
