// BackupdGrpcTest: fixture for the backupd gRPC integration suite. Each test gets its own
// daemon (BackupdProcess) and its own project (x-project-id); the database is created once per
// test process (TestDatabase). Helpers wrap the common RPC sequences and compare volume files
// through volumes_dir/volume-<id> (the file driver's layout), since attaching needs root.
// Thread-safety: test thread only.
#pragma once

#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "backup.grpc.pb.h"
#include "backup_service/common/uuid.h"
#include "tests/integration/backupd_harness.h"
#include "volume.grpc.pb.h"

namespace bb::it {

inline constexpr int64_t kGiB = int64_t{1} << 30;
inline constexpr int64_t kMiB = int64_t{1} << 20;

// Writes `length` deterministic pseudo-random bytes (seeded) at `offset` of the file at `path`
// (the file driver keeps volumes as volumes_dir/volume-<id>).
inline void WritePatternToFile(const std::string& path, int64_t offset, int64_t length,
                               uint32_t seed) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << "open " << path << ": " << std::strerror(errno);
  std::vector<char> data(length);
  uint32_t x = seed;
  for (auto& c : data) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  ASSERT_EQ(pwrite(fd, data.data(), data.size(), offset), static_cast<ssize_t>(data.size()));
  close(fd);
}

class BackupdGrpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CreateSuiteDatabase(&database_, &setup_error_);  // none: SetUp skips or fails
  }
  static void TearDownTestSuite() {
    delete database_;
    database_ = nullptr;
  }

  void SetUp() override {
    if (setup_error_ != nullptr) FAIL() << "cannot create the test database: " << *setup_error_;
    if (database_ == nullptr) {
      GTEST_SKIP() << "BB_TEST_PG_CONNINFO is not set: run tests/run.sh, which starts PostgreSQL";
    }
    project_ = "it_" + NewUuid().substr(0, 8);
    StartDaemon();
  }

  void TearDown() override { StopDaemon(); }

  // Starts a daemon (on the test's database) and connects the stubs to it.
  void StartDaemon(const BackupdOptions& options = {}) {
    // BB_BACKUPD_BINARY: another build of the daemon (e.g. a copy a long soak keeps running
    // while the tree is rebuilt).
    const char* binary = std::getenv("BB_BACKUPD_BINARY");
    auto daemon =
        BackupdProcess::Start(binary != nullptr && *binary != '\0' ? binary : BB_BACKUPD_PATH,
                              database_->conninfo(), BB_SCHEMA_DIR, options);
    ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
    daemon_ = std::move(daemon).value();
    auto channel = grpc::CreateChannel(daemon_->endpoint(), grpc::InsecureChannelCredentials());
    volumes_ = v1::VolumeService::NewStub(channel);
    backups_ = v1::BackupService::NewStub(channel);
  }

  // SIGTERM; expects a clean exit.
  void StopDaemon() {
    if (!daemon_) return;
    // Close the connection first: an open client connection keeps the server's shutdown
    // waiting for its grace period.
    volumes_.reset();
    backups_.reset();
    auto code = daemon_->Stop(std::chrono::seconds(120));
    ASSERT_TRUE(code.ok()) << code.status().ToString() << "\nlog:\n" << daemon_->Log();
    EXPECT_EQ(*code, 0) << "backupd exit code after SIGTERM; log:\n" << daemon_->Log();
    daemon_.reset();
  }

  // SIGKILL (a crash); the daemon's work directory is removed, options' directories are kept.
  void KillDaemon() {
    if (!daemon_) return;
    volumes_.reset();
    backups_.reset();
    daemon_->Kill();
    daemon_.reset();
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& project = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-project-id", project.empty() ? project_ : project);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return context;
  }

  // A call of the operator (admin): Ctx() plus the daemon's operator token.
  std::unique_ptr<grpc::ClientContext> AdminCtx(const std::string& project = "") {
    auto context = Ctx(project);
    context->AddMetadata("x-operator-token", daemon_->operator_token());
    return context;
  }

  std::string GetBackupStatus(const std::string& backup_id) {
    v1::GetBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup backup;
    grpc::Status s = backups_->GetBackup(Ctx().get(), request, &backup);
    return s.ok() ? backup.status() : "error " + std::to_string(s.error_code());
  }

  v1::Volume CreateVolume(int64_t size_gib, const std::string& name) {
    v1::CreateVolumeRequest request;
    request.set_size_gib(size_gib);
    request.set_name(name);
    v1::Volume volume;
    grpc::Status s = volumes_->CreateVolume(Ctx().get(), request, &volume);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(volume.status(), "available");
    return volume;
  }

  v1::Volume GetVolume(const std::string& id) {
    v1::GetVolumeRequest request;
    request.set_volume_id(id);
    v1::Volume volume;
    grpc::Status s = volumes_->GetVolume(Ctx().get(), request, &volume);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return volume;
  }

  // Polls GetBackup every 200 ms while the backup is in `transitional` (up to 5 minutes).
  // NOT_FOUND ends the wait (a deleted backup may disappear) and is reported through *gone.
  v1::Backup WaitWhile(const std::string& backup_id, const std::string& transitional,
                       bool* gone = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    v1::Backup backup;
    while (std::chrono::steady_clock::now() < deadline) {
      v1::GetBackupRequest request;
      request.set_backup_id(backup_id);
      grpc::Status s = backups_->GetBackup(Ctx().get(), request, &backup);
      if (s.error_code() == grpc::StatusCode::NOT_FOUND && gone != nullptr) {
        *gone = true;
        return backup;
      }
      if (!s.ok()) {
        ADD_FAILURE() << "GetBackup: " << s.error_message();
        return backup;
      }
      if (backup.status() != transitional) return backup;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "backup " << backup_id << " still " << transitional << " after 5 minutes";
    return backup;
  }

  v1::Backup BackupAndWait(const std::string& volume_id, bool incremental = false) {
    v1::CreateBackupRequest request;
    request.set_volume_id(volume_id);
    request.set_incremental(incremental);
    v1::Backup backup;
    grpc::Status s = backups_->CreateBackup(Ctx().get(), request, &backup);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) return backup;
    EXPECT_EQ(backup.status(), "creating");
    v1::Backup done = WaitWhile(backup.id(), "creating");
    EXPECT_EQ(done.status(), "available") << done.fail_reason();
    return done;
  }

  // Restores (into volume_id, or a new volume when empty) and waits; returns the target volume.
  v1::Volume RestoreAndWait(const std::string& backup_id, const std::string& volume_id) {
    v1::RestoreBackupRequest request;
    request.set_backup_id(backup_id);
    request.set_volume_id(volume_id);
    v1::RestoreBackupResponse response;
    grpc::Status s = backups_->RestoreBackup(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) return {};
    EXPECT_EQ(response.backup_id(), backup_id);
    if (!volume_id.empty()) {
      EXPECT_EQ(response.volume_id(), volume_id);
    }
    EXPECT_EQ(response.backup().status(), "restoring");
    v1::Backup done = WaitWhile(backup_id, "restoring");
    EXPECT_EQ(done.status(), "available") << done.fail_reason();
    v1::Volume volume = GetVolume(response.volume_id());
    EXPECT_EQ(volume.status(), "available");
    return volume;
  }

  std::string VolumeFile(const std::string& volume_id) {
    return daemon_->volumes_dir() + "/volume-" + volume_id;
  }

  // Writes `length` deterministic pseudo-random bytes (seeded) at `offset` of the volume file.
  void WritePattern(const std::string& volume_id, int64_t offset, int64_t length, uint32_t seed) {
    WritePatternToFile(VolumeFile(volume_id), offset, length, seed);
  }

  void ExpectSameContent(const std::string& volume_a, const std::string& volume_b) {
    ExpectSameFiles(VolumeFile(volume_a), VolumeFile(volume_b));
  }

  void ExpectSameFiles(const std::string& path_a, const std::string& path_b) {
    int a = open(path_a.c_str(), O_RDONLY | O_CLOEXEC);
    int b = open(path_b.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(a, 0) << path_a;
    ASSERT_GE(b, 0) << path_b;
    std::vector<char> buf_a(4 * kMiB), buf_b(4 * kMiB);
    for (int64_t offset = 0;; offset += static_cast<int64_t>(buf_a.size())) {
      ssize_t na = pread(a, buf_a.data(), buf_a.size(), offset);
      ssize_t nb = pread(b, buf_b.data(), buf_b.size(), offset);
      ASSERT_EQ(na, nb) << "sizes differ at offset " << offset;
      if (na <= 0) break;
      ASSERT_EQ(std::memcmp(buf_a.data(), buf_b.data(), na), 0)
          << "content differs in the 4 MiB block at offset " << offset;
    }
    close(a);
    close(b);
  }

  static inline TestDatabase* database_ = nullptr;
  static inline std::string* setup_error_ = nullptr;
  std::unique_ptr<BackupdProcess> daemon_;
  std::unique_ptr<v1::VolumeService::Stub> volumes_;
  std::unique_ptr<v1::BackupService::Stub> backups_;
  std::string project_;
};

}  // namespace bb::it
