// backupd over gRPC, end to end: the real daemon binary with a real PostgreSQL
// (BB_TEST_PG_CONNINFO from tests/run.sh; skipped without it), the file volume driver on /tmp
// (not reflink-capable) and the posix object store. Root-free except one test that attaches a
// volume and skips unless root. Every test ends by sending SIGTERM and expecting exit code 0.
#include "tests/integration/backupd_grpc_fixture.h"

namespace bb::it {
namespace {

TEST_F(BackupdGrpcTest, LogsTheBoundAddress) {
  EXPECT_NE(
      daemon_->Log().find("backupd listening on 127.0.0.1:" + std::to_string(daemon_->port()) +
                          " (role=all, driver=file, store=posix)"),
      std::string::npos)
      << daemon_->Log();
}

TEST_F(BackupdGrpcTest, VolumeCreateGetList) {
  v1::Volume created = CreateVolume(1, "vol-a");
  EXPECT_TRUE(IsUuid(created.id())) << created.id();
  EXPECT_EQ(created.size_gib(), 1);
  EXPECT_EQ(created.name(), "vol-a");
  EXPECT_EQ(created.project_id(), project_);

  v1::Volume got = GetVolume(created.id());
  EXPECT_EQ(got.id(), created.id());
  EXPECT_EQ(got.status(), "available");
  EXPECT_EQ(got.attachments_size(), 0);

  v1::ListVolumesResponse list;
  ASSERT_TRUE(volumes_->ListVolumes(Ctx().get(), {}, &list).ok());
  ASSERT_EQ(list.volumes_size(), 1);
  EXPECT_EQ(list.volumes(0).id(), created.id());

  // Another project does not see it.
  v1::ListVolumesResponse other;
  ASSERT_TRUE(volumes_->ListVolumes(Ctx(project_ + "_other").get(), {}, &other).ok());
  EXPECT_EQ(other.volumes_size(), 0);
}

TEST_F(BackupdGrpcTest, BadInputGetsTheRightCode) {
  v1::Volume volume;
  v1::GetVolumeRequest get;
  get.set_volume_id("not-a-uuid");
  EXPECT_EQ(volumes_->GetVolume(Ctx().get(), get, &volume).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  get.set_volume_id(NewUuid());
  EXPECT_EQ(volumes_->GetVolume(Ctx().get(), get, &volume).error_code(),
            grpc::StatusCode::NOT_FOUND);

  for (int64_t size : {int64_t{0}, int64_t{-1}, int64_t{100000}}) {
    v1::CreateVolumeRequest create;
    create.set_size_gib(size);
    EXPECT_EQ(volumes_->CreateVolume(Ctx().get(), create, &volume).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << "size_gib " << size;
  }
  v1::CreateVolumeRequest long_name;
  long_name.set_size_gib(1);
  long_name.set_name(std::string(300, 'n'));
  EXPECT_EQ(volumes_->CreateVolume(Ctx().get(), long_name, &volume).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListVolumesResponse list;
  EXPECT_EQ(volumes_->ListVolumes(Ctx("bad project!").get(), {}, &list).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::Backup backup;
  v1::GetBackupRequest get_backup;
  get_backup.set_backup_id("1234");
  EXPECT_EQ(backups_->GetBackup(Ctx().get(), get_backup, &backup).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  get_backup.set_backup_id(NewUuid());
  EXPECT_EQ(backups_->GetBackup(Ctx().get(), get_backup, &backup).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::CreateBackupRequest create_backup;
  create_backup.set_volume_id(NewUuid());
  EXPECT_EQ(backups_->CreateBackup(Ctx().get(), create_backup, &backup).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Refused requests changed nothing.
  ASSERT_TRUE(volumes_->ListVolumes(Ctx().get(), {}, &list).ok());
  EXPECT_EQ(list.volumes_size(), 0);
}

TEST_F(BackupdGrpcTest, BackupAndRestoreAllZeroVolume) {
  v1::Volume source = CreateVolume(1, "zeros");
  v1::Backup backup = BackupAndWait(source.id());
  EXPECT_EQ(backup.volume_id(), source.id());
  EXPECT_EQ(backup.size_gib(), 1);
  EXPECT_FALSE(backup.is_incremental());
  EXPECT_EQ(GetVolume(source.id()).status(), "available");

  v1::Volume restored = RestoreAndWait(backup.id(), "");
  EXPECT_NE(restored.id(), source.id());
  EXPECT_EQ(restored.size_gib(), 1);
  ExpectSameContent(source.id(), restored.id());
}

TEST_F(BackupdGrpcTest, BackupRestoreAndIncrementalOfPatternedVolume) {
  v1::Volume source = CreateVolume(1, "pattern");
  // Regions at the start, across a chunk boundary, in the middle and at the very end.
  WritePattern(source.id(), 0, 3 * kMiB, 1);
  WritePattern(source.id(), 5 * kMiB - 4096, 64 * 1024, 2);
  WritePattern(source.id(), 300 * kMiB + 123, 2 * kMiB, 3);
  WritePattern(source.id(), kGiB - kMiB, kMiB, 4);

  v1::Backup full = BackupAndWait(source.id());
  EXPECT_GT(full.object_count(), 0);
  v1::Volume restored = RestoreAndWait(full.id(), "");
  ExpectSameContent(source.id(), restored.id());

  // Change one region, back up incrementally, restore into the existing volume.
  WritePattern(source.id(), 300 * kMiB, 512 * 1024, 5);
  v1::Backup incremental = BackupAndWait(source.id(), /*incremental=*/true);
  EXPECT_TRUE(incremental.is_incremental());
  EXPECT_EQ(incremental.parent_id(), full.id());
  EXPECT_LT(incremental.stored_bytes(), full.stored_bytes());  // only changed chunks
  v1::Volume again = RestoreAndWait(incremental.id(), restored.id());
  EXPECT_EQ(again.id(), restored.id());
  ExpectSameContent(source.id(), restored.id());
}

TEST_F(BackupdGrpcTest, DeleteBackup) {
  v1::Volume source = CreateVolume(1, "to-delete");
  v1::Backup backup = BackupAndWait(source.id());
  v1::DeleteBackupRequest request;
  request.set_backup_id(backup.id());
  v1::Backup deleting;
  grpc::Status s = backups_->DeleteBackup(Ctx().get(), request, &deleting);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(deleting.status(), "deleting");
  bool gone = false;
  v1::Backup done = WaitWhile(backup.id(), "deleting", &gone);
  if (!gone) {
    EXPECT_EQ(done.status(), "deleted") << done.fail_reason();
  }

  v1::ListBackupsRequest list_request;
  list_request.set_volume_id(source.id());
  v1::ListBackupsResponse list;
  ASSERT_TRUE(backups_->ListBackups(Ctx().get(), list_request, &list).ok());
  for (const auto& b : list.backups()) EXPECT_NE(b.status(), "available") << b.id();
}

TEST_F(BackupdGrpcTest, ForceDeleteIsForTheOperatorOnly) {
  v1::Volume source = CreateVolume(1, "force-delete");
  v1::Backup backup = BackupAndWait(source.id());
  v1::DeleteBackupRequest request;
  request.set_backup_id(backup.id());
  request.set_force(true);
  v1::Backup deleting;
  grpc::Status s = backups_->DeleteBackup(Ctx().get(), request, &deleting);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("force delete is an admin operation"), std::string::npos)
      << s.error_message();
  auto wrong = Ctx();
  wrong->AddMetadata("x-operator-token", daemon_->operator_token() + "0");
  EXPECT_EQ(backups_->DeleteBackup(wrong.get(), request, &deleting).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetBackupStatus(backup.id()), "available");  // nothing changed

  s = backups_->DeleteBackup(AdminCtx().get(), request, &deleting);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool gone = false;
  v1::Backup done = WaitWhile(backup.id(), "deleting", &gone);
  if (!gone) {
    EXPECT_EQ(done.status(), "deleted") << done.fail_reason();
  }
}

// Attaching needs root (a loop device); the rest of this suite does not. /tmp is not
// reflink-capable here, so the file driver can make no consistent copy of an in-use volume.
TEST_F(BackupdGrpcTest, InUseVolumeBackupIsRefusedWithoutConsistentCopy) {
  if (geteuid() != 0) GTEST_SKIP() << "attaching a volume needs root";
  v1::Volume volume = CreateVolume(1, "in-use");
  v1::AttachVolumeRequest attach;
  attach.set_volume_id(volume.id());
  attach.set_instance_uuid(NewUuid());
  v1::Attachment attachment;
  grpc::Status s = volumes_->AttachVolume(Ctx().get(), attach, &attachment);
  if (!s.ok()) GTEST_SKIP() << "cannot attach here (no loop devices?): " << s.error_message();
  EXPECT_EQ(attachment.device().rfind("/dev/", 0), 0u) << attachment.device();
  EXPECT_EQ(GetVolume(volume.id()).status(), "in-use");

  v1::CreateBackupRequest request;
  request.set_volume_id(volume.id());
  v1::Backup backup;
  s = backups_->CreateBackup(Ctx().get(), request, &backup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "Backing up an in-use volume must use the force flag.");
  request.set_force(true);
  s = backups_->CreateBackup(Ctx().get(), request, &backup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("reflink"), std::string::npos) << s.error_message();
  // Refused requests changed nothing.
  EXPECT_EQ(GetVolume(volume.id()).status(), "in-use");

  v1::DetachVolumeRequest detach;
  detach.set_volume_id(volume.id());
  v1::Volume detached;
  s = volumes_->DetachVolume(Ctx().get(), detach, &detached);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(detached.status(), "available");
}

}  // namespace
}  // namespace bb::it
