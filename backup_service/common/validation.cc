#include "backup_service/common/validation.h"

#include "backup_service/common/uuid.h"

namespace bb {
namespace {

// Accepts well-formed UTF-8 only (no overlongs checked beyond lead-byte ranges; enough to keep
// garbage out of the database and the JSON output).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

Status ValidateUuid(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(field) + " is required");
  if (!IsUuid(value)) {
    std::string shown(value.substr(0, 64));
    return Status::InvalidArgument(std::string(field) + " '" + shown +
                                   "' is not a UUID (expected 8-4-4-4-12 hex digits)");
  }
  return Status::Ok();
}

Status ValidateOptionalUuid(std::string_view field, std::string_view value) {
  return value.empty() ? Status::Ok() : ValidateUuid(field, value);
}

Status ValidateText(std::string_view field, std::string_view value, size_t max_bytes) {
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + " is " + std::to_string(value.size()) +
                                   " bytes long; at most " + std::to_string(max_bytes) +
                                   " are allowed");
  }
  if (!IsUtf8(value)) return Status::InvalidArgument(std::string(field) + " is not valid UTF-8");
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      return Status::InvalidArgument(std::string(field) + " contains control characters");
    }
  }
  return Status::Ok();
}

Status ValidateBackupContainerName(std::string_view value) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  // The first character is a letter or digit: names starting with '.' or '-' are reserved for
  // the stores' own temporary objects and are awkward on command lines.
  if (value.empty() || value.size() > 255 || !alnum(value[0])) {
    return Status::InvalidArgument(
        "container must be 1 to 255 characters of [A-Za-z0-9_.-], starting with a letter or "
        "digit");
  }
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("container '" + std::string(value.substr(0, 64)) +
                                     "' may only contain [A-Za-z0-9_.-]");
    }
  }
  return Status::Ok();
}

Status ValidateProjectId(std::string_view field, std::string_view value) {
  constexpr size_t kMaxProjectIdBytes = 64;
  if (value.empty() || value.size() > kMaxProjectIdBytes) {
    return Status::InvalidArgument(std::string(field) +
                                   " must be 1 to 64 characters of [A-Za-z0-9_-]");
  }
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument(std::string(field) +
                                     " may only contain characters [A-Za-z0-9_-]");
    }
  }
  return Status::Ok();
}

}  // namespace bb
