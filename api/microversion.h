// Microversions of the Cinder v3 API (header `OpenStack-API-Version: volume 3.27`). A request
// without the header gets the minimum, 3.0, as Cinder does; `latest` gets the maximum. The range
// served is [kMinApiVersion, kMaxApiVersion]; what changes with the version is in api/views.cc
// and the handlers (e.g. attachments need 3.27).
// Thread-safety: pure functions; ApiVersion is a value.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb::api {

struct ApiVersion {
  int major = 3;
  int minor = 0;
  auto operator<=>(const ApiVersion&) const = default;
  std::string ToString() const { return std::to_string(major) + "." + std::to_string(minor); }
};

inline constexpr ApiVersion kMinApiVersion{3, 0};
inline constexpr ApiVersion kMaxApiVersion{3, 64};
inline constexpr char kVersionHeader[] = "OpenStack-API-Version";
inline constexpr char kVersionService[] = "volume";

// "3.27" -> {3, 27}. nullopt unless MAJOR.MINOR with decimal digits only (no sign, blanks or
// leading zeros beyond "0").
std::optional<ApiVersion> ParseVersionText(std::string_view text);

// The version a request asks for, from the value of its OpenStack-API-Version header
// (comma-separated "SERVICE VERSION" entries; entries for other services are ignored).
//   no volume entry      -> kMinApiVersion
//   "volume latest"      -> kMaxApiVersion
//   malformed version    -> InvalidArgument (HTTP 400), Cinder's message
//   outside the range    -> OutOfRange (HTTP 406), naming the range
Result<ApiVersion> RequestedVersion(std::string_view header_value);

}  // namespace bb::api
