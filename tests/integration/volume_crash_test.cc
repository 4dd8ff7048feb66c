// Crash tests of the volume and snapshot operations: for every failpoint of them
// (model/failpoints.cc, "volume.*" and "snapshot.*"), a real backupd on a reflink XFS (needs
// root: a loop mount, loop devices for attach) is SIGKILLed there by the failpoint, restarted,
// and the test checks the real system: every volume and snapshot of the project is in a resting
// status (the one the restart rule in model/state_machine.cc gives), no loop device backs a
// file of the volume directory (losetup), the directory holds exactly the files of the
// remaining records, and everything can then be deleted, leaving the directory empty.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <set>
#include <sstream>

#include "backup_service/model/failpoints.h"
#include "tests/integration/backupd_grpc_fixture.h"
#include "volume_drivers/testing/scratch_xfs.h"

namespace bb::it {
namespace {

class VolumeCrashTest : public BackupdGrpcTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: loop-mounted XFS and loop devices";
    BackupdGrpcTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    StopDaemon();
    auto xfs = bb::testing::ScratchXfs::Create(runner_);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    options_.volumes_dir = xfs_->path();
  }
  void TearDown() override {
    StopDaemon();
    if (xfs_) {
      EXPECT_TRUE(xfs_->Unmount().ok());
    }
  }

  // Starts the daemon with the failpoint under test set to kill it.
  void StartWithKill() {
    BackupdOptions options = options_;
    options.extra_config.push_back("failpoints = " + GetParam() + "=kill");
    StartDaemon(options);
  }

  // The failpoint must have killed the daemon (not some other failure): it exits by SIGKILL.
  void ExpectKilledAtFailpoint(const grpc::Status& rpc) {
    EXPECT_EQ(rpc.error_code(), grpc::StatusCode::UNAVAILABLE) << rpc.error_message();
    auto status = daemon_->WaitForExit(std::chrono::seconds(30));
    ASSERT_TRUE(status.ok()) << "backupd did not die at " << GetParam() << "; log:\n"
                             << daemon_->Log();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
    KillDaemon();  // forgets the dead process (its stubs and work directory)
  }

  std::string Attach(const std::string& volume_id) {
    v1::AttachVolumeRequest request;
    request.set_volume_id(volume_id);
    request.set_instance_uuid(NewUuid());
    v1::Attachment attachment;
    grpc::Status s = volumes_->AttachVolume(Ctx().get(), request, &attachment);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return attachment.device();
  }

  std::string Snapshot(const std::string& volume_id) {
    v1::CreateSnapshotRequest request;
    request.set_volume_id(volume_id);
    v1::Snapshot snapshot;
    grpc::Status s = volumes_->CreateSnapshot(Ctx().get(), request, &snapshot);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return snapshot.id();
  }

  std::vector<v1::Volume> Volumes() {
    v1::ListVolumesRequest request;
    v1::ListVolumesResponse response;
    grpc::Status s = volumes_->ListVolumes(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.volumes().begin(), response.volumes().end()};
  }

  std::vector<v1::Snapshot> Snapshots() {
    v1::ListSnapshotsRequest request;
    v1::ListSnapshotsResponse response;
    grpc::Status s = volumes_->ListSnapshots(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.snapshots().begin(), response.snapshots().end()};
  }

  std::set<std::string> Files() {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(xfs_->path())) {
      out.insert(e.path().filename().string());
    }
    return out;
  }

  // Loop devices whose backing file is in the volume directory (`losetup --list`).
  std::vector<std::string> LoopDevices() {
    auto r = RunChecked(
        runner_, {"losetup", "--list", "--noheadings", "--raw", "--output", "NAME,BACK-FILE"});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    std::istringstream lines(r->out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" " + xfs_->path() + "/") != std::string::npos) out.push_back(line);
    }
    return out;
  }

  // After the restart: every record resting, files = records, no device; then all deletable.
  void ExpectRestingAndNothingLeaked() {
    const std::set<std::string> resting_volumes = {"available", "in-use", "error",
                                                   "error_restoring"};
    std::set<std::string> expected_files;
    for (const auto& v : Volumes()) {
      EXPECT_TRUE(resting_volumes.count(v.status())) << v.id() << " is " << v.status();
      EXPECT_EQ(v.attachments_size(), 0) << v.id();
      if (v.status() != "error") expected_files.insert("volume-" + v.id());
    }
    for (const auto& s : Snapshots()) {
      EXPECT_TRUE(s.status() == "available" || s.status() == "error")
          << s.id() << " is " << s.status();
      if (s.status() != "error") expected_files.insert("snapshot-" + s.id());
    }
    EXPECT_EQ(Files(), expected_files);
    EXPECT_TRUE(LoopDevices().empty()) << LoopDevices()[0];
    // Resting means usable: everything can be deleted, and nothing stays behind.
    for (const auto& s : Snapshots()) {
      v1::DeleteSnapshotRequest request;
      request.set_snapshot_id(s.id());
      v1::DeleteSnapshotResponse response;
      grpc::Status st = volumes_->DeleteSnapshot(Ctx().get(), request, &response);
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    for (const auto& v : Volumes()) {
      v1::DeleteVolumeRequest request;
      request.set_volume_id(v.id());
      v1::DeleteVolumeResponse response;
      grpc::Status st = volumes_->DeleteVolume(Ctx().get(), request, &response);
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    EXPECT_TRUE(Files().empty());
  }

  SystemCommandRunner runner_;
  std::unique_ptr<bb::testing::ScratchXfs> xfs_;
  BackupdOptions options_;
};

TEST_P(VolumeCrashTest, RestartLeavesRestingRecordsAndNothingElse) {
  const std::string fp = GetParam();
  StartWithKill();
  // Setup that does not reach the failpoint, then the operation that does.
  std::string volume_id;
  std::string snapshot_id;
  if (!fp.starts_with("volume.create.")) volume_id = CreateVolume(1, "v").id();
  if (fp.starts_with("volume.detach.")) {
    ASSERT_FALSE(Attach(volume_id).empty());
  }
  if (fp.starts_with("snapshot.delete.")) snapshot_id = Snapshot(volume_id);
  ASSERT_FALSE(HasFailure());

  grpc::Status rpc;
  if (fp.starts_with("volume.create.")) {
    v1::CreateVolumeRequest request;
    request.set_size_gib(1);
    v1::Volume out;
    rpc = volumes_->CreateVolume(Ctx().get(), request, &out);
  } else if (fp.starts_with("volume.delete.")) {
    v1::DeleteVolumeRequest request;
    request.set_volume_id(volume_id);
    v1::DeleteVolumeResponse out;
    rpc = volumes_->DeleteVolume(Ctx().get(), request, &out);
  } else if (fp.starts_with("volume.attach.")) {
    v1::AttachVolumeRequest request;
    request.set_volume_id(volume_id);
    request.set_instance_uuid(NewUuid());
    v1::Attachment out;
    rpc = volumes_->AttachVolume(Ctx().get(), request, &out);
  } else if (fp.starts_with("volume.detach.")) {
    v1::DetachVolumeRequest request;
    request.set_volume_id(volume_id);
    v1::Volume out;
    rpc = volumes_->DetachVolume(Ctx().get(), request, &out);
  } else if (fp.starts_with("snapshot.create.")) {
    v1::CreateSnapshotRequest request;
    request.set_volume_id(volume_id);
    v1::Snapshot out;
    rpc = volumes_->CreateSnapshot(Ctx().get(), request, &out);
  } else if (fp.starts_with("snapshot.delete.")) {
    v1::DeleteSnapshotRequest request;
    request.set_snapshot_id(snapshot_id);
    v1::DeleteSnapshotResponse out;
    rpc = volumes_->DeleteSnapshot(Ctx().get(), request, &out);
  } else {
    FAIL() << "no operation for failpoint " << fp;
  }
  ExpectKilledAtFailpoint(rpc);
  if (HasFatalFailure()) return;

  StartDaemon(options_);  // restart cleanup runs before the daemon serves
  // The status each restart rule gives (model/state_machine.cc).
  std::vector<v1::Volume> volumes = Volumes();
  std::vector<v1::Snapshot> snapshots = Snapshots();
  if (fp.starts_with("volume.create.")) {
    ASSERT_EQ(volumes.size(), 1u);
    EXPECT_EQ(volumes[0].status(), "error");  // rolled back, the driver volume removed
  } else if (fp.starts_with("volume.delete.")) {
    EXPECT_TRUE(volumes.empty());  // the delete finished
  } else {
    ASSERT_EQ(volumes.size(), 1u);
    EXPECT_EQ(volumes[0].status(), "available");  // attach rolled back / detach finished
  }
  if (fp.starts_with("snapshot.create.")) {
    ASSERT_EQ(snapshots.size(), 1u);
    EXPECT_EQ(snapshots[0].status(), "error");
  } else {
    EXPECT_TRUE(snapshots.empty());  // none made, or the delete finished
  }
  ExpectRestingAndNothingLeaked();
}

std::vector<std::string> VolumeFailpoints() {
  std::vector<std::string> out;
  for (const auto& f : AllFailpoints()) {
    if (f.name.starts_with("volume.") || f.name.starts_with("snapshot.")) {
      out.emplace_back(f.name);
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryVolumeFailpoint, VolumeCrashTest,
                         ::testing::ValuesIn(VolumeFailpoints()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

TEST(VolumeFailpointsTest, EveryOperationHasBeforeAndAfterItsSideEffect) {
  // The crash test above derives its cases from the table; this keeps the table complete.
  std::vector<std::string> names = VolumeFailpoints();
  for (const char* op : {"volume.create", "volume.delete", "snapshot.create", "snapshot.delete"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), std::string(op) + ".after_begin"), 1) << op;
    EXPECT_EQ(std::count(names.begin(), names.end(), std::string(op) + ".after_driver"), 1) << op;
  }
  EXPECT_EQ(names.size(), 12u);
}

}  // namespace
}  // namespace bb::it
