// Base64 via EVP_EncodeBlock / EVP_DecodeBlock, with strict input checks before decoding.
#include "backup_service/common/base64.h"

#include <openssl/evp.h>

#include <vector>

namespace bb {
namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  if (data.empty()) return "";
  // 4 output bytes per 3 input bytes, rounded up, plus the NUL EVP_EncodeBlock writes.
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

Result<std::string> Base64Decode(std::string_view field, std::string_view text) {
  const std::string name(field);
  if (text.empty()) return Status::InvalidArgument(name + " is empty");
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument(name + " is not valid base64: its length " +
                                   std::to_string(text.size()) +
                                   " is not a multiple of 4 (was it truncated?)");
  }
  size_t padding = 0;
  if (text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) {
      return Status::InvalidArgument(
          name + " is not valid base64: unexpected character at offset " + std::to_string(i) +
          " (only A-Z a-z 0-9 + / and '=' padding "
          "at the end are allowed)");
    }
  }
  if (text.size() > static_cast<size_t>(1) << 30) {
    return Status::InvalidArgument(name + " is too large");
  }
  std::vector<unsigned char> out(text.size() / 4 * 3 + 1);
  // EVP_DecodeBlock writes every 4-character group as 3 bytes, padding included.
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) < padding) {
    return Status::InvalidArgument(name + " is not valid base64");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n) - padding);
}

}  // namespace bb
