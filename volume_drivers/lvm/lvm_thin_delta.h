// ThinPoolDelta: which blocks differ between two thin devices of one LVM thin pool, read from the
// pool's metadata with thin_delta (thin-provisioning-tools). The live metadata changes under a
// reader, so the read goes through a metadata snapshot held only for its duration:
//
//   dmsetup message <vg>-<pool>-tpool 0 reserve_metadata_snap
//   thin_delta -m --snap1 <id1> --snap2 <id2> /dev/mapper/<vg>-<pool>_tmeta
//   dmsetup message <vg>-<pool>-tpool 0 release_metadata_snap   (always, also after a failure)
//
// A pool holds at most one metadata snapshot. One that is already held when we reserve is a
// leftover of a process killed between reserve and release (this driver is the pool's only
// user): it is released and the reserve retried once. Outputs: tests/testdata/lvm/ (captured
// with thin-provisioning-tools 0.9.0), parsed by ParseThinDelta (lvm_report.h).
// Thread-safety: Changed may be called concurrently; calls are serialised (one metadata snapshot
// per pool).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/lvm/lvm_report.h"

namespace bb::lvm {

// The device-mapper name of LV `lv` of VG `vg`, or of its `layer` ("tpool"): LVM doubles the
// hyphens of the VG and LV names and joins the parts with one. DmName("my-vg", "a-pool", "tpool")
// == "my--vg-a--pool-tpool".
std::string DmName(const std::string& vg, const std::string& lv, const std::string& layer = "");

class ThinPoolDelta {
 public:
  explicit ThinPoolDelta(CommandRunner& runner) : runner_(runner) {}

  // `thin_delta -V`: the tools' version, NotFound when thin_delta is not installed.
  Result<std::string> Version();
  // The byte ranges whose mapping differs between thin devices `thin_id1` and `thin_id2` of pool
  // vg/pool (changed, or provisioned in only one of them), adjacent ranges merged. The pool must
  // be active. Errors name the failed command and its stderr.
  Result<std::vector<ByteRange>> Changed(const std::string& vg, const std::string& pool,
                                         int64_t thin_id1, int64_t thin_id2);

 private:
  Status Message(const std::string& pool_dm, const std::string& message);
  Status Reserve(const std::string& pool_dm);
  CommandRunner& runner_;
  std::mutex mu_;  // one metadata snapshot per pool: one call at a time
};

}  // namespace bb::lvm
