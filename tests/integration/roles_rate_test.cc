// Figures for the README (printed, not asserted: the machine is shared): one 1 GiB volume full of
// data backed up by a role backup daemon through the role volume daemon's export (libiscsi over
// TCP), and by one role all daemon on the same volumes reading the same kind of export
// (backup_attach = remote) and its local reflink snapshot (backup_attach = auto), each into a
// container of its own so that none finds another's chunks.
#include <cstdio>

#include "tests/integration/roles_fixture.h"

namespace bb::it {
namespace {

TEST_F(RolesTest, PrintsBackupRateAcrossTheRolesAndInOneProcess) {
  StartRole(volume_, "volume");
  StartRole(backup_, "backup");
  std::string id = CreateVolume("rate");
  ASSERT_FALSE(id.empty());
  WritePatternToFile(File(id), 0, 1024 * kMiB, 95);
  // The written GiB reaches the disk first, so that no run pays for the others' writeback.
  ASSERT_TRUE(RunChecked(runner_, {"sync"}).ok());
  auto backup = [&](const std::string& container) {
    CliRun run = Ctl({"--json", "backup", "create", id, "--container", container, "--wait"});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.code == 0 ? run.Json() : nlohmann::json::object();
  };
  auto roles = backup("rate-roles");
  StopRole(backup_);
  StopRole(volume_);
  // One role all daemon on the same volumes, as the volume host (the same host name and port).
  StartRole(volume_, "all", {"backup_attach = remote"});
  auto in_one = [&](const std::string& container) {
    CliRun run =
        RunBackupctl(volume_->endpoint(), project_, "",
                     {"--json", "backup", "create", id, "--container", container, "--wait"},
                     std::chrono::seconds(300));
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.code == 0 ? run.Json() : nlohmann::json::object();
  };
  auto all_remote = in_one("rate-all-remote");
  StopRole(volume_);
  StartRole(volume_, "all", {"backup_attach = auto"});
  auto all_local = in_one("rate-all-local");
  EXPECT_EQ(roles.value("source_kind", ""), "temp-snapshot-attached");
  EXPECT_EQ(all_remote.value("source_kind", ""), "temp-snapshot-attached");
  EXPECT_EQ(all_local.value("source_kind", ""), "temp-snapshot-local");
  std::printf(
      "backup of 1 GiB of data: %.1f MB/s role backup + role volume (libiscsi), %.1f MB/s role "
      "all through libiscsi, %.1f MB/s role all local\n",
      roles.value("mb_per_s", 0.0), all_remote.value("mb_per_s", 0.0),
      all_local.value("mb_per_s", 0.0));
  RecordProperty("mb_per_s_roles", std::to_string(roles.value("mb_per_s", 0.0)));
  RecordProperty("mb_per_s_all_libiscsi", std::to_string(all_remote.value("mb_per_s", 0.0)));
  RecordProperty("mb_per_s_all_local", std::to_string(all_local.value("mb_per_s", 0.0)));
}

}  // namespace
}  // namespace bb::it
