// Microversion parsing: strict digits, case-insensitive service name, Cinder's messages.
#include "api/microversion.h"

#include <cctype>

namespace bb::api {
namespace {

std::optional<int> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<ApiVersion> ParseVersionText(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto major = ParseNumber(text.substr(0, dot));
  auto minor = ParseNumber(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return ApiVersion{*major, *minor};
}

Result<ApiVersion> RequestedVersion(std::string_view header_value) {
  std::string_view rest = header_value;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view entry = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t space = entry.find_first_of(" \t");
    if (space == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(entry.substr(0, space), kVersionService)) continue;
    std::string_view version = Trim(entry.substr(space + 1));
    if (EqualsIgnoreCase(version, "latest")) return kMaxApiVersion;
    auto parsed = ParseVersionText(version);
    if (!parsed) {
      // The value is echoed bounded and only when printable: it is caller-controlled.
      std::string shown;
      for (char c : version.substr(0, 32)) shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
      return Status::InvalidArgument("API Version String " + shown +
                                     " is of invalid format. Must be of format "
                                     "MajorNum.MinorNum.");
    }
    if (*parsed < kMinApiVersion || *parsed > kMaxApiVersion) {
      return Status(StatusCode::kOutOfRange, "Version " + parsed->ToString() +
                                                 " is not supported by the API. Minimum is " +
                                                 kMinApiVersion.ToString() + " and maximum is " +
                                                 kMaxApiVersion.ToString() + ".");
    }
    return *parsed;
  }
  return kMinApiVersion;
}

}  // namespace bb::api
