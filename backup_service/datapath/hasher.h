// Hasher: SHA-256 of chunk plaintext, as lower-case hex (the chunk id). OpenSSL EVP.
// Thread-safety: functions are safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

namespace bb {

// 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);
// True for exactly 64 lower-case hex characters (what Sha256Hex produces).
bool IsSha256Hex(std::string_view s);

}  // namespace bb
