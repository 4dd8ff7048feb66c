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

std::string KeyObjectJson(const Key256& master, uint32_t generation, const std::string& wrapped) {
  nlohmann::json j = {{"version", 1},
                      {"generation", generation},
                      {"master_key_id", MasterKeyId(master)},
                      {"wrap", "aes-256-gcm"},
                      {"wrapped", Hex(wrapped)}};
  return j.dump();
}

// keys/<generation>.key -> generation; nullopt for any other name.
std::optional<uint32_t> GenerationOf(const std::string& name) {
  constexpr std::string_view kPrefix = "keys/", kSuffix = ".key";
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const uint32_t g = static_cast<uint32_t>(std::stoul(digits));
  if (g == 0 || KeyObjectName(g) != name) return std::nullopt;
  return g;
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
    // The key is durable before the config that says the container is encrypted.
    RETURN_IF_ERROR(store.Put(container, KeyObjectName(kFirstGeneration),
                              KeyObjectJson(*master, kFirstGeneration, wrapped)));
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

Result<KeyRotation> RewrapContainerKeys(ObjectStore& store, const std::string& container,
                                        const Key256& old_master, const Key256& new_master) {
  KeyRotation out;
  ASSIGN_OR_RETURN(std::vector<std::string> names, store.List(container, "keys/"));
  for (const std::string& name : names) {
    const std::optional<uint32_t> generation = GenerationOf(name);
    if (!generation) continue;  // not a key object of this format
    ASSIGN_OR_RETURN(std::string bytes, store.Get(container, name));
    nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
    std::optional<std::string> wrapped;
    if (j.is_object() && j.contains("wrapped") && j["wrapped"].is_string()) {
      wrapped = Unhex(j["wrapped"].get<std::string>());
    }
    if (!wrapped) {
      return Status::DataLoss("container " + container + ": object " + name +
                              " is not a wrapped key");
    }
    if (UnwrapContainerKey(new_master, *wrapped, *generation, container).ok()) {
      ++out.already_new;  // a previous, interrupted run got here
      continue;
    }
    auto key = UnwrapContainerKey(old_master, *wrapped, *generation, container);
    if (!key.ok()) {
      const std::string recorded = j.contains("master_key_id") && j["master_key_id"].is_string()
                                       ? j["master_key_id"].get<std::string>()
                                       : std::string("?");
      return Status::FailedPrecondition(
          "container " + container + ": " + name + " is wrapped by master key " + recorded +
          ", which is neither the old key (" + MasterKeyId(old_master) + ") nor the new one (" +
          MasterKeyId(new_master) + "); it was left unchanged");
    }
    ASSIGN_OR_RETURN(std::string rewrapped, WrapContainerKey(new_master, *key, *generation));
    // One atomic Put: a reader sees the old wrap or the new one, never a mix.
    RETURN_IF_ERROR(store.Put(container, name, KeyObjectJson(new_master, *generation, rewrapped))
                        .WithContext("container " + container + ": writing " + name));
    ++out.rewrapped;
  }
  return out;
}

Result<ContainerIndex> LoadContainerIndex(ObjectStore& store, const std::string& container,
                                          const V2Container& c, const PackSet* skip) {
  const BlobCodec codec(c.keys);
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
