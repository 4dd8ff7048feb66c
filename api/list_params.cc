// List parameters: every key is checked, values are converted, and the sort is translated to
// the managers' key names (Cinder's `size` is our `size_gib`); the managers validate the rest
// (sort keys, limit range, marker) with the same rules as gRPC.
#include "api/list_params.h"

#include "backup_service/common/uuid.h"

namespace bb::api {
namespace {

constexpr int64_t kMaxOffset = 0x7FFFFFFF;

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == ',';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string TranslateSortKey(std::string_view key) {
  if (key == "size") return "size_gib";
  if (key == "display_name") return "name";
  return std::string(key);
}

// "k1:dir,k2" with Cinder's key names -> ours.
std::string TranslateSort(std::string_view sort) {
  std::string out;
  while (!sort.empty()) {
    size_t comma = sort.find(',');
    std::string_view term = sort.substr(0, comma);
    sort = comma == std::string_view::npos ? std::string_view() : sort.substr(comma + 1);
    size_t colon = term.find(':');
    if (!out.empty()) out += ",";
    out += TranslateSortKey(term.substr(0, colon));
    if (colon != std::string_view::npos) out += std::string(term.substr(colon));
  }
  return out;
}

// Cinder's offset: an integer from 0 to 2147483647 (its DB_MAX_INT), with oslo's messages.
Result<int64_t> ParseOffset(std::string_view value) {
  std::string_view digits =
      value.starts_with('-') || value.starts_with('+') ? value.substr(1) : value;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status::InvalidArgument("offset must be an integer");
  }
  if (value[0] == '-' && digits.find_first_not_of('0') != std::string_view::npos) {
    return Status::InvalidArgument("offset must be >= 0");
  }
  size_t significant = digits.find_first_not_of('0');
  if (significant == std::string_view::npos) return 0;
  digits = digits.substr(significant);
  if (digits.size() > 10 || std::stoll(std::string(digits)) > kMaxOffset) {
    return Status::InvalidArgument("offset must be <= " + std::to_string(kMaxOffset));
  }
  return std::stoll(std::string(digits));
}

}  // namespace

Result<bool> ParseBoolParam(std::string_view name, std::string value) {
  for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* t : {"true", "1", "yes", "on", "t", "y"}) {
    if (value == t) return true;
  }
  for (const char* f : {"false", "0", "no", "off", "f", "n"}) {
    if (value == f) return false;
  }
  return Status::InvalidArgument("Invalid value for " + std::string(name) +
                                 ": expected a boolean (true/false)");
}

Result<ListParams> ParseListParams(const ApiRequest& request,
                                   std::initializer_list<std::string_view> filter_keys) {
  ListParams out;
  std::string sort, sort_key, sort_dir;
  bool strict = request.version >= ApiVersion{3, 31};
  for (const auto& [key, value] : request.query) {
    if (request.query.count(key) > 1) {
      return Status::InvalidArgument("Query parameter " + key + " is given more than once");
    }
    bool is_filter = false;
    for (auto f : filter_keys) is_filter = is_filter || f == key;
    if (is_filter) {
      out.filters[key] = value;
    } else if (key == "limit") {
      if (value.empty() || value.size() > 18 ||
          value.find_first_not_of("-0123456789") != std::string::npos ||
          value.find('-', 1) != std::string::npos || value == "-") {
        return Status::InvalidArgument("limit param must be an integer");
      }
      int64_t n = std::stoll(value);
      if (n < 0) return Status::InvalidArgument("limit param must be positive");
      out.page.limit = n;
    } else if (key == "marker") {
      out.page.marker = value;
    } else if (key == "offset") {
      ASSIGN_OR_RETURN(out.page.offset, ParseOffset(value));
    } else if (key == "sort") {
      sort = value;
    } else if (key == "sort_key") {
      sort_key = value;
    } else if (key == "sort_dir") {
      sort_dir = value;
    } else if (key == "with_count" && request.version >= ApiVersion{3, 45}) {
      ASSIGN_OR_RETURN(out.page.with_count, ParseBoolParam(key, value));
    } else if (key == "all_tenants") {
      // As Cinder: a non-admin's all_tenants is ignored (cinderclient sends all_tenants=1 when
      // it looks a resource up by name), an admin's lists every project.
      ASSIGN_OR_RETURN(bool all, ParseBoolParam(key, value));
      out.page.all_projects = all && request.is_admin();
    } else if (strict) {
      return Status::InvalidArgument("Invalid filters " + key + " are found in query options.");
    }
  }
  if (!sort.empty() && (!sort_key.empty() || !sort_dir.empty())) {
    return Status::InvalidArgument(
        "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the "
        "'sort' parameter.");
  }
  if (sort.empty() && !sort_key.empty())
    sort = sort_key + ":" + (sort_dir.empty() ? "desc" : sort_dir);
  if (sort.empty() && !sort_dir.empty()) sort = "created_at:" + sort_dir;
  out.page.sort = TranslateSort(sort);
  return out;
}

nlohmann::json NextLinks(const ApiRequest& request, const std::string& next_marker) {
  if (next_marker.empty()) return nullptr;
  std::string query;
  for (const auto& [key, value] : request.query) {
    // The marker places the next page; repeating the offset would skip records again (Cinder
    // keeps it in its links, which skips `offset` records at every page).
    if (key == "marker" || key == "offset") continue;
    query += (query.empty() ? "" : "&") + UrlEncode(key) + "=" + UrlEncode(value);
  }
  query += (query.empty() ? "" : "&") + std::string("marker=") + UrlEncode(next_marker);
  return nlohmann::json::array(
      {{{"href", request.base_url + request.path + "?" + query}, {"rel", "next"}}});
}

}  // namespace bb::api
