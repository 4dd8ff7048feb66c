// Base64 (RFC 4648, standard alphabet, with '=' padding) over OpenSSL's EVP block coder, for the
// portable backup record (Cinder's backup_url is base64 of JSON).
// Decoding is strict: OpenSSL's decoder skips whitespace and accepts some malformed padding, so
// the input is checked here first and anything but canonical base64 is refused with a message
// that says what is wrong (a truncated copy-paste is the common case).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb {

std::string Base64Encode(std::string_view data);
// InvalidArgument naming `field` when `text` is not canonical padded base64.
Result<std::string> Base64Decode(std::string_view field, std::string_view text);

}  // namespace bb
