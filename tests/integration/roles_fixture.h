// RolesTest: two real backupd processes on one PostgreSQL database, a role volume daemon (file
// driver on a scratch reflink XFS, exports through tgtd: file_driver_target_helper = tgt, on a
// fixed port so that it keeps its address across restarts) and a role backup daemon reaching it
// (volume_host_address), both with one operator token file; the real backupctl talks to both
// (--endpoint the backup daemon, --volume-endpoint the volume daemon). Needs root (XFS loop
// mount, tgtd; tgtd is started through devstack/lib/tgt.sh when none runs) and PostgreSQL.
// Thread-safety: test thread only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/scratch_xfs.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {

// A port free now on 127.0.0.1: the volume daemon keeps one across its restarts, as a real
// volume host keeps its address.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// tgtd's targets whose IQN contains `id` (other helpers' and tests' targets are ignored).
inline std::vector<std::string> TargetsOf(const std::string& id) {
  SystemCommandRunner runner;
  auto r = RunChecked(runner, {"tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show"});
  if (!r.ok()) return {"tgtadm failed: " + r.status().ToString()};
  std::vector<std::string> out;
  std::istringstream in(r->out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Target ") && line.find(id) != std::string::npos) out.push_back(line);
  }
  return out;
}

// The snapshot id in a source_device "iscsi://PORTAL/iqn...:snapshot-ID/LUN".
inline std::string SnapshotIdOf(const std::string& source_device) {
  size_t at = source_device.find(":snapshot-");
  return at == std::string::npos ? "" : source_device.substr(at + 10, 36);
}

inline Result<std::string> TgtScript(const std::string& arg) {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r,
                   RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", arg}));
  return r.out;
}

class RolesTest : public BackupctlTest {
 protected:
  static void SetUpTestSuite() {
    BackupctlTest::SetUpTestSuite();
    if (geteuid() != 0) return;
    auto out = TgtScript("start");
    if (out.ok()) started_tgtd_ = out->find("started") != std::string::npos;
  }
  static void TearDownTestSuite() {
    if (started_tgtd_) (void)TgtScript("stop");
    BackupctlTest::TearDownTestSuite();
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: loop-mounted XFS and tgtd";
    BackupctlTest::SetUp();  // database, project, and a role-all daemon this test does not use
    if (HasFatalFailure() || IsSkipped()) return;
    StopDaemon();
    auto xfs = bb::testing::ScratchXfs::Create(runner_, 4ll << 30);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    auto dir = bb::testing::TempDir::Create("bb-it-roles-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_.emplace(std::move(dir).value());
    token_file_ = dir_->path() + "/operator-token";
    token_ = "op-" + NewUuid() + NewUuid();
    std::ofstream(token_file_) << token_ << "\n";
    volume_port_ = FreePort();
    ASSERT_GT(volume_port_, 0);
    volume_host_ = "vol-" + NewUuid().substr(0, 8);
    backup_host_ = "bak-" + NewUuid().substr(0, 8);
  }
  void TearDown() override {
    StopRole(backup_);
    StopRole(volume_);
    if (xfs_) {
      EXPECT_TRUE(xfs_->Unmount().ok());
    }
  }

  std::string VolumeAddress() const { return "127.0.0.1:" + std::to_string(volume_port_); }
  Result<std::unique_ptr<BackupdProcess>> TryStartRole(const std::string& role,
                                                       std::vector<std::string> extra) {
    BackupdOptions options;
    options.volumes_dir = xfs_->path();
    options.store_dir = dir_->path();
    options.extra_config = {"role = " + role, "operator_token_file = " + token_file_};
    if (role != "backup") {  // volume, or all (one daemon on the volume host's address)
      options.extra_config.insert(options.extra_config.end(),
                                  {"host = " + volume_host_, "listen = " + VolumeAddress(),
                                   "file_driver_target_helper = tgt"});
    } else {
      options.without_volume_driver = true;
      options.extra_config.insert(
          options.extra_config.end(),
          {"host = " + backup_host_, "volume_host_address = " + VolumeAddress()});
    }
    for (auto& line : extra) options.extra_config.push_back(std::move(line));
    return BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, options);
  }
  void StartRole(std::unique_ptr<BackupdProcess>& d, const std::string& role,
                 std::vector<std::string> extra = {}) {
    auto started = TryStartRole(role, std::move(extra));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    d = std::move(started).value();
  }
  void StopRole(std::unique_ptr<BackupdProcess>& d) {
    if (!d) return;
    auto code = d->Stop(std::chrono::seconds(120));
    EXPECT_TRUE(code.ok() && *code == 0) << d->Log();
    d.reset();
  }

  // backupctl with backups on the backup daemon and volumes on the volume daemon.
  CliRun Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--volume-endpoint", VolumeAddress()});
    return RunBackupctl(backup_->endpoint(), project_, "", args, std::chrono::seconds(300));
  }
  std::string CreateVolume(const std::string& name) {
    CliRun run = Ctl({"--json", "volume", "create", "--size-gib", "1", "--name", name});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.Json().value("id", "");
  }
  std::string VolumeStatus(const std::string& id) {
    CliRun run = Ctl({"--json", "volume", "show", id});
    return run.code == 0 ? run.Json().value("status", "") : run.Describe();
  }
  nlohmann::json ShowBackup(const std::string& id) {
    CliRun run = Ctl({"--json", "backup", "show", id});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.code == 0 ? run.Json() : nlohmann::json::object();
  }
  std::string File(const std::string& volume_id) { return xfs_->path() + "/volume-" + volume_id; }
  std::vector<std::string> Query(const std::string& sql) {
    return QueryRows(database_->conninfo(), sql);
  }
  // Polls (10 ms) until the backup copies with some bytes done, up to 60 s.
  nlohmann::json WaitForCopy(const std::string& id) {
    nlohmann::json seen;
    for (int i = 0; i < 6000; ++i) {
      seen = ShowBackup(id);
      if (seen.value("job_phase", "") == "copy" && seen.value("bytes_done", 0) >= 8 * kMiB) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return seen;
  }
  // Starts a forced backup of `volume_id` and waits until it copies from its temporary
  // snapshot. Returns the backup id and the snapshot id; the snapshot id is empty (and the test
  // has failed) when the backup did not get there.
  std::pair<std::string, std::string> StartForcedBackupInCopy(const std::string& volume_id) {
    CliRun started = Ctl({"--json", "backup", "create", volume_id, "--force"});
    if (started.code != 0) {
      ADD_FAILURE() << started.Describe();
      return {};
    }
    std::string backup_id = started.Json().value("id", "");
    nlohmann::json seen = WaitForCopy(backup_id);
    if (seen.value("job_phase", "") != "copy") {
      ADD_FAILURE() << seen.dump() << backup_->Log();
      return {backup_id, ""};
    }
    std::string snap = SnapshotIdOf(seen.value("source_device", ""));
    if (snap.size() != 36) ADD_FAILURE() << "no snapshot in " << seen.dump();
    return {backup_id, snap};
  }
  nlohmann::json WaitWhileCreating(const std::string& id) {
    nlohmann::json seen;
    for (int i = 0; i < 3000; ++i) {
      seen = ShowBackup(id);
      if (seen.value("status", "") != "creating") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return seen;
  }
  // Nothing of the remote path is left on the volume host.
  void ExpectNothingLeft(const std::string& volume_id, const std::string& snapshot_id) {
    EXPECT_TRUE(TargetsOf(snapshot_id).empty()) << "the snapshot's target was left";
    EXPECT_TRUE(Query("SELECT id FROM snapshots WHERE is_temporary").empty());
    EXPECT_TRUE(Query("SELECT id FROM backups WHERE temp_snapshot_id IS NOT NULL").empty());
    EXPECT_FALSE(std::filesystem::exists(xfs_->path() + "/snapshot-" + snapshot_id));
    EXPECT_EQ(Query("SELECT count(*) FROM snapshots WHERE provider_auth <> ''"),
              std::vector<std::string>{"0"});
    EXPECT_EQ(VolumeStatus(volume_id), "in-use");
  }

  SystemCommandRunner runner_;
  std::unique_ptr<bb::testing::ScratchXfs> xfs_;
  std::optional<bb::testing::TempDir> dir_;
  std::string token_file_;
  std::string token_;
  int volume_port_ = 0;
  std::string volume_host_;
  std::string backup_host_;
  std::unique_ptr<BackupdProcess> volume_;
  std::unique_ptr<BackupdProcess> backup_;
  static inline bool started_tgtd_ = false;
};

}  // namespace bb::it
