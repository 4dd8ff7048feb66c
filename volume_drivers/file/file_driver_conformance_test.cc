// Runs the VolumeDriver conformance suite on the file driver three times: on a loop-mounted XFS
// with reflink (snapshots and clones available; needs root), on the same XFS configured with
// snapshots = false (clones only: the shape of a driver that backs up through temporary clones;
// needs root), and on a plain temp dir, where /tmp is typically ext4 or tmpfs without reflink
// (snapshot and clone cases check that the driver refuses them).
#include <optional>

#include "backup_service/common/log.h"
#include "tests/conformance/volume_driver_conformance.h"
#include "volume_drivers/file/file_driver.h"
#include "volume_drivers/testing/scratch_xfs.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::testing {
namespace {

// The file driver in a temp dir; on a scratch XFS when `xfs` is set.
class FileDriverEnv : public VolumeDriverTestEnv {
 public:
  static Result<std::unique_ptr<VolumeDriverTestEnv>> Create(CommandRunner& runner, bool xfs,
                                                             bool snapshots = true) {
    auto env = std::make_unique<FileDriverEnv>();
    std::string parent;
    if (xfs) {
      ASSIGN_OR_RETURN(env->xfs_, ScratchXfs::Create(runner));
      parent = env->xfs_->path();
    }
    ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("bb-file-driver-", parent));
    env->dir_.emplace(std::move(dir));
    env->driver_ = std::make_unique<FileDriver>(env->dir_->path(), snapshots);
    return std::unique_ptr<VolumeDriverTestEnv>(std::move(env));
  }

  VolumeDriver& driver() override { return *driver_; }
  Status Cleanup() override {
    driver_.reset();
    if (dir_) RETURN_IF_ERROR(dir_->Remove());
    dir_.reset();
    if (xfs_) RETURN_IF_ERROR(xfs_->Unmount());
    return Status::Ok();
  }

 private:
  std::unique_ptr<ScratchXfs> xfs_;  // declared first: destroyed after the dir inside it
  std::optional<TempDir> dir_;
  std::unique_ptr<FileDriver> driver_;
};

INSTANTIATE_TEST_SUITE_P(
    FileDriver, VolumeDriverConformanceTest,
    ::testing::Values(
        VolumeDriverFactory{"OnXfsWithReflink",
                            [](CommandRunner& r) { return FileDriverEnv::Create(r, true); },
                            /*needs_root=*/true},
        VolumeDriverFactory{
            "OnXfsWithoutSnapshots",
            [](CommandRunner& r) { return FileDriverEnv::Create(r, true, /*snapshots=*/false); },
            /*needs_root=*/true},
        VolumeDriverFactory{"OnPlainTmp",
                            [](CommandRunner& r) { return FileDriverEnv::Create(r, false); },
                            /*needs_root=*/false}),
    VolumeDriverFactoryName);

}  // namespace
}  // namespace bb::testing
