// ScratchXfs; see scratch_xfs.h.
#include "volume_drivers/testing/scratch_xfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "backup_service/common/log.h"

namespace bb::testing {

Result<std::unique_ptr<ScratchXfs>> ScratchXfs::Create(CommandRunner& runner, int64_t size_bytes) {
  ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("bb-scratch-xfs-"));
  std::unique_ptr<ScratchXfs> fs(new ScratchXfs(runner, std::move(dir)));
  int fd = open(fs->image_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create " + fs->image_, errno);
  int rc = ftruncate(fd, size_bytes);
  int err = errno;
  close(fd);
  if (rc != 0) return ErrnoStatus("truncate " + fs->image_, err);
  if (mkdir(fs->mount_point_.c_str(), 0700) != 0) return ErrnoStatus("mkdir", errno);
  RETURN_IF_ERROR(RunChecked(runner, {"mkfs.xfs", "-q", "-m", "reflink=1", fs->image_}).status());
  RETURN_IF_ERROR(
      RunChecked(runner, {"mount", "-o", "loop", "-t", "xfs", fs->image_, fs->mount_point_})
          .status());
  fs->mounted_ = true;
  return fs;
}

ScratchXfs::ScratchXfs(CommandRunner& runner, TempDir dir)
    : runner_(runner),
      dir_(std::move(dir)),
      image_(dir_->path() + "/xfs.img"),
      mount_point_(dir_->path() + "/mnt") {}

ScratchXfs::~ScratchXfs() {
  Status s = Unmount();
  if (!s.ok()) BB_LOG(kError) << "scratch XFS cleanup: " << s.ToString();
}

Status ScratchXfs::DetachLoopDevicesUnder(const std::string& prefix) {
  ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner_, {"losetup", "--list", "--noheadings",
                                                         "--raw", "--output", "NAME,BACK-FILE"}));
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string device = line.substr(0, space);
    std::string backing = line.substr(space + 1);
    if (!backing.starts_with(prefix)) continue;
    BB_LOG(kWarning) << "scratch XFS: detaching leftover " << device << " (" << backing << ")";
    RETURN_IF_ERROR(RunChecked(runner_, {"losetup", "--detach", device}).status());
  }
  return Status::Ok();
}

Status ScratchXfs::Unmount() {
  if (!dir_) return Status::Ok();
  if (mounted_) {
    RETURN_IF_ERROR(DetachLoopDevicesUnder(mount_point_ + "/"));
    // mount -o loop set up its loop device with autoclear, so umount also releases it.
    Status s = RunChecked(runner_, {"umount", mount_point_}).status();
    if (!s.ok()) {
      // Never delete a tree that is still mounted; leave it for a human.
      BB_LOG(kError) << "scratch XFS: leaving " << dir_->Release() << " behind";
      dir_.reset();
      return s;
    }
    mounted_ = false;
  }
  Status s = dir_->Remove();
  dir_.reset();
  return s;
}

}  // namespace bb::testing
