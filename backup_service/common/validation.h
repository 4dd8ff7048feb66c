// Input validation shared by the managers: every request field is checked before anything is
// read or changed, and the message says what to fix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backup_service/common/status.h"

namespace bb {

// "volume_id 'abc' is not a UUID (expected 8-4-4-4-12 hex digits)". Empty is refused too.
Status ValidateUuid(std::string_view field, std::string_view value);
// Like ValidateUuid, but an empty value is OK (optional field).
Status ValidateOptionalUuid(std::string_view field, std::string_view value);
// At most max_bytes bytes, valid UTF-8, no control characters.
Status ValidateText(std::string_view field, std::string_view value, size_t max_bytes);
// Container names: [A-Za-z0-9][A-Za-z0-9_.-]{0,254}.
Status ValidateBackupContainerName(std::string_view value);
// Project ids (gRPC x-project-id, REST path and tokens): [A-Za-z0-9_-]{1,64}. The message names
// `field` and never echoes the value (caller-controlled, may contain anything).
Status ValidateProjectId(std::string_view field, std::string_view value);

}  // namespace bb
