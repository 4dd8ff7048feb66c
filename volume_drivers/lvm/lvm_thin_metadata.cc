// thin_delta and thin_dump through a pool metadata snapshot; see lvm_thin_metadata.h.
#include "volume_drivers/lvm/lvm_thin_metadata.h"

#include "backup_service/common/log.h"

namespace bb::lvm {
namespace {

std::string DoubleHyphens(const std::string& name) {
  std::string out;
  for (char c : name) {
    out += c;
    if (c == '-') out += '-';
  }
  return out;
}

}  // namespace

std::string DmName(const std::string& vg, const std::string& lv, const std::string& layer) {
  return DoubleHyphens(vg) + "-" + DoubleHyphens(lv) + (layer.empty() ? "" : "-" + layer);
}

Result<std::string> ThinPoolMetadata::Version() {
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner_, {"thin_delta", "-V"}));
  std::string v = r.out;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

bool ThinPoolMetadata::HasThinDump() { return RunChecked(runner_, {"thin_dump", "-V"}).ok(); }

Status ThinPoolMetadata::Message(const std::string& pool_dm, const std::string& message) {
  return RunChecked(runner_, {"dmsetup", "message", pool_dm, "0", message}).status();
}

Status ThinPoolMetadata::Reserve(const std::string& pool_dm) {
  Status reserved = Message(pool_dm, "reserve_metadata_snap");
  if (reserved.ok()) return reserved;
  // The kernel refuses a second metadata snapshot (EBUSY). Ours are released before Changed
  // returns, so one that exists was left by a killed process: release it and try once more.
  if (!Message(pool_dm, "release_metadata_snap").ok()) return reserved;
  BB_LOG(kWarning) << "lvm driver: released a metadata snapshot of " << pool_dm
                   << " left by an earlier process (" << reserved.message() << ")";
  return Message(pool_dm, "reserve_metadata_snap");
}

Result<std::string> ThinPoolMetadata::ReadWithMetadataSnapshot(
    const std::string& vg, const std::string& pool, const std::vector<std::string>& argv) {
  const std::string pool_dm = DmName(vg, pool, "tpool");
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Reserve(pool_dm).WithContext("thin pool " + vg + "/" + pool));
  auto read = RunChecked(runner_, argv);
  // Released whatever the reader did: a held metadata snapshot pins the metadata blocks it
  // references.
  Status released = Message(pool_dm, "release_metadata_snap");
  if (!released.ok()) {
    BB_LOG(kWarning) << "lvm driver: " << released.ToString() << " (the next reserve releases it)";
  }
  if (!read.ok()) return read.status();
  return std::move(read->out);
}

Result<std::vector<ByteRange>> ThinPoolMetadata::Changed(const std::string& vg,
                                                         const std::string& pool, int64_t thin_id1,
                                                         int64_t thin_id2) {
  ASSIGN_OR_RETURN(std::string xml,
                   ReadWithMetadataSnapshot(
                       vg, pool,
                       {"thin_delta", "-m", "--snap1", std::to_string(thin_id1), "--snap2",
                        std::to_string(thin_id2), "/dev/mapper/" + DmName(vg, pool + "_tmeta")}));
  return ParseThinDelta(xml);
}

Result<std::vector<ByteRange>> ThinPoolMetadata::Mapped(const std::string& vg,
                                                        const std::string& pool, int64_t thin_id) {
  ASSIGN_OR_RETURN(std::string xml,
                   ReadWithMetadataSnapshot(vg, pool,
                                            {"thin_dump", "-m", "--dev-id", std::to_string(thin_id),
                                             "/dev/mapper/" + DmName(vg, pool + "_tmeta")}));
  return ParseThinDump(xml, thin_id);
}

}  // namespace bb::lvm
