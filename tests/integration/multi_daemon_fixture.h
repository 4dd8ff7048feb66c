// MultiDaemonTest: several real backupd processes with their own host identities on one
// database, sharing one object store and one volumes directory (as daemons on one storage
// cluster do), driven over gRPC and with the real backupctl. Each test gets its own project and
// host names, so the tests of one process (one database) do not see each other's work.
// Thread-safety: test thread only, except Race(), which runs two calls on two threads.
#pragma once

#include <filesystem>
#include <functional>
#include <latch>
#include <optional>
#include <thread>
#include <utility>

#include "service.grpc.pb.h"
#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {

struct Daemon {
  std::string host;
  std::unique_ptr<BackupdProcess> process;
  std::unique_ptr<v1::VolumeService::Stub> volumes;
  std::unique_ptr<v1::BackupService::Stub> backups;
  std::unique_ptr<v1::ServiceAdmin::Stub> services;
};

class MultiDaemonTest : public BackupctlTest {
 protected:
  // The database and project as BackupdGrpcTest makes them, but no daemon: each test starts its
  // own, after choosing the shared directories (SetUpShared).
  void SetUp() override {
    if (setup_error_ != nullptr) FAIL() << "cannot create the test database: " << *setup_error_;
    if (database_ == nullptr) {
      GTEST_SKIP() << "BB_TEST_PG_CONNINFO is not set: run tests/run.sh, which starts PostgreSQL";
    }
    project_ = "it_" + NewUuid().substr(0, 8);
    auto store = bb::testing::TempDir::Create("bb-it-shared-store-");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_.emplace(std::move(store).value());
  }
  void TearDown() override {
    Stop(a_);
    Stop(b_);
  }

  // Volumes in `dir` (e.g. a reflink XFS) instead of a fresh temporary directory.
  void UseVolumesDir(const std::string& dir) { volumes_dir_ = dir; }
  const std::string& volumes_dir() {
    if (volumes_dir_.empty()) {
      auto dir = bb::testing::TempDir::Create("bb-it-shared-volumes-");
      EXPECT_TRUE(dir.ok()) << dir.status().ToString();
      own_volumes_.emplace(std::move(dir).value());
      volumes_dir_ = own_volumes_->path();
    }
    return volumes_dir_;
  }
  const std::string& store_dir() const { return store_->path(); }

  // A host name unique to this test ("a-1a2b3c4d").
  std::string NewHost(const std::string& prefix) { return prefix + "-" + NewUuid().substr(0, 8); }

  // Starts backupd as `host` on the shared directories; `extra`: more config lines.
  Result<std::unique_ptr<BackupdProcess>> TryStart(const std::string& host,
                                                   std::vector<std::string> extra = {}) {
    BackupdOptions options;
    options.volumes_dir = volumes_dir();
    options.store_dir = store_dir();
    options.extra_config = std::move(extra);
    options.extra_config.push_back("host = " + host);
    return BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, options);
  }
  // Starts `d` (a_ or b_) as `host`.
  void Start(Daemon& d, const std::string& host, std::vector<std::string> extra = {}) {
    auto process = TryStart(host, std::move(extra));
    ASSERT_TRUE(process.ok()) << process.status().ToString();
    d.host = host;
    d.process = std::move(process).value();
    auto channel = grpc::CreateChannel(d.process->endpoint(), grpc::InsecureChannelCredentials());
    d.volumes = v1::VolumeService::NewStub(channel);
    d.backups = v1::BackupService::NewStub(channel);
    d.services = v1::ServiceAdmin::NewStub(channel);
  }
  // SIGTERM; expects a clean exit.
  void Stop(Daemon& d) {
    if (!d.process) return;
    d.volumes.reset();
    d.backups.reset();
    d.services.reset();
    auto code = d.process->Stop(std::chrono::seconds(120));
    EXPECT_TRUE(code.ok()) << code.status().ToString() << "\nlog:\n" << d.process->Log();
    if (code.ok()) {
      EXPECT_EQ(*code, 0) << d.process->Log();
    }
    d.process.reset();
  }
  // SIGKILL: a crash; nothing of the daemon's own cleanup runs.
  void Kill(Daemon& d) {
    d.volumes.reset();
    d.backups.reset();
    d.services.reset();
    d.process->Kill();
    d.process.reset();
  }

  // backupctl against `d` (as the operator when asked).
  CliRun CliOn(Daemon& d, std::vector<std::string> args, As as = As::kTenant) {
    return RunBackupctl(d.process->endpoint(), project_,
                        as == As::kOperator ? d.process->operator_token_file() : "", args,
                        std::chrono::seconds(300));
  }

  v1::Volume CreateVolumeOn(Daemon& d, int64_t size_gib, const std::string& name) {
    v1::CreateVolumeRequest request;
    request.set_size_gib(size_gib);
    request.set_name(name);
    v1::Volume volume;
    grpc::Status s = d.volumes->CreateVolume(Ctx().get(), request, &volume);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return volume;
  }
  std::string VolumeStatusOn(Daemon& d, const std::string& volume_id) {
    v1::GetVolumeRequest request;
    request.set_volume_id(volume_id);
    v1::Volume volume;
    grpc::Status s = d.volumes->GetVolume(Ctx().get(), request, &volume);
    return s.ok() ? volume.status() : "error " + s.error_message();
  }
  v1::Backup GetBackupOn(Daemon& d, const std::string& backup_id) {
    v1::GetBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup backup;
    grpc::Status s = d.backups->GetBackup(Ctx().get(), request, &backup);
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) << s.error_message();
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) backup.set_status("gone");
    return backup;
  }
  // Polls every 100 ms (up to 5 minutes) until `done` says the backup is where the test wants.
  v1::Backup WaitFor(Daemon& d, const std::string& backup_id,
                     const std::function<bool(const v1::Backup&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    v1::Backup backup;
    while (std::chrono::steady_clock::now() < deadline) {
      backup = GetBackupOn(d, backup_id);
      if (done(backup)) return backup;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "backup " << backup_id << " still " << backup.status() << " after 5 min";
    return backup;
  }
  v1::Backup WaitResting(Daemon& d, const std::string& backup_id) {
    return WaitFor(d, backup_id, [](const v1::Backup& b) {
      return b.status() != "creating" && b.status() != "deleting" && b.status() != "restoring";
    });
  }

  std::string SharedVolumeFile(const std::string& volume_id) {
    return volumes_dir() + "/volume-" + volume_id;
  }
  // Deterministic pseudo-random bytes (seeded) at `offset` of the volume's file.
  void WriteSharedPattern(const std::string& volume_id, int64_t offset, int64_t length,
                          uint32_t seed) {
    WritePatternToFile(SharedVolumeFile(volume_id), offset, length, seed);
  }
  // Data objects in the shared store (the posix store keeps them under .../chunks/, v1, or
  // .../packs/, v2).
  int CountChunkObjects() {
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(store_dir())) {
      const std::string path = e.path().string();
      if (e.is_regular_file() && (path.find("/chunks/") != std::string::npos ||
                                  path.find("/packs/") != std::string::npos)) {
        ++n;
      }
    }
    return n;
  }

  // Runs `a` and `b` on two threads released at the same instant; returns both outcomes.
  static std::pair<grpc::Status, grpc::Status> Race(const std::function<grpc::Status()>& a,
                                                    const std::function<grpc::Status()>& b) {
    std::latch start(2);
    grpc::Status ra, rb;
    std::thread ta([&] {
      start.arrive_and_wait();
      ra = a();
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      rb = b();
    });
    ta.join();
    tb.join();
    return {ra, rb};
  }

  std::optional<bb::testing::TempDir> store_;
  std::optional<bb::testing::TempDir> own_volumes_;
  std::string volumes_dir_;
  Daemon a_;  // the tests' two daemons (stopped by TearDown when still running)
  Daemon b_;
};

}  // namespace bb::it
