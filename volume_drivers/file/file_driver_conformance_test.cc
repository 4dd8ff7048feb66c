// Runs the VolumeDriver conformance suite on the file driver: on a loop-mounted XFS with reflink
// (snapshots and clones available; needs root), on the same XFS configured with snapshots = false
// (clones only: the shape of a driver that backs up through temporary clones; needs root), both
// again with target_helper = tgt (volumes and snapshots exported through a real tgtd on
// 127.0.0.1, read and written through libiscsi; the suite starts tgtd through
// devstack/lib/tgt.sh when none runs, and stops it at the end only then), and on a plain temp
// dir, where /tmp is typically ext4 or tmpfs without reflink (snapshot and clone cases check that
// the driver refuses them).
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/log.h"
#include "tests/conformance/volume_driver_conformance.h"
#include "volume_drivers/file/file_driver.h"
#include "volume_drivers/targets/driver_exports.h"
#include "volume_drivers/targets/tgt_target.h"
#include "volume_drivers/testing/scratch_xfs.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::testing {
namespace {

// tgtd for the exporting instances: started on first use when none runs, stopped at the end
// only when this process started it (another user's tgtd is left as it is).
class TgtdEnvironment : public ::testing::Environment {
 public:
  static Status Ensure() {
    if (started_ || running_) return Status::Ok();
    SystemCommandRunner runner;
    ASSIGN_OR_RETURN(
        CommandResult r,
        RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", "start"}));
    started_ = r.out.find("started") != std::string::npos;
    running_ = true;
    return Status::Ok();
  }
  void TearDown() override {
    if (!started_) return;
    SystemCommandRunner runner;
    auto r = RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", "stop"});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    started_ = false;
  }

 private:
  static inline bool started_ = false;
  static inline bool running_ = false;
};
[[maybe_unused]] ::testing::Environment* const kTgtd =
    ::testing::AddGlobalTestEnvironment(new TgtdEnvironment);

// This process's targets: unique per run, so a concurrent user of tgtd is never counted.
std::string IqnPrefix() {
  return "iqn.2010-10.org.blockbackup.conformance:p" + std::to_string(getpid()) + "-";
}

// The file driver in a temp dir; on a scratch XFS when `xfs` is set; exporting through tgtd
// when `exports` is set.
class FileDriverEnv : public VolumeDriverTestEnv {
 public:
  static Result<std::unique_ptr<VolumeDriverTestEnv>> Create(CommandRunner& runner, bool xfs,
                                                             bool snapshots = true,
                                                             bool exports = false) {
    auto env = std::make_unique<FileDriverEnv>();
    std::unique_ptr<DriverExports> driver_exports;
    if (exports) {
      RETURN_IF_ERROR(TgtdEnvironment::Ensure());
      env->tgt_ = std::make_unique<TgtTarget>(runner);
      ASSIGN_OR_RETURN(driver_exports,
                       DriverExports::Create(std::make_unique<TgtTarget>(runner), IqnPrefix()));
    }
    std::string parent;
    if (xfs) {
      ASSIGN_OR_RETURN(env->xfs_, ScratchXfs::Create(runner));
      parent = env->xfs_->path();
    }
    ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("bb-file-driver-", parent));
    env->dir_.emplace(std::move(dir));
    env->driver_ =
        std::make_unique<FileDriver>(env->dir_->path(), snapshots, std::move(driver_exports));
    return std::unique_ptr<VolumeDriverTestEnv>(std::move(env));
  }

  VolumeDriver& driver() override { return *driver_; }
  Result<std::vector<std::string>> ExportsLeft() override {
    std::vector<std::string> left;
    if (!tgt_) return left;
    ASSIGN_OR_RETURN(std::vector<IscsiExport> all, tgt_->ListExports());
    for (const auto& e : all) {
      if (e.target_iqn.starts_with(IqnPrefix())) left.push_back(e.target_iqn);
    }
    return left;
  }
  Status Cleanup() override {
    // A failed case may have left exports: remove them so the next case starts clean.
    if (tgt_) {
      ASSIGN_OR_RETURN(std::vector<std::string> left, ExportsLeft());
      for (const auto& iqn : left) RETURN_IF_ERROR(tgt_->RemoveExport(iqn));
    }
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
  std::unique_ptr<TgtTarget> tgt_;  // lists and removes this process's targets
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
        VolumeDriverFactory{
            "OnXfsExportedOverTgt",
            [](CommandRunner& r) { return FileDriverEnv::Create(r, true, true, /*exports=*/true); },
            /*needs_root=*/true},
        VolumeDriverFactory{"OnXfsWithoutSnapshotsExportedOverTgt",
                            [](CommandRunner& r) {
                              return FileDriverEnv::Create(r, true, false, /*exports=*/true);
                            },
                            /*needs_root=*/true},
        VolumeDriverFactory{"OnPlainTmp",
                            [](CommandRunner& r) { return FileDriverEnv::Create(r, false); },
                            /*needs_root=*/false}),
    VolumeDriverFactoryName);

}  // namespace
}  // namespace bb::testing
