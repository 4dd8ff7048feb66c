// BackupctlOnXfsTest: BackupctlTest with the daemon's volumes on a scratch reflink XFS (a loop
// mount: needs root, skips otherwise) and its object store in a directory of the test's own, so
// the file driver makes real reflink snapshots and clones and a restarted daemon finds both
// again. Derived fixtures pass extra config lines for every start (e.g. a driver setting).
// Thread-safety: test thread only.
#pragma once

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/scratch_xfs.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {

class BackupctlOnXfsTest : public BackupctlTest {
 protected:
  explicit BackupctlOnXfsTest(std::vector<std::string> extra_config = {}) {
    options_.extra_config = std::move(extra_config);
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: loop-mounted XFS for reflink copies";
    BackupctlTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    auto xfs = bb::testing::ScratchXfs::Create(runner_, 4ll << 30);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    auto store = bb::testing::TempDir::Create("bb-it-store-");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_.emplace(std::move(store).value());
    options_.volumes_dir = xfs_->path();
    options_.store_dir = store_->path();
    StopDaemon();
    StartDaemon(options_);
  }
  void TearDown() override {
    StopDaemon();
    if (xfs_) {
      EXPECT_TRUE(xfs_->Unmount().ok());
    }
  }

  SystemCommandRunner runner_;
  std::unique_ptr<bb::testing::ScratchXfs> xfs_;
  std::optional<bb::testing::TempDir> store_;
  BackupdOptions options_;
};

}  // namespace bb::it
