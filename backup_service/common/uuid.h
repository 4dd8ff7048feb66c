// UUIDs: ids of volumes, snapshots, backups and attachments are random (version 4) UUIDs in the
// canonical lower-case 8-4-4-4-12 form. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace bb {

// A new random UUID from OpenSSL's CSPRNG.
std::string NewUuid();
// True when `s` is a canonical UUID (any version, case-insensitive hex).
bool IsUuid(std::string_view s);

}  // namespace bb
