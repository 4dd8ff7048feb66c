// CondemnedList codec and loader (condemned_list.h).
#include "backup_service/datapath/pipeline_v2/condemned_list.h"

#include <chrono>
#include <cstring>
#include <random>

#include "backup_service/datapath/pack_format.h"

namespace bb::v2 {
namespace {

constexpr char kMagic[4] = {'B', 'B', 'G', '1'};
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderSize = 12;
constexpr size_t kChecksumSize = 32;

}  // namespace

std::string EncodeCondemnedList(const std::vector<BlobId>& packs) {
  std::string out(kHeaderSize + packs.size() * 32 + kChecksumSize, '\0');
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  out[4] = static_cast<char>(kVersion);
  PutU32Le(static_cast<uint32_t>(packs.size()), out.data() + 8);
  char* w = out.data() + kHeaderSize;
  for (const BlobId& p : packs) {
    std::memcpy(w, p.data(), p.size());
    w += p.size();
  }
  BlobId sum = Sha256Id(std::string_view(out.data(), out.size() - kChecksumSize));
  std::memcpy(w, sum.data(), sum.size());
  return out;
}

Result<std::vector<BlobId>> DecodeCondemnedList(std::string_view object, const std::string& name) {
  auto bad = [&](const std::string& why) {
    return Status::DataLoss("condemned list " + name + ": " + why);
  };
  if (object.size() < kHeaderSize + kChecksumSize) return bad("too short");
  if (std::memcmp(object.data(), kMagic, sizeof(kMagic)) != 0) return bad("bad magic");
  if (static_cast<uint8_t>(object[4]) != kVersion) {
    return Status::Unimplemented("condemned list " + name + ": version " +
                                 std::to_string(static_cast<uint8_t>(object[4])) +
                                 " not supported; this build reads 1");
  }
  if (object[5] != 0 || object[6] != 0 || object[7] != 0) return bad("reserved bytes set");
  const uint64_t count = GetU32Le(object.data() + 8);
  if (object.size() != kHeaderSize + count * 32 + kChecksumSize) return bad("length mismatch");
  const BlobId sum = Sha256Id(object.substr(0, object.size() - kChecksumSize));
  if (std::memcmp(sum.data(), object.data() + object.size() - kChecksumSize, kChecksumSize) != 0) {
    return bad("checksum mismatch");
  }
  std::vector<BlobId> packs(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::memcpy(packs[i].data(), object.data() + kHeaderSize + i * 32, 32);
  }
  return packs;
}

std::string NewCondemnedListName() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  static const char* d = "0123456789abcdef";
  std::random_device rd;
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix.push_back(d[rd() & 15]);
  return std::string(kCondemnedPrefix) + std::to_string(us) + "-" + suffix + ".condemned";
}

Result<CondemnedPacks> LoadCondemnedPacks(ObjectStore& store, const std::string& container,
                                          const BlobCodec& codec) {
  CondemnedPacks out;
  ASSIGN_OR_RETURN(std::vector<std::string> names, store.List(container, kCondemnedPrefix));
  for (const std::string& name : names) {
    auto stored = store.Get(container, name);
    if (!stored.ok() && stored.status().code() == StatusCode::kNotFound) continue;
    if (!stored.ok()) return stored.status();
    const std::string what = "container " + container + ": " + name;
    ASSIGN_OR_RETURN(std::string plain, codec.OpenObject(*stored, kCondemnedAad, what));
    auto packs = DecodeCondemnedList(plain, name);
    if (!packs.ok()) return Status(packs.status().code(), what + ": " + packs.status().message());
    out.packs.insert(packs->begin(), packs->end());
    out.names.push_back(name);
  }
  return out;
}

}  // namespace bb::v2
