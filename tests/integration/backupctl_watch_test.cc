// Progress streaming through backupctl against the real daemon: --wait's progress on stderr (JSON
// lines, plain lines), `backup watch`, and its refusals.
#include <filesystem>
#include <sstream>

#include "tests/integration/backupctl_fixture.h"

namespace bb::it {
namespace {

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("phase")) lines.push_back(j);
  }
  return lines;
}

TEST_F(BackupctlTest, JsonWaitStreamsProgressOnStderrAndTheRecordOnStdout) {
  v1::Volume volume = CreateVolume(1, "watch-json");
  WritePattern(volume.id(), 0, 384 * kMiB, 11);
  CliRun run = Cli({"--json", "backup", "create", volume.id(), "--wait"});
  ASSERT_EQ(run.code, 0) << run.Describe();
  EXPECT_EQ(run.Json()["status"], "available") << run.Describe();
  auto lines = JsonLines(run.err);
  ASSERT_FALSE(lines.empty()) << run.Describe();
  bool saw_copy = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["backup_id"], run.Json()["id"]);
    EXPECT_EQ(lines[i]["operation"], "create");
    if (i > 0) {
      EXPECT_GE(lines[i]["bytes_done"], lines[i - 1]["bytes_done"]) << run.err;
    }
    if (lines[i]["phase"] == "copy") {
      saw_copy = true;
      EXPECT_EQ(lines[i]["bytes_total"], kGiB);
    }
  }
  EXPECT_TRUE(saw_copy) << run.err;
  EXPECT_EQ(lines.back()["phase"], "done");
  EXPECT_EQ(lines.back()["status"], "available");
  EXPECT_GT(lines.back()["mb_per_s"].get<double>(), 0.0);

  // A finished backup: one message. Then a delete, followed to its end.
  CliRun watched = Cli({"--json", "backup", "watch", run.Json()["id"]});
  ASSERT_EQ(watched.code, 0) << watched.Describe();
  ASSERT_EQ(JsonLines(watched.err).size(), 1u) << watched.Describe();
  EXPECT_EQ(watched.Json()["phase"], "done");
  CliRun deleted = Cli({"--json", "backup", "delete", run.Json()["id"], "--wait"});
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  auto del = JsonLines(deleted.err);
  ASSERT_FALSE(del.empty()) << deleted.Describe();
  EXPECT_EQ(del.back()["phase"], "done");
  EXPECT_EQ(del.back()["status"], "deleted");
}

TEST_F(BackupctlTest, PlainProgressLinesWithoutATerminal) {
  v1::Volume volume = CreateVolume(1, "watch-plain");
  WritePattern(volume.id(), 0, 8 * kMiB, 3);
  CliRun run = Cli({"backup", "create", volume.id(), "--wait"});
  ASSERT_EQ(run.code, 0) << run.Describe();
  EXPECT_EQ(run.err.find('\r'), std::string::npos) << run.Describe();
  EXPECT_NE(run.err.find(" create: done 100% 1024/1024 MiB"), std::string::npos) << run.Describe();
  EXPECT_NE(run.out.find("available\n"), std::string::npos) << run.Describe();
  CliRun quiet = Cli({"backup", "create", volume.id(), "--wait", "--quiet"});
  ASSERT_EQ(quiet.code, 0) << quiet.Describe();
  EXPECT_EQ(quiet.err, "") << quiet.Describe();
}

TEST_F(BackupctlTest, WatchRefusesBadIdsAndOtherProjects) {
  ExpectRefused(Cli({"backup", "watch", "not-a-uuid"}), "INVALID_ARGUMENT", "backup_id");
  ExpectRefused(Cli({"backup", "watch", NewUuid(), "--restore"}), "NOT_FOUND", "not found");
  v1::Volume volume = CreateVolume(1, "watch-other");
  v1::Backup backup = BackupAndWait(volume.id());
  ExpectRefused(Cli({"backup", "watch", backup.id()}, As::kTenant, "someone_else"), "NOT_FOUND",
                "not found");
}

TEST_F(BackupctlTest, FailedRestoreEndsWithPhaseErrorAndExitOne) {
  v1::Volume volume = CreateVolume(1, "watch-restore-fail");
  WritePattern(volume.id(), 0, 4 * kMiB, 5);
  v1::Backup backup = BackupAndWait(volume.id());
  // Take the data away (v1 chunks or v2 packs; the manifest stays): the restore fails reading.
  std::vector<std::filesystem::path> chunk_dirs;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(daemon_->store_dir())) {
    if (entry.is_directory() &&
        (entry.path().filename() == "chunks" || entry.path().filename() == "packs")) {
      chunk_dirs.push_back(entry.path());
    }
  }
  ASSERT_FALSE(chunk_dirs.empty());
  for (const auto& dir : chunk_dirs) std::filesystem::remove_all(dir);
  CliRun run = Cli({"--json", "backup", "restore", backup.id(), "--wait"});
  EXPECT_EQ(run.code, 1) << run.Describe();
  auto lines = JsonLines(run.err);
  ASSERT_FALSE(lines.empty()) << run.Describe();
  EXPECT_EQ(lines.back()["operation"], "restore");
  EXPECT_EQ(lines.back()["phase"], "error") << run.Describe();
  EXPECT_NE(lines.back()["fail_reason"], "") << run.Describe();
  EXPECT_EQ(run.Json()["status"], "error") << run.Describe();
}

}  // namespace
}  // namespace bb::it
