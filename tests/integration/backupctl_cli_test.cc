// backupctl against the real daemon: the basic commands and their refusals as an operator sees
// them (exit status, stderr). Feature-specific CLI tests live in backupctl_*_test.cc beside it.
#include "tests/integration/backupctl_fixture.h"

namespace bb::it {
namespace {

TEST_F(BackupctlTest, CreateShowListBackupAsJson) {
  v1::Volume volume = CreateVolume(1, "cli-basic");
  WritePattern(volume.id(), 0, 4 * kMiB, 7);
  CliRun created = Cli({"--json", "backup", "create", volume.id(), "--name", "b1", "--wait"});
  ASSERT_EQ(created.code, 0) << created.Describe();
  auto backup = created.Json();
  ASSERT_TRUE(backup.is_object()) << created.Describe();
  EXPECT_EQ(backup["status"], "available");
  EXPECT_EQ(backup["name"], "b1");
  std::string id = backup["id"];

  CliRun shown = Cli({"--json", "backup", "show", id});
  ASSERT_EQ(shown.code, 0) << shown.Describe();
  EXPECT_EQ(shown.Json()["id"], id);
}

TEST_F(BackupctlTest, BadInputIsUsageOrInvalidArgument) {
  CliRun bad_id = Cli({"backup", "show", "not-a-uuid"});
  ExpectRefused(bad_id, "INVALID_ARGUMENT", "backup_id");
  CliRun missing = Cli({"backup", "show", NewUuid()});
  ExpectRefused(missing, "NOT_FOUND", "not found");
  CliRun unknown_option = Cli({"backup", "show", NewUuid(), "--force"});
  EXPECT_EQ(unknown_option.code, 2) << unknown_option.Describe();
  EXPECT_NE(unknown_option.err.find("does not take --force"), std::string::npos);
  CliRun missing_arg = Cli({"backup", "create"});
  EXPECT_EQ(missing_arg.code, 2) << missing_arg.Describe();
}

TEST_F(BackupctlTest, ForceDeleteNeedsTheOperatorToken) {
  v1::Volume volume = CreateVolume(1, "cli-force-delete");
  v1::Backup backup = BackupAndWait(volume.id());
  CliRun tenant = Cli({"backup", "delete", backup.id(), "--force"});
  ExpectRefused(tenant, "PERMISSION_DENIED", "force delete is an admin operation");
  EXPECT_EQ(GetBackupStatus(backup.id()), "available");
  CliRun op = Cli({"--json", "backup", "delete", backup.id(), "--force", "--wait"}, As::kOperator);
  EXPECT_EQ(op.code, 0) << op.Describe();
  CliRun bad_file = Cli({"--operator-token-file", "/nonexistent/token", "backup", "list"});
  EXPECT_EQ(bad_file.code, 2) << bad_file.Describe();
  EXPECT_NE(bad_file.err.find("cannot read the operator token file"), std::string::npos)
      << bad_file.Describe();
}

}  // namespace
}  // namespace bb::it
