// Manifest v1 JSON (nlohmann_json). Parsing never throws out of this file: the document is parsed
// in non-throwing mode and every field's type is checked before it is read.
// Thread-safety: pure functions.
#include "backup_service/datapath/manifest.h"

#include <nlohmann/json.hpp>

#include "backup_service/datapath/hasher.h"

namespace bb {
namespace {

using nlohmann::json;

Status Bad(const std::string& why) { return Status::DataLoss("invalid backup manifest: " + why); }

Status GetString(const json& j, const char* key, bool required, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return required ? Bad(std::string("missing \"") + key + "\"") : Status::Ok();
  if (!it->is_string()) return Bad(std::string("\"") + key + "\" is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status GetInt(const json& j, const char* key, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_number_integer()) return Bad(std::string("\"") + key + "\" is not an integer");
  *out = it->get<int64_t>();
  return Status::Ok();
}

Result<Manifest> ParseV1(const json& j) {
  Manifest m;
  m.version = 1;
  RETURN_IF_ERROR(GetString(j, "backup_id", true, &m.backup_id));
  RETURN_IF_ERROR(GetString(j, "volume_id", true, &m.volume_id));
  RETURN_IF_ERROR(GetString(j, "parent_id", false, &m.parent_id));
  RETURN_IF_ERROR(GetInt(j, "created_at_us", &m.created_at_us));
  RETURN_IF_ERROR(GetInt(j, "size_bytes", &m.size_bytes));
  RETURN_IF_ERROR(GetInt(j, "chunk_size", &m.chunk_size));
  RETURN_IF_ERROR(GetString(j, "hash", true, &m.hash));
  RETURN_IF_ERROR(GetString(j, "compression", true, &m.compression));
  auto chunks = j.find("chunks");
  if (chunks == j.end() || !chunks->is_array()) return Bad("\"chunks\" is not an array");
  m.chunks.reserve(chunks->size());
  for (const json& c : *chunks) {
    if (!c.is_object()) return Bad("chunk entry is not an object");
    ManifestChunk chunk;
    RETURN_IF_ERROR(GetInt(c, "o", &chunk.offset));
    RETURN_IF_ERROR(GetInt(c, "l", &chunk.length));
    auto z = c.find("z");
    if (z != c.end()) {
      if (!z->is_boolean()) return Bad("\"z\" is not a boolean");
      chunk.zero = z->get<bool>();
    }
    RETURN_IF_ERROR(GetString(c, "h", !chunk.zero, &chunk.hash));
    m.chunks.push_back(std::move(chunk));
  }
  RETURN_IF_ERROR(ValidateManifest(m));
  return m;
}

}  // namespace

std::string ManifestObjectName(std::string_view backup_id) {
  return "manifests/" + std::string(backup_id) + ".json";
}

Status ValidateManifest(const Manifest& m) {
  if (m.version != kManifestVersion) {
    return Status::Unimplemented("manifest version " + std::to_string(m.version) +
                                 " not supported; this build reads version " +
                                 std::to_string(kManifestVersion));
  }
  if (m.backup_id.empty() || m.backup_id.find('/') != std::string::npos) {
    return Bad("backup_id '" + m.backup_id + "' is empty or contains '/'");
  }
  if (m.hash != "sha256") return Bad("unsupported hash '" + m.hash + "'");
  if (m.compression != "zstd" && m.compression != "none") {
    return Bad("unsupported compression '" + m.compression + "'");
  }
  if (m.size_bytes < 0) return Bad("negative size_bytes");
  if (m.chunk_size <= 0) return Bad("chunk_size must be positive");
  int64_t expected_offset = 0;
  for (size_t i = 0; i < m.chunks.size(); ++i) {
    const ManifestChunk& c = m.chunks[i];
    const std::string where = "chunk " + std::to_string(i) + " ";
    if (c.offset != expected_offset) {
      return Bad(where + "starts at " + std::to_string(c.offset) + ", expected " +
                 std::to_string(expected_offset) + " (chunks must tile the volume)");
    }
    if (c.length <= 0 || c.length > m.chunk_size) {
      return Bad(where + "has length " + std::to_string(c.length) + " outside 1.." +
                 std::to_string(m.chunk_size));
    }
    if (c.zero ? !c.hash.empty() : !IsSha256Hex(c.hash)) {
      return Bad(where + (c.zero ? "is zero but has a hash" : "has an invalid sha256 hex id"));
    }
    expected_offset += c.length;
    if (expected_offset > m.size_bytes) break;
  }
  if (expected_offset != m.size_bytes) {
    return Bad("chunks cover " + std::to_string(expected_offset) + " bytes, volume is " +
               std::to_string(m.size_bytes) + " (chunks must tile the volume)");
  }
  return Status::Ok();
}

std::string SerializeManifest(const Manifest& m) {
  json chunks = json::array();
  for (const ManifestChunk& c : m.chunks) {
    if (c.zero) {
      chunks.push_back({{"o", c.offset}, {"l", c.length}, {"z", true}});
    } else {
      chunks.push_back({{"o", c.offset}, {"l", c.length}, {"h", c.hash}});
    }
  }
  json j = {{"format", std::string(kManifestFormat)},
            {"version", m.version},
            {"backup_id", m.backup_id},
            {"volume_id", m.volume_id},
            {"parent_id", m.parent_id},
            {"created_at_us", m.created_at_us},
            {"size_bytes", m.size_bytes},
            {"chunk_size", m.chunk_size},
            {"hash", m.hash},
            {"compression", m.compression},
            {"chunks", std::move(chunks)}};
  return j.dump();
}

Result<Manifest> ParseManifest(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not valid JSON");
  if (!j.is_object()) return Bad("not a JSON object");
  std::string format;
  RETURN_IF_ERROR(GetString(j, "format", true, &format));
  if (format != kManifestFormat) return Bad("format is '" + format + "'");
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) return Bad("missing integer version");
  // Dispatch on the version: each version keeps its own parser forever.
  switch (version->get<int64_t>()) {
    case 1:
      return ParseV1(j);
    default:
      return Status::Unimplemented("manifest version " + version->dump() +
                                   " not supported; this build reads version " +
                                   std::to_string(kManifestVersion));
  }
}

Result<Manifest> LoadManifest(ObjectStore& store, const std::string& container,
                              const std::string& object) {
  auto text = store.Get(container, object);
  if (!text.ok()) return text.status().WithContext("manifest " + container + "/" + object);
  auto manifest = ParseManifest(*text);
  if (!manifest.ok()) return manifest.status().WithContext("manifest " + container + "/" + object);
  return manifest;
}

}  // namespace bb
