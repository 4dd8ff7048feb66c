#include "backup_service/model/list_query.h"

#include <algorithm>

#include "backup_service/common/validation.h"

namespace bb {
namespace {

constexpr size_t kMaxSortSpecBytes = 1000;
constexpr size_t kShownBytes = 64;  // user text quoted in messages is cut to this

std::string_view Trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Shown(std::string_view s) {
  return std::string(s.substr(0, kShownBytes)) + (s.size() > kShownBytes ? "..." : "");
}

std::string Join(std::span<const std::string_view> words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

// One "key[:direction]" term.
Result<SortTerm> ParseTerm(std::string_view text, std::span<const std::string_view> keys) {
  size_t colon = text.find(':');
  std::string_view key = Trim(text.substr(0, colon));
  if (key.empty()) {
    return Status::InvalidArgument("sort has an empty key in '" + Shown(text) +
                                   "'; give key[:asc|desc] separated by commas");
  }
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    return Status::InvalidArgument("unknown sort key '" + Shown(key) +
                                   "'; valid keys: " + Join(keys));
  }
  SortTerm term{.key = std::string(key), .direction = SortDirection::kAsc};
  if (colon == std::string_view::npos) return term;
  std::string_view direction = Trim(text.substr(colon + 1));
  if (direction == "desc") {
    term.direction = SortDirection::kDesc;
  } else if (direction != "asc") {
    return Status::InvalidArgument("sort direction '" + Shown(direction) + "' of key " + term.key +
                                   " must be asc or desc");
  }
  return term;
}

}  // namespace

Result<std::vector<SortTerm>> ParseSortSpec(std::string_view spec,
                                            std::span<const std::string_view> keys) {
  if (spec.size() > kMaxSortSpecBytes) {
    return Status::InvalidArgument("sort is " + std::to_string(spec.size()) +
                                   " bytes long; at most " + std::to_string(kMaxSortSpecBytes) +
                                   " are allowed");
  }
  if (Trim(spec).empty()) spec = kDefaultSort;
  std::vector<SortTerm> terms;
  size_t start = 0;
  while (true) {
    size_t comma = spec.find(',', start);
    std::string_view text = Trim(spec.substr(start, comma - start));
    ASSIGN_OR_RETURN(SortTerm term, ParseTerm(text, keys));
    for (const auto& earlier : terms) {
      if (earlier.key == term.key) {
        return Status::InvalidArgument("sort key " + term.key +
                                       " is given twice; give each key once");
      }
    }
    terms.push_back(std::move(term));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  // Later keys cannot reorder anything once the (unique) id has decided.
  auto id = std::find_if(terms.begin(), terms.end(),
                         [](const SortTerm& t) { return t.key == kTieBreakerKey; });
  if (id == terms.end()) {
    terms.push_back({.key = std::string(kTieBreakerKey), .direction = SortDirection::kAsc});
  } else {
    terms.erase(id + 1, terms.end());
  }
  return terms;
}

Result<int> ResolveLimit(int64_t requested, const ListLimits& limits) {
  if (requested < 0) {
    return Status::InvalidArgument(
        "limit " + std::to_string(requested) + " is negative; give 0 for the default page size (" +
        std::to_string(limits.default_limit) + ") or 1 to " + std::to_string(limits.max_limit));
  }
  if (requested == 0) return limits.default_limit;
  return static_cast<int>(std::min<int64_t>(requested, limits.max_limit));
}

Result<PageSpec> ResolvePage(const PageRequest& request, std::span<const std::string_view> keys,
                             const ListLimits& limits) {
  PageSpec page;
  ASSIGN_OR_RETURN(page.sort, ParseSortSpec(request.sort, keys));
  ASSIGN_OR_RETURN(page.limit, ResolveLimit(request.limit, limits));
  RETURN_IF_ERROR(ValidateOptionalUuid("marker", request.marker));
  page.marker = request.marker;
  if (request.offset < 0) {
    return Status::InvalidArgument("offset must be >= 0 (records to skip), got " +
                                   std::to_string(request.offset));
  }
  page.offset = request.offset;
  page.with_count = request.with_count;
  page.all_projects = request.all_projects;
  return page;
}

Status ValidateStatusFilter(std::string_view resource, std::string_view value,
                            std::span<const std::string_view> valid) {
  if (value.empty() || std::find(valid.begin(), valid.end(), value) != valid.end()) {
    return Status::Ok();
  }
  return Status::InvalidArgument("status '" + Shown(value) + "' is not a " + std::string(resource) +
                                 " status; valid: " + Join(valid));
}

}  // namespace bb
