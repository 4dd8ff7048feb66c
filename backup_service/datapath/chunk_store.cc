// ChunkStore implementation. Thread-safety: known_ is guarded by mu_; store calls run unlocked.
#include "backup_service/datapath/chunk_store.h"

#include "backup_service/datapath/chunk_codec.h"
#include "backup_service/datapath/hasher.h"

namespace bb {

std::string ChunkObjectName(std::string_view sha256_hex) {
  return "chunks/" + std::string(sha256_hex.substr(0, 2)) + "/" + std::string(sha256_hex);
}

std::string ChunkIdFromObjectName(std::string_view name) {
  constexpr std::string_view kPrefix = "chunks/";
  if (!name.starts_with(kPrefix)) return "";
  name.remove_prefix(kPrefix.size());
  if (name.size() != 3 + 64 || name[2] != '/') return "";
  std::string_view id = name.substr(3);
  if (!IsSha256Hex(id) || id.substr(0, 2) != name.substr(0, 2)) return "";
  return std::string(id);
}

ChunkStore::ChunkStore(ObjectStore* store, std::string container,
                       std::unordered_set<std::string> known)
    : store_(store), container_(std::move(container)), known_(std::move(known)) {}

Result<ChunkStore::PutResult> ChunkStore::Put(const std::string& sha256_hex, std::string_view plain,
                                              int compression_level) {
  {
    std::lock_guard lock(mu_);
    // Claim the id: later Puts of the same content in this job are reuses, whether or not this
    // upload has finished (the manifest is only written after every upload succeeded).
    if (!known_.insert(sha256_hex).second) return PutResult{};
  }
  auto release_claim = [&] {
    std::lock_guard lock(mu_);
    known_.erase(sha256_hex);
  };
  const std::string name = ChunkObjectName(sha256_hex);
  auto exists = store_->Exists(container_, name);
  if (!exists.ok()) {
    release_claim();
    return exists.status().WithContext("exists " + name);
  }
  if (*exists) return PutResult{};
  auto object = EncodeChunk(plain, compression_level);
  if (!object.ok()) {
    release_claim();
    return object.status();
  }
  Status put = store_->Put(container_, name, *object);
  if (!put.ok()) {
    release_claim();
    return put.WithContext("put " + name);
  }
  return PutResult{true, static_cast<int64_t>(object->size())};
}

Result<std::string> ChunkStore::Get(const std::string& sha256_hex, int64_t expected_length) {
  const std::string name = ChunkObjectName(sha256_hex);
  auto object = store_->Get(container_, name);
  if (!object.ok()) return object.status().WithContext("get " + name);
  return DecodeChunk(*object, sha256_hex, expected_length);
}

}  // namespace bb
