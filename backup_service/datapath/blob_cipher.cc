// BlobCipher: HKDF, HMAC, AES-256-GCM through OpenSSL EVP.
#include "backup_service/datapath/blob_cipher.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

namespace bb {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Key256 Hkdf(const Key256& ikm, std::string_view info) {
  Key256 out{};
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  // A failing HKDF leaves the key all-zero; every later tag check then fails loudly rather than
  // anything being sealed under a predictable key: Seal refuses an all-zero key below.
  if (ctx == nullptr || EVP_KDF_derive(ctx, out.data(), out.size(), params) != 1) out = {};
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return out;
}

bool AllZero(const Key256& k) {
  for (uint8_t b : k) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

ContainerKeys DeriveContainerKeys(const Key256& container_key) {
  return {Hkdf(container_key, "blockbackup v2 chunk id"),
          Hkdf(container_key, "blockbackup v2 blob encryption")};
}

BlobId KeyedBlobId(const ContainerKeys& keys, std::string_view plain) {
  BlobId id{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), keys.id_key.data(), static_cast<int>(keys.id_key.size()),
       reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), id.data(), &len);
  return id;
}

Result<Key256> RandomKey() {
  Key256 k{};
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    return Status::Internal("RAND_bytes failed: no key material");
  }
  return k;
}

Result<std::string> Seal(const Key256& key, std::string_view plain, std::string_view aad) {
  if (AllZero(key)) return Status::Internal("refusing to seal with an all-zero key");
  std::string out(kGcmNonceSize + plain.size() + kGcmTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(nonce, kGcmNonceSize) != 1) return Status::Internal("RAND_bytes failed");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  auto* ct = nonce + kGcmNonceSize;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce);
  ok = ok && EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                               reinterpret_cast<const unsigned char*>(aad.data()),
                               static_cast<int>(aad.size()));
  ok = ok &&
       EVP_EncryptUpdate(ctx.get(), ct, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                         static_cast<int>(plain.size()));
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), ct + len, &len);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, ct + plain.size());
  if (!ok) return Status::Internal("AES-256-GCM encryption failed");
  return out;
}

Result<std::string> Open(const Key256& key, std::string_view sealed, std::string_view aad,
                         const std::string& what) {
  if (sealed.size() < kSealOverhead) {
    return Status::DataLoss(what + ": sealed payload of " + std::to_string(sealed.size()) +
                            " bytes is shorter than nonce and tag");
  }
  const size_t n = sealed.size() - kSealOverhead;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const auto* ct = nonce + kGcmNonceSize;
  std::string plain(n, '\0');
  std::array<unsigned char, kGcmTagSize> tag{};
  std::memcpy(tag.data(), ct + n, kGcmTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce);
  ok = ok && EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                               reinterpret_cast<const unsigned char*>(aad.data()),
                               static_cast<int>(aad.size()));
  ok = ok && EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, ct,
                               static_cast<int>(n));
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag.data());
  if (!ok) return Status::Internal(what + ": AES-256-GCM decryption could not start");
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
      1) {
    return Status::DataLoss(what +
                            ": authentication tag mismatch (damaged, or sealed with "
                            "another key or context)");
  }
  return plain;
}

namespace {
std::string WrapAad(uint32_t generation) {
  return "blockbackup v2 container key generation " + std::to_string(generation);
}
}  // namespace

Result<std::string> WrapContainerKey(const Key256& master, const Key256& container_key,
                                     uint32_t generation) {
  return Seal(
      master,
      std::string_view(reinterpret_cast<const char*>(container_key.data()), container_key.size()),
      WrapAad(generation));
}

Result<Key256> UnwrapContainerKey(const Key256& master, std::string_view wrapped,
                                  uint32_t generation, const std::string& container) {
  auto plain = Open(master, wrapped, WrapAad(generation),
                    "container " + container + " key generation " + std::to_string(generation));
  if (!plain.ok() || plain->size() != sizeof(Key256)) {
    return Status::FailedPrecondition(
        "container " + container + ": the master key " + MasterKeyId(master) +
        " does not unwrap key generation " + std::to_string(generation) +
        " (wrong master key file, or the wrapped key is damaged); nothing was read or written");
  }
  Key256 k{};
  std::memcpy(k.data(), plain->data(), k.size());
  return k;
}

std::string MasterKeyId(const Key256& master) {
  return BlobIdHex(Sha256Id(std::string_view(reinterpret_cast<const char*>(master.data()),
                                             master.size())))
      .substr(0, 16);
}

}  // namespace bb
