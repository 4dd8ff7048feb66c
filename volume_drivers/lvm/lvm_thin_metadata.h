// ThinPoolMetadata: what an LVM thin pool's metadata says about its thin devices, read with
// thin-provisioning-tools: which blocks differ between two thin devices (thin_delta, for
// changed-extent incrementals) and which blocks one thin device maps (thin_dump, the allocated
// extents a full backup reads). The live metadata changes under a reader, so each read goes
// through a metadata snapshot held only for its duration:
//
//   dmsetup message <vg>-<pool>-tpool 0 reserve_metadata_snap
//   thin_delta -m --snap1 <id1> --snap2 <id2> /dev/mapper/<vg>-<pool>_tmeta
//     or thin_dump -m --dev-id <id> /dev/mapper/<vg>-<pool>_tmeta
//   dmsetup message <vg>-<pool>-tpool 0 release_metadata_snap   (always, also after a failure)
//
// A pool holds at most one metadata snapshot. One that is already held when we reserve is a
// leftover of a process killed between reserve and release (this driver is the pool's only
// user): it is released and the reserve retried once. Outputs: tests/testdata/lvm/ (captured
// with thin-provisioning-tools 0.9.0), parsed by ParseThinDelta / ParseThinDump (lvm_report.h).
// The metadata snapshot holds what the pool last committed; a thin snapshot's own mappings are
// committed when it is created (lvcreate suspends and flushes the origin) and never change after,
// since nothing writes a snapshot we read.
// Thread-safety: all methods may be called concurrently; the reads are serialised (one metadata
// snapshot per pool).
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

class ThinPoolMetadata {
 public:
  explicit ThinPoolMetadata(CommandRunner& runner) : runner_(runner) {}

  // `thin_delta -V`: the tools' version, NotFound when thin_delta is not installed.
  Result<std::string> Version();
  // True when thin_dump runs (`thin_dump -V`): the same package, but checked on its own.
  bool HasThinDump();
  // The byte ranges whose mapping differs between thin devices `thin_id1` and `thin_id2` of pool
  // vg/pool (changed, or provisioned in only one of them), adjacent ranges merged. The pool must
  // be active. Errors name the failed command and its stderr.
  Result<std::vector<ByteRange>> Changed(const std::string& vg, const std::string& pool,
                                         int64_t thin_id1, int64_t thin_id2);
  // The byte ranges thin device `thin_id` of pool vg/pool maps (where it may hold data; the rest
  // reads as zeros), merged. NotFound when the pool has no such device. The pool must be active.
  Result<std::vector<ByteRange>> Mapped(const std::string& vg, const std::string& pool,
                                        int64_t thin_id);

 private:
  Status Message(const std::string& pool_dm, const std::string& message);
  Status Reserve(const std::string& pool_dm);
  // Runs `argv` (a reader of <vg>-<pool>_tmeta with -m) inside reserve/release; its stdout.
  Result<std::string> ReadWithMetadataSnapshot(const std::string& vg, const std::string& pool,
                                               const std::vector<std::string>& argv);
  CommandRunner& runner_;
  std::mutex mu_;  // one metadata snapshot per pool: one call at a time
};

}  // namespace bb::lvm
