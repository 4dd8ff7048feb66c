// backupctl backup update / reset-status against the real daemon: what changes, who may, and
// every refusal (exit status 1 or 2, the gRPC code, a message that says what to fix).
#include <filesystem>

#include "tests/integration/backupctl_fixture.h"

namespace bb::it {
namespace {

TEST_F(BackupctlTest, UpdateChangesNameAndDescription) {
  v1::Volume volume = CreateVolume(1, "cli-update");
  v1::Backup backup = BackupAndWait(volume.id());
  CliRun named = Cli({"--json", "backup", "update", backup.id(), "--name", "nightly"});
  ASSERT_EQ(named.code, 0) << named.Describe();
  EXPECT_EQ(named.Json()["name"], "nightly");
  CliRun described =
      Cli({"--json", "backup", "update", backup.id(), "--description", "before upgrade"});
  ASSERT_EQ(described.code, 0) << described.Describe();
  EXPECT_EQ(described.Json()["name"], "nightly");
  EXPECT_EQ(described.Json()["description"], "before upgrade");
  EXPECT_EQ(described.Json()["status"], "available");
}

TEST_F(BackupctlTest, UpdateRefusals) {
  v1::Volume volume = CreateVolume(1, "cli-update-bad");
  v1::Backup backup = BackupAndWait(volume.id());
  CliRun nothing = Cli({"backup", "update", backup.id()});
  EXPECT_EQ(nothing.code, 2) << nothing.Describe();
  EXPECT_NE(nothing.err.find("nothing to update"), std::string::npos) << nothing.Describe();
  ExpectRefused(Cli({"backup", "update", backup.id(), "--name", std::string(256, 'n')}),
                "INVALID_ARGUMENT", "name");
  ExpectRefused(Cli({"backup", "update", "12345", "--name", "x"}), "INVALID_ARGUMENT", "backup_id");
  ExpectRefused(Cli({"backup", "update", NewUuid(), "--name", "x"}), "NOT_FOUND", "not found");
  // Another project cannot see it, let alone rename it.
  ExpectRefused(Cli({"backup", "update", backup.id(), "--name", "x"}, As::kTenant, "other_proj"),
                "NOT_FOUND", "not found");
  CliRun shown = Cli({"--json", "backup", "show", backup.id()});
  EXPECT_EQ(shown.Json()["name"], backup.name());  // nothing changed
}

TEST_F(BackupctlTest, ResetStatusIsForTheOperator) {
  v1::Volume volume = CreateVolume(1, "cli-reset");
  v1::Backup backup = BackupAndWait(volume.id());
  ExpectRefused(Cli({"backup", "reset-status", backup.id(), "--status", "error"}),
                "PERMISSION_DENIED", "reset-status is an admin operation");
  EXPECT_EQ(GetBackupStatus(backup.id()), "available");

  CliRun missing = Cli({"backup", "reset-status", backup.id()}, As::kOperator);
  EXPECT_EQ(missing.code, 2) << missing.Describe();
  EXPECT_NE(missing.err.find("--status is required"), std::string::npos);
  ExpectRefused(Cli({"backup", "reset-status", backup.id(), "--status", "deleted"}, As::kOperator),
                "INVALID_ARGUMENT", "status must be available or error");
  ExpectRefused(Cli({"backup", "reset-status", "nope", "--status", "error"}, As::kOperator),
                "INVALID_ARGUMENT", "backup_id");
  ExpectRefused(Cli({"backup", "reset-status", NewUuid(), "--status", "error"}, As::kOperator),
                "NOT_FOUND", "not found");
  EXPECT_EQ(GetBackupStatus(backup.id()), "available");

  CliRun to_error =
      Cli({"--json", "backup", "reset-status", backup.id(), "--status", "error"}, As::kOperator);
  ASSERT_EQ(to_error.code, 0) << to_error.Describe();
  EXPECT_EQ(to_error.Json()["status"], "error");
  EXPECT_NE(to_error.Json()["fail_reason"].get<std::string>().find("reset to error"),
            std::string::npos);
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");  // the volume was never held

  // Back to available: the manifest is in the store, so the backup is whole.
  CliRun to_available = Cli(
      {"--json", "backup", "reset-status", backup.id(), "--status", "available"}, As::kOperator);
  ASSERT_EQ(to_available.code, 0) << to_available.Describe();
  EXPECT_EQ(to_available.Json()["status"], "available");
  EXPECT_EQ(to_available.Json()["fail_reason"], "");
}

TEST_F(BackupctlTest, ResetToAvailableNeedsTheManifest) {
  v1::Volume volume = CreateVolume(1, "cli-reset-manifest");
  v1::Backup backup = BackupAndWait(volume.id());
  ASSERT_EQ(Cli({"backup", "reset-status", backup.id(), "--status", "error"}, As::kOperator).code,
            0);
  // Lose the manifest (as a half-finished delete or a damaged store would).
  int removed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(daemon_->store_dir())) {
    // v1 manifests/<id>.json or v2 manifests/<id>.bbm
    if (entry.path().filename() == backup.id() + ".json" ||
        entry.path().filename() == backup.id() + ".bbm") {
      std::filesystem::remove(entry.path());
      ++removed;
    }
  }
  ASSERT_EQ(removed, 1) << "manifest of " << backup.id() << " not found under "
                        << daemon_->store_dir();
  ExpectRefused(
      Cli({"backup", "reset-status", backup.id(), "--status", "available"}, As::kOperator),
      "FAILED_PRECONDITION", "is not in the object store");
  EXPECT_EQ(GetBackupStatus(backup.id()), "error");  // nothing changed
}

}  // namespace
}  // namespace bb::it
