// V2Container: what a v2 job needs from its container before it touches any data (README.md
// "Format v2", "Objects in a v2 container" and "Encryption and keys"): the `config` object, the
// container key (keys/<generation>.key, wrapped by the master key), and the container index (the
// union of its index/ objects: which blob is in which pack).
// Thread-safety: functions over a caller-owned store; values afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/pack_format.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

struct V2ContainerConfig {
  int64_t chunk_size = 32 << 10;
  bool encrypted = false;
  int64_t pack_target = 32 << 20;
};

struct V2Container {
  V2ContainerConfig config;
  std::optional<ContainerKeys> keys;  // present exactly when encrypted
  uint32_t key_generation = 0;        // 1 for the first generation; 0 when not encrypted
};

// The 32 bytes of a master key file. InvalidArgument unless the file holds exactly 32 bytes.
Result<Key256> ReadMasterKeyFile(const std::string& path);

// For a backup: writes `config` (and, encrypted, keys/1.key with a fresh container key) when the
// container has none; otherwise reads them and checks that they agree with `wanted` (chunk size,
// encryption): FailedPrecondition when not. A wrong master key is FailedPrecondition naming the
// container and the key ids, before any data is read or written.
Result<V2Container> OpenForBackup(ObjectStore& store, const std::string& container,
                                  const V2ContainerConfig& wanted,
                                  const std::optional<Key256>& master);

// For a restore or verify: reads `config` and unwraps the key. NotFound without a config;
// FailedPrecondition for an encrypted container without a master key or with a wrong one.
Result<V2Container> OpenForRead(ObjectStore& store, const std::string& container,
                                const std::optional<Key256>& master);

// Master-key rotation (README.md "Encryption and keys"): every keys/*.key of `container`
// re-wrapped from `old_master` to `new_master`, one atomic Put per key object; no pack, index
// or manifest is touched (they are sealed with the container key, which does not change).
// Idempotent: a key already wrapped by `new_master` is left as it is, so an interrupted
// rotation is finished by running it again. FailedPrecondition naming the container, the key
// object and the key ids when a key opens with neither master key (nothing of it is changed).
// A container without keys (unencrypted, or v1 only) rotates nothing.
struct KeyRotation {
  int rewrapped = 0;
  int already_new = 0;  // wrapped by the new master key before this run
};
Result<KeyRotation> RewrapContainerKeys(ObjectStore& store, const std::string& container,
                                        const Key256& old_master, const Key256& new_master);

struct BlobLocation {
  BlobId pack_hash{};
  PackEntry entry;
};
using ContainerIndex = std::unordered_map<BlobId, BlobLocation, BlobIdHash>;

// The union of every index/ object (opened with the container key when encrypted). DataLoss
// naming the object for one that does not decode. In memory for now: ~100 B per blob (the
// design's on-disk index cache replaces it). Entries of packs in `skip` (the condemned packs,
// for a backup's dedup) are left out. An index object that vanished between the listing and its
// read was superseded by the collector, which wrote its replacement first: it is skipped (a
// restore that then misses a blob reloads; a backup stores the blob again).
Result<ContainerIndex> LoadContainerIndex(ObjectStore& store, const std::string& container,
                                          const V2Container& c, const PackSet* skip = nullptr);

// The AAD that binds a sealed index object to its role.
inline constexpr std::string_view kIndexAad = "bb-index-v1";

}  // namespace bb::v2
