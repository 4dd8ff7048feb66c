// ScratchXfs: a small XFS with reflink, loop-mounted in a temp dir, for tests that need FICLONE
// (the file driver's snapshots and clones). Test-only; needs root (mount).
//
// Create: truncate an image file, `mkfs.xfs -q -m reflink=1`, `mount -o loop`. Unmount: detaches
// any loop devices a test left on files inside the mount (so a failed test cannot keep it busy),
// `umount`, then removes the image. Every external command goes through the CommandRunner.
// Thread-safety: one owner; not shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::testing {

class ScratchXfs {
 public:
  static Result<std::unique_ptr<ScratchXfs>> Create(CommandRunner& runner,
                                                    int64_t size_bytes = 512ll << 20);
  ~ScratchXfs();  // Unmount() if the test did not
  ScratchXfs(const ScratchXfs&) = delete;
  ScratchXfs& operator=(const ScratchXfs&) = delete;

  // The mount point.
  const std::string& path() const { return mount_point_; }
  Status Unmount();

 private:
  ScratchXfs(CommandRunner& runner, TempDir dir);
  Status DetachLoopDevicesUnder(const std::string& prefix);

  CommandRunner& runner_;
  std::optional<TempDir> dir_;  // holds image + mount point
  std::string image_;
  std::string mount_point_;
  bool mounted_ = false;
};

}  // namespace bb::testing
