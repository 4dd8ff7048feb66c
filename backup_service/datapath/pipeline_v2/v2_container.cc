// V2Container: config and key objects (JSON), and the container index.
#include "backup_service/datapath/pipeline_v2/v2_container.h"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"

namespace bb::v2 {
namespace {

constexpr char kConfigObject[] = "config";
constexpr uint32_t kFirstGeneration = 1;

std::string KeyObjectName(uint32_t generation) {
  return "keys/" + std::to_string(generation) + ".key";
}

std::string Hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::optional<std::string> Unhex(const std::string& h) {
  if (h.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) {
    auto v = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = v(h[i]), lo = v(h[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string EncodeConfig(const V2ContainerConfig& c) {
  nlohmann::json j = {{"format", "bb-container"},
                      {"version", 2},
                      {"chunk_size", c.chunk_size},
                      {"chunk_id", c.encrypted ? "hmac-sha256" : "sha256"},
                      {"encryption", c.encrypted ? "aes-256-gcm" : "none"},
                      {"pack_target", c.pack_target}};
  return j.dump();
}

Result<V2ContainerConfig> DecodeConfig(const std::string& bytes, const std::string& container) {
  auto bad = [&](const std::string& why) {
    return Status::DataLoss("container " + container + ": object config: " + why);
  };
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not JSON");
  try {
    if (j.at("format") != "bb-container") return bad("not a bb-container config");
    if (j.at("version") != 2) {
      return Status::Unimplemented("container " + container + ": config version " +
                                   j.at("version").dump() + " not supported; this build reads 2");
    }
    V2ContainerConfig c;
    c.chunk_size = j.at("chunk_size").get<int64_t>();
    c.pack_target = j.at("pack_target").get<int64_t>();
    const std::string enc = j.at("encryption").get<std::string>();
    const std::string id = j.at("chunk_id").get<std::string>();
    if (enc != "none" && enc != "aes-256-gcm") return bad("unknown encryption " + enc);
    c.encrypted = enc == "aes-256-gcm";
    if (id != (c.encrypted ? "hmac-sha256" : "sha256")) return bad("chunk_id " + id);
    if (c.chunk_size <= 0 || c.chunk_size > (16 << 20) || c.pack_target <= 0) {
      return bad("sizes out of range");
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
}

Result<ContainerKeys> UnwrapKeyObject(const std::string& bytes, const Key256& master,
                                      const std::string& container, uint32_t generation) {
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
  std::optional<std::string> wrapped;
  if (j.is_object() && j.contains("wrapped") && j["wrapped"].is_string()) {
    wrapped = Unhex(j["wrapped"].get<std::string>());
  }
  if (!wrapped) {
    return Status::DataLoss("container " + container + ": object " + KeyObjectName(generation) +
                            " is not a wrapped key");
  }
  ASSIGN_OR_RETURN(Key256 key, UnwrapContainerKey(master, *wrapped, generation, container));
  return DeriveContainerKeys(key);
}

Result<V2Container> ReadExisting(ObjectStore& store, const std::string& container,
                                 const std::string& config_bytes,
                                 const std::optional<Key256>& master) {
  V2Container out;
  ASSIGN_OR_RETURN(out.config, DecodeConfig(config_bytes, container));
  if (!out.config.encrypted) return out;
  if (!master) {
    return Status::FailedPrecondition("container " + container +
                                      " is encrypted and no master key is configured");
  }
  out.key_generation = kFirstGeneration;
  ASSIGN_OR_RETURN(std::string key_bytes, store.Get(container, KeyObjectName(kFirstGeneration)));
  ASSIGN_OR_RETURN(out.keys, UnwrapKeyObject(key_bytes, *master, container, kFirstGeneration));
  return out;
}

}  // namespace

Result<Key256> ReadMasterKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot open master key file " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != sizeof(Key256)) {
    return Status::InvalidArgument("master key file " + path + " must hold exactly 32 bytes");
  }
  Key256 k{};
  std::copy(bytes.begin(), bytes.end(), k.begin());
  return k;
}

Result<V2Container> OpenForBackup(ObjectStore& store, const std::string& container,
                                  const V2ContainerConfig& wanted,
                                  const std::optional<Key256>& master) {
  RETURN_IF_ERROR(store.EnsureContainer(container));
  auto existing = store.Get(container, kConfigObject);
  if (existing.ok()) {
    ASSIGN_OR_RETURN(V2Container c, ReadExisting(store, container, *existing, master));
    if (c.config.chunk_size != wanted.chunk_size || c.config.encrypted != wanted.encrypted) {
      return Status::FailedPrecondition("container " + container + " has chunk size " +
                                        std::to_string(c.config.chunk_size) +
                                        (c.config.encrypted ? ", encrypted" : ", not encrypted") +
                                        "; the job asks otherwise (one container, one setting)");
    }
    return c;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  V2Container c;
  c.config = wanted;
  if (wanted.encrypted) {
    if (!master) {
      return Status::FailedPrecondition("encryption asked for container " + container +
                                        " but no master key is configured");
    }
    ASSIGN_OR_RETURN(Key256 key, RandomKey());
    ASSIGN_OR_RETURN(std::string wrapped, WrapContainerKey(*master, key, kFirstGeneration));
    nlohmann::json j = {{"version", 1},
                        {"generation", kFirstGeneration},
                        {"master_key_id", MasterKeyId(*master)},
                        {"wrap", "aes-256-gcm"},
                        {"wrapped", Hex(wrapped)}};
    // The key is durable before the config that says the container is encrypted.
    RETURN_IF_ERROR(store.Put(container, KeyObjectName(kFirstGeneration), j.dump()));
    c.keys = DeriveContainerKeys(key);
    c.key_generation = kFirstGeneration;
  }
  RETURN_IF_ERROR(store.Put(container, kConfigObject, EncodeConfig(wanted)));
  return c;
}

Result<V2Container> OpenForRead(ObjectStore& store, const std::string& container,
                                const std::optional<Key256>& master) {
  ASSIGN_OR_RETURN(std::string config, store.Get(container, kConfigObject));
  return ReadExisting(store, container, config, master);
}

Result<ContainerIndex> LoadContainerIndex(ObjectStore& store, const std::string& container,
                                          const V2Container& c, const PackSet* skip) {
  const BlobCodec codec(0, c.keys);
  ContainerIndex index;
  ASSIGN_OR_RETURN(std::vector<std::string> names, store.List(container, "index/"));
  for (const std::string& name : names) {
    auto stored = store.Get(container, name);
    if (!stored.ok() && stored.status().code() == StatusCode::kNotFound) continue;
    if (!stored.ok()) return stored.status();
    const std::string what = "container " + container + ": index object " + name;
    ASSIGN_OR_RETURN(std::string plain, codec.OpenObject(*stored, kIndexAad, what));
    auto packs = DecodeIndexObject(plain, name);
    if (!packs.ok()) {
      return Status(packs.status().code(),
                    "container " + container + ": " + packs.status().message());
    }
    for (const IndexedPack& p : *packs) {
      if (skip != nullptr && skip->count(p.pack_hash) > 0) continue;
      for (const PackEntry& e : p.entries) index.emplace(e.id, BlobLocation{p.pack_hash, e});
    }
  }
  return index;
}

}  // namespace bb::v2
