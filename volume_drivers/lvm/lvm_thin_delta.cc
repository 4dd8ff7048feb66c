// thin_delta through a pool metadata snapshot; see lvm_thin_delta.h.
#include "volume_drivers/lvm/lvm_thin_delta.h"

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

Result<std::string> ThinPoolDelta::Version() {
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner_, {"thin_delta", "-V"}));
  std::string v = r.out;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

Status ThinPoolDelta::Message(const std::string& pool_dm, const std::string& message) {
  return RunChecked(runner_, {"dmsetup", "message", pool_dm, "0", message}).status();
}

Status ThinPoolDelta::Reserve(const std::string& pool_dm) {
  Status reserved = Message(pool_dm, "reserve_metadata_snap");
  if (reserved.ok()) return reserved;
  // The kernel refuses a second metadata snapshot (EBUSY). Ours are released before Changed
  // returns, so one that exists was left by a killed process: release it and try once more.
  if (!Message(pool_dm, "release_metadata_snap").ok()) return reserved;
  BB_LOG(kWarning) << "lvm driver: released a metadata snapshot of " << pool_dm
                   << " left by an earlier process (" << reserved.message() << ")";
  return Message(pool_dm, "reserve_metadata_snap");
}

Result<std::vector<ByteRange>> ThinPoolDelta::Changed(const std::string& vg,
                                                      const std::string& pool, int64_t thin_id1,
                                                      int64_t thin_id2) {
  const std::string pool_dm = DmName(vg, pool, "tpool");
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Reserve(pool_dm).WithContext("thin pool " + vg + "/" + pool));
  auto delta =
      RunChecked(runner_, {"thin_delta", "-m", "--snap1", std::to_string(thin_id1), "--snap2",
                           std::to_string(thin_id2), "/dev/mapper/" + DmName(vg, pool + "_tmeta")});
  // Released whatever thin_delta did: a held metadata snapshot pins the metadata blocks it
  // references.
  Status released = Message(pool_dm, "release_metadata_snap");
  if (!released.ok()) {
    BB_LOG(kWarning) << "lvm driver: " << released.ToString() << " (the next reserve releases it)";
  }
  if (!delta.ok()) return delta.status();
  return ParseThinDelta(delta->out);
}

}  // namespace bb::lvm
