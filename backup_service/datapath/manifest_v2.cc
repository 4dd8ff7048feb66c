// ManifestV2 encode/decode (manifest_v2.h).
#include "backup_service/datapath/manifest_v2.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/pack_format.h"

namespace bb {
namespace {

constexpr char kMagic[4] = {'B', 'B', 'M', '2'};
constexpr size_t kFixedSize = 8 + 4 + 4 + 32;  // magic+version, header length, count, checksum
constexpr uint32_t kMaxHeaderLength = 1 << 20;
constexpr std::string_view kFormat = "bb-backup-manifest";

bool PowerOfTwo(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

Status CheckHeader(const ManifestV2Header& h) {
  if (h.backup_id.empty() || h.volume_id.empty() || h.project_id.empty()) {
    return Status::InvalidArgument("backup, volume and project ids are required");
  }
  if (!PowerOfTwo(h.chunk_size) || h.chunk_size < (4 << 10) || h.chunk_size > (4 << 20)) {
    return Status::InvalidArgument("chunk_size " + std::to_string(h.chunk_size) +
                                   " is not a power of two from 4 KiB to 4 MiB");
  }
  if (h.size_bytes <= 0 || h.size_bytes > (int64_t{1} << 50)) {
    return Status::InvalidArgument("size_bytes " + std::to_string(h.size_bytes) + " out of range");
  }
  if (h.chunk_id != "sha256" && h.chunk_id != "hmac-sha256") {
    return Status::InvalidArgument("chunk_id '" + h.chunk_id + "' is not sha256 or hmac-sha256");
  }
  if ((h.chunk_id == "sha256") != (h.key_generation == 0)) {
    return Status::InvalidArgument("key_generation must be 0 exactly for sha256 chunk ids");
  }
  if (h.compression != "zstd" && h.compression != "lz4" && h.compression != "none") {
    return Status::InvalidArgument("compression '" + h.compression + "' unknown");
  }
  if (h.object_count < 0 || h.stored_bytes < 0 || h.created_at_us < 0 || h.data_timestamp_us < 0) {
    return Status::InvalidArgument("negative count, size or timestamp");
  }
  return Status::Ok();
}

nlohmann::json HeaderJson(const ManifestV2Header& h) {
  return {{"format", kFormat},
          {"version", kManifestV2Version},
          {"backup_id", h.backup_id},
          {"project_id", h.project_id},
          {"volume_id", h.volume_id},
          {"parent_id", h.parent_id},
          {"name", h.name},
          {"description", h.description},
          {"created_at_us", h.created_at_us},
          {"data_timestamp_us", h.data_timestamp_us},
          {"size_bytes", h.size_bytes},
          {"chunk_size", h.chunk_size},
          {"chunk_id", h.chunk_id},
          {"compression", h.compression},
          {"key_generation", h.key_generation},
          {"object_count", h.object_count},
          {"stored_bytes", h.stored_bytes}};
}

// Every key required with its type, no other key: a field this build would drop needs a new
// version.
Result<ManifestV2Header> ParseHeaderJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("header is not a JSON object");
  const std::set<std::string> keys = {
      "format",   "version",     "backup_id",      "project_id",        "volume_id",   "parent_id",
      "name",     "description", "created_at_us",  "data_timestamp_us", "size_bytes",  "chunk_size",
      "chunk_id", "compression", "key_generation", "object_count",      "stored_bytes"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!keys.count(it.key())) return Status::InvalidArgument("unknown key " + it.key());
  }
  ManifestV2Header h;
  auto str = [&](const char* k, std::string* out) -> Status {
    if (!j.contains(k) || !j[k].is_string()) return Status::InvalidArgument(std::string(k));
    *out = j[k].get<std::string>();
    return Status::Ok();
  };
  auto num = [&](const char* k, int64_t* out) -> Status {
    if (!j.contains(k) || !j[k].is_number_integer()) {
      return Status::InvalidArgument(std::string(k));
    }
    *out = j[k].get<int64_t>();
    return Status::Ok();
  };
  std::string format;
  int64_t version = 0, key_generation = 0;
  RETURN_IF_ERROR(str("format", &format));
  RETURN_IF_ERROR(num("version", &version));
  if (format != kFormat || version != kManifestV2Version) {
    return Status::InvalidArgument("format/version " + format + "/" + std::to_string(version));
  }
  RETURN_IF_ERROR(str("backup_id", &h.backup_id));
  RETURN_IF_ERROR(str("project_id", &h.project_id));
  RETURN_IF_ERROR(str("volume_id", &h.volume_id));
  RETURN_IF_ERROR(str("parent_id", &h.parent_id));
  RETURN_IF_ERROR(str("name", &h.name));
  RETURN_IF_ERROR(str("description", &h.description));
  RETURN_IF_ERROR(num("created_at_us", &h.created_at_us));
  RETURN_IF_ERROR(num("data_timestamp_us", &h.data_timestamp_us));
  RETURN_IF_ERROR(num("size_bytes", &h.size_bytes));
  RETURN_IF_ERROR(num("chunk_size", &h.chunk_size));
  RETURN_IF_ERROR(str("chunk_id", &h.chunk_id));
  RETURN_IF_ERROR(str("compression", &h.compression));
  RETURN_IF_ERROR(num("key_generation", &key_generation));
  RETURN_IF_ERROR(num("object_count", &h.object_count));
  RETURN_IF_ERROR(num("stored_bytes", &h.stored_bytes));
  if (key_generation < 0 || key_generation > UINT32_MAX) {
    return Status::InvalidArgument("key_generation");
  }
  h.key_generation = static_cast<uint32_t>(key_generation);
  RETURN_IF_ERROR(CheckHeader(h));
  return h;
}

}  // namespace

int64_t SegmentCount(const ManifestV2Header& h) {
  const int64_t span = h.chunk_size * kChunksPerList;
  return (h.size_bytes + span - 1) / span;
}

uint32_t ChunksInSegment(const ManifestV2Header& h, int64_t index) {
  const int64_t chunks = (h.size_bytes + h.chunk_size - 1) / h.chunk_size;
  const int64_t left = chunks - index * kChunksPerList;
  return static_cast<uint32_t>(left < kChunksPerList ? left : kChunksPerList);
}

Status ValidateManifestV2(const ManifestV2& m) {
  RETURN_IF_ERROR(CheckHeader(m.header));
  int64_t covered = 0;
  bool last_zero = false;
  for (const ManifestSegment& s : m.segments) {
    if (s.zero && (s.zero_count == 0 || last_zero)) {
      return Status::InvalidArgument("zero runs must be non-empty and not adjacent");
    }
    covered += s.zero ? s.zero_count : 1;
    last_zero = s.zero;
  }
  if (covered != SegmentCount(m.header)) {
    return Status::InvalidArgument("segments cover " + std::to_string(covered) + " of " +
                                   std::to_string(SegmentCount(m.header)) + " segments");
  }
  return Status::Ok();
}

Result<std::string> EncodeManifestV2(const ManifestV2& m) {
  RETURN_IF_ERROR(ValidateManifestV2(m));
  const std::string header = HeaderJson(m.header).dump();
  std::string out(12, '\0');
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  out[4] = static_cast<char>(kManifestV2Version);
  PutU32Le(static_cast<uint32_t>(header.size()), out.data() + 8);
  out += header;
  char u32[4];
  PutU32Le(static_cast<uint32_t>(m.segments.size()), u32);
  out.append(u32, 4);
  for (const ManifestSegment& s : m.segments) {
    out.push_back(static_cast<char>(s.zero ? 0 : 1));
    if (s.zero) {
      PutU32Le(s.zero_count, u32);
      out.append(u32, 4);
    } else {
      out.append(BlobIdBytes(s.list_id));
    }
  }
  BlobId sum = Sha256Id(out);
  out.append(BlobIdBytes(sum));
  return out;
}

Result<ManifestV2> DecodeManifestV2(std::string_view object, const std::string& name) {
  auto bad = [&](const std::string& m) { return Status::DataLoss("manifest " + name + ": " + m); };
  if (object.size() < kFixedSize) return bad("too short");
  if (std::memcmp(object.data(), kMagic, sizeof(kMagic)) != 0) return bad("not a BBM2 manifest");
  const int version = static_cast<uint8_t>(object[4]);
  if (version != kManifestV2Version) {
    return Status::Unimplemented("manifest " + name + ": version " + std::to_string(version) +
                                 " not supported; this build reads versions 1 (JSON) and 2");
  }
  if (object[5] != 0 || object[6] != 0 || object[7] != 0) return bad("non-zero reserved bytes");
  const size_t body_end = object.size() - 32;
  BlobId sum = Sha256Id(object.substr(0, body_end));
  if (std::memcmp(sum.data(), object.data() + body_end, sum.size()) != 0) {
    return bad("checksum mismatch");
  }
  const uint32_t header_length = GetU32Le(object.data() + 8);
  if (header_length > kMaxHeaderLength || 12 + size_t{header_length} + 4 > body_end) {
    return bad("header length " + std::to_string(header_length) + " does not fit");
  }
  ManifestV2 m;
  auto header = ParseHeaderJson(object.substr(12, header_length));
  if (!header.ok()) return bad("header: " + header.status().message());
  m.header = std::move(header).value();
  size_t at = 12 + header_length;
  const uint32_t count = GetU32Le(object.data() + at);
  at += 4;
  for (uint32_t i = 0; i < count; ++i) {
    if (at >= body_end) return bad("segment " + std::to_string(i) + " missing");
    const int kind = static_cast<uint8_t>(object[at++]);
    ManifestSegment s;
    if (kind == 0 && body_end - at >= 4) {
      s.zero = true;
      s.zero_count = GetU32Le(object.data() + at);
      at += 4;
    } else if (kind == 1 && body_end - at >= 32) {
      std::memcpy(s.list_id.data(), object.data() + at, 32);
      at += 32;
    } else {
      return bad("segment " + std::to_string(i) + ": bad kind or truncated");
    }
    m.segments.push_back(s);
  }
  if (at != body_end) return bad(std::to_string(body_end - at) + " bytes after the segments");
  Status valid = ValidateManifestV2(m);
  if (!valid.ok()) return bad(valid.message());
  return m;
}

std::string ManifestV2ObjectName(std::string_view backup_id) {
  return "manifests/" + std::string(backup_id) + ".bbm";
}

}  // namespace bb
