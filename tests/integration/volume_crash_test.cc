// Crash tests of the volume and snapshot operations: for every failpoint of them
// (model/failpoints.cc, "volume.*" and "snapshot.*"), the real backupd (reflink XFS, loop
// devices: root) is SIGKILLed there by the failpoint and restarted. Restart cleanup must leave
// the status the restart rule in model/state_machine.cc gives, and nothing else: the audit of
// crash_audit.h (records, volume files, `losetup --list`), then everything deletable and the
// volumes directory empty. And the same failpoints returning an error, without a restart.
#include <gtest/gtest.h>

#include <algorithm>

#include "backup_service/model/failpoints.h"
#include "tests/integration/crash_fixture.h"

namespace bb::it {
namespace {

std::vector<std::string> VolumeFailpoints() {
  std::vector<std::string> out;
  for (const auto& f : AllFailpoints()) {
    if (f.name.starts_with("volume.") || f.name.starts_with("snapshot.")) {
      out.emplace_back(f.name);
    }
  }
  return out;
}

class VolumeCrashTest : public CrashTest, public ::testing::WithParamInterface<std::string> {
 protected:
  // The operation the failpoint is in; the daemon dies in it (UNAVAILABLE, no reply).
  grpc::Status Operate(const std::string& fp, const std::string& volume_id,
                       const std::string& snapshot_id) {
    if (fp.starts_with("volume.create.")) {
      v1::CreateVolumeRequest request;
      request.set_size_gib(1);
      v1::Volume out;
      return volumes_->CreateVolume(Ctx().get(), request, &out);
    }
    if (fp.starts_with("volume.delete.")) {
      v1::DeleteVolumeRequest request;
      request.set_volume_id(volume_id);
      v1::DeleteVolumeResponse out;
      return volumes_->DeleteVolume(Ctx().get(), request, &out);
    }
    if (fp.starts_with("volume.attach.")) {
      v1::AttachVolumeRequest request;
      request.set_volume_id(volume_id);
      request.set_instance_uuid(NewUuid());
      v1::Attachment out;
      return volumes_->AttachVolume(Ctx().get(), request, &out);
    }
    if (fp.starts_with("volume.detach.")) {
      v1::DetachVolumeRequest request;
      request.set_volume_id(volume_id);
      v1::Volume out;
      return volumes_->DetachVolume(Ctx().get(), request, &out);
    }
    if (fp.starts_with("snapshot.create.")) {
      v1::CreateSnapshotRequest request;
      request.set_volume_id(volume_id);
      v1::Snapshot out;
      return volumes_->CreateSnapshot(Ctx().get(), request, &out);
    }
    v1::DeleteSnapshotRequest request;
    request.set_snapshot_id(snapshot_id);
    v1::DeleteSnapshotResponse out;
    return volumes_->DeleteSnapshot(Ctx().get(), request, &out);
  }

  // What the operation of `fp` needs and does not itself reach the failpoint: a volume (but for
  // a create), attached for a detach, with a snapshot for a snapshot delete.
  void Prepare(const std::string& fp, std::string* volume_id, std::string* snapshot_id) {
    if (!fp.starts_with("volume.create.")) *volume_id = CreateVolume(1, "v").id();
    if (fp.starts_with("volume.detach.")) {
      ASSERT_FALSE(Attach(*volume_id).device().empty());
    }
    if (fp.starts_with("snapshot.delete.")) *snapshot_id = CreateSnapshot(*volume_id);
    ASSERT_FALSE(HasFailure());
  }

  std::string CreateSnapshot(const std::string& volume_id) {
    v1::CreateSnapshotRequest request;
    request.set_volume_id(volume_id);
    v1::Snapshot snapshot;
    grpc::Status s = volumes_->CreateSnapshot(Ctx().get(), request, &snapshot);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return snapshot.id();
  }

  // "status" per row of the project, e.g. {"error"} for one volume in error.
  std::vector<std::string> Statuses(const std::string& table) {
    return QueryRows(database_->conninfo(),
                     "SELECT status FROM " + table + " WHERE project_id = '" + project_ + "'");
  }
};

TEST_P(VolumeCrashTest, RestartLeavesTheRestingStatusAndNothingElse) {
  const std::string fp = GetParam();
  StartWith(fp + "=kill");
  // Setup that does not reach the failpoint, then the operation that does.
  std::string volume_id, snapshot_id;
  ASSERT_NO_FATAL_FAILURE(Prepare(fp, &volume_id, &snapshot_id));
  grpc::Status rpc = Operate(fp, volume_id, snapshot_id);
  EXPECT_EQ(rpc.error_code(), grpc::StatusCode::UNAVAILABLE) << rpc.error_message();
  ExpectKilledByFailpoint(fp);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(Hits().count(fp));

  StartWith("");  // restart cleanup runs before the daemon serves
  // The restart rules (model/state_machine.cc).
  using Rows = std::vector<std::string>;
  if (fp.starts_with("volume.create.")) {
    EXPECT_EQ(Statuses("volumes"), Rows{"error"});  // its file removed (the audit checks)
  } else if (fp.starts_with("volume.delete.")) {
    EXPECT_EQ(Statuses("volumes"), Rows{});  // the delete finished
  } else {
    EXPECT_EQ(Statuses("volumes"), Rows{"available"});  // attach undone, or detach finished
  }
  EXPECT_EQ(Statuses("snapshots"),
            fp.starts_with("snapshot.create.") ? Rows{"error"} : Rows{});  // or delete finished
  ExpectNothingLeaked("after the restart");
  if (fp.starts_with("volume.create.")) {
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(options_.volumes_dir, ec))
        << "the failed create's volume file is still there";
  }
  DeleteEverythingAndExpectEmpty();
}

// The same failpoints returning an error, without a restart: the request fails with that error
// and the manager's own failure path leaves a resting status and nothing leaked.
TEST_P(VolumeCrashTest, AnErrorLeavesARestingStatusWithoutARestart) {
  const std::string fp = GetParam();
  StartWith(fp + "=error");
  std::string volume_id, snapshot_id;
  ASSERT_NO_FATAL_FAILURE(Prepare(fp, &volume_id, &snapshot_id));
  grpc::Status rpc = Operate(fp, volume_id, snapshot_id);
  EXPECT_FALSE(rpc.ok()) << fp << " returned an error, but the request succeeded";
  EXPECT_NE(rpc.error_message().find("failpoint " + fp), std::string::npos) << rpc.error_message();
  EXPECT_TRUE(Hits().count(fp));
  ExpectNothingLeaked("after the failed request");
  RestartWithoutFailpoints();
  DeleteEverythingAndExpectEmpty();
}

INSTANTIATE_TEST_SUITE_P(EveryVolumeFailpoint, VolumeCrashTest,
                         ::testing::ValuesIn(VolumeFailpoints()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

}  // namespace
}  // namespace bb::it
