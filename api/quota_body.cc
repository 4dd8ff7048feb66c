// Quota-set bodies: the checks and messages of Cinder's quota validator (oslo's
// validate_integer: "<key> must be an integer", "<key> must be >= -1", ...).
#include "api/quota_body.h"

#include <nlohmann/json.hpp>

namespace bb::api {
namespace {

std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

// int(str(value)) for the values Cinder accepts: JSON integers, and strings of an optionally
// signed decimal integer with blanks around it. Booleans, floats, null and objects are refused.
Result<int64_t> QuotaInteger(const std::string& key, const nlohmann::json& value) {
  Status not_integer = Status::InvalidArgument(key + " must be an integer");
  int64_t n = 0;
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
      return Status::InvalidArgument(key + " must be <= " + std::to_string(kMaxQuotaLimit));
    }
    n = value.get<int64_t>();
  } else if (value.is_string()) {
    std::string s = value.get<std::string>();
    size_t first = s.find_first_not_of(" \t\n\r");
    size_t last = s.find_last_not_of(" \t\n\r");
    if (first == std::string::npos) return not_integer;
    s = s.substr(first, last - first + 1);
    size_t digits = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (s.size() == digits || s.find_first_not_of("0123456789", digits) != std::string::npos) {
      return not_integer;
    }
    // Past 18 digits the value is out of range whatever it is; stoll would throw.
    if (s.size() - digits > 18) {
      return Status::InvalidArgument(key + (s[0] == '-' ? " must be >= -1" : " must be <= ") +
                                     (s[0] == '-' ? "" : std::to_string(kMaxQuotaLimit)));
    }
    n = std::stoll(s);
  } else {
    return not_integer;
  }
  if (n < kUnlimitedQuota) return Status::InvalidArgument(key + " must be >= -1");
  if (n > kMaxQuotaLimit) {
    return Status::InvalidArgument(key + " must be <= " + std::to_string(kMaxQuotaLimit));
  }
  return n;
}

}  // namespace

Result<QuotaUpdate> ParseQuotaSetBody(std::string_view body) {
  nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Status::InvalidArgument("Malformed request body: the body is not valid JSON");
  }
  if (!value.is_object()) {
    return Status::InvalidArgument("Malformed request body: expected a JSON object");
  }
  for (const auto& [key, unused] : value.items()) {
    if (key != "quota_set") {
      return Status::InvalidArgument(
          "Invalid input for field/attribute quota_set. Additional properties are not allowed "
          "('" +
          Shown(key) + "' was unexpected)");
    }
  }
  auto set = value.find("quota_set");
  if (set == value.end()) {
    return Status::InvalidArgument(
        "Invalid input for field/attribute quota_set. 'quota_set' is a required property");
  }
  if (!set->is_object() || set->empty()) {
    return Status::InvalidArgument(
        "Invalid input for field/attribute quota_set. It must be an object with at least one "
        "quota, e.g. {\"quota_set\": {\"backups\": 20}}");
  }
  QuotaUpdate update;
  std::string bad_keys;
  for (const auto& [key, v] : set->items()) {
    if (key == "tenant_id" || key == "id") continue;
    if (key == "backups") {
      ASSIGN_OR_RETURN(update.backups, QuotaInteger(key, v));
    } else if (key == "backup_gigabytes") {
      ASSIGN_OR_RETURN(update.backup_gigabytes, QuotaInteger(key, v));
    } else {
      bad_keys += (bad_keys.empty() ? "" : ", ") + Shown(key);
    }
  }
  if (!bad_keys.empty()) {
    return Status::InvalidArgument("Bad key(s) in quota set: " + bad_keys +
                                   " (this service has the quotas backups and backup_gigabytes)");
  }
  return update;
}

}  // namespace bb::api
