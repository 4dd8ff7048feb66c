// Tests for record -> proto conversion: every documented field, and no secrets on the wire.
#include "rpc/record_conversion.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(RecordConversionTest, VolumeWithAttachments) {
  Volume v;
  v.id = "vol-1";
  v.project_id = "p";
  v.name = "data";
  v.description = "d";
  v.size_gib = 10;
  v.status = VolumeStatus::kInUse;
  v.previous_status = VolumeStatus::kAvailable;
  v.host = "h1";
  v.provider_location = "/var/lib/bb/volumes/volume-vol-1";
  v.created_at = 111;
  v.updated_at = 222;
  Attachment a;
  a.id = "att-1";
  a.volume_id = "vol-1";
  a.instance_uuid = "inst";
  a.attached_host = "h1";
  a.device = "/dev/loop3";
  a.status = AttachmentStatus::kAttached;

  v1::Volume p = ToProto(v, {a});
  EXPECT_EQ(p.id(), "vol-1");
  EXPECT_EQ(p.name(), "data");
  EXPECT_EQ(p.description(), "d");
  EXPECT_EQ(p.size_gib(), 10);
  EXPECT_EQ(p.status(), "in-use");
  EXPECT_EQ(p.previous_status(), "available");
  EXPECT_EQ(p.project_id(), "p");
  EXPECT_EQ(p.host(), "h1");
  EXPECT_EQ(p.created_at_us(), 111);
  EXPECT_EQ(p.updated_at_us(), 222);
  ASSERT_EQ(p.attachments_size(), 1);
  EXPECT_EQ(p.attachments(0).device(), "/dev/loop3");
  EXPECT_EQ(p.attachments(0).status(), "attached");
  EXPECT_EQ(p.attachments(0).instance_uuid(), "inst");
  // The driver handle is internal.
  EXPECT_EQ(p.SerializeAsString().find("/var/lib/bb"), std::string::npos);
}

TEST(RecordConversionTest, VolumeWithoutPreviousStatus) {
  Volume v;
  v.status = VolumeStatus::kAvailable;
  EXPECT_EQ(ToProto(v).previous_status(), "");
  EXPECT_EQ(ToProto(v).attachments_size(), 0);
}

TEST(RecordConversionTest, SnapshotNeverCarriesProviderAuth) {
  Snapshot s;
  s.id = "snap-1";
  s.volume_id = "vol-1";
  s.project_id = "p";
  s.name = "n";
  s.size_gib = 3;
  s.status = SnapshotStatus::kAvailable;
  s.provider_location = "/secret/location";
  s.provider_auth = "CHAP user s3cr3t-password";
  s.created_at = 5;
  v1::Snapshot p = ToProto(s);
  EXPECT_EQ(p.id(), "snap-1");
  EXPECT_EQ(p.status(), "available");
  EXPECT_EQ(p.size_gib(), 3);
  EXPECT_EQ(p.created_at_us(), 5);
  std::string wire = p.SerializeAsString();
  EXPECT_EQ(wire.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(wire.find("/secret/location"), std::string::npos);
}

TEST(RecordConversionTest, Backup) {
  Backup b;
  b.id = "b-1";
  b.project_id = "p";
  b.volume_id = "vol-1";
  b.name = "nightly";
  b.status = BackupStatus::kErrorDeleting;
  b.fail_reason = "store unavailable";
  b.parent_id = "b-0";
  b.container = "backups";
  b.manifest_object = "internal/manifest";
  b.temp_snapshot_id = "tmp-snap";
  b.size_gib = 4;
  b.object_count = 7;
  b.stored_bytes = 1 << 20;
  b.bytes_done = 10;
  b.bytes_total = 20;
  b.source_kind = BackupSourceKind::kTempSnapshotLocal;
  b.source_reason = "driver can snapshot";
  b.num_dependent_backups = 2;
  b.data_timestamp = 99;
  b.restore_volume_id = "vol-2";
  v1::Backup p = ToProto(b);
  EXPECT_EQ(p.id(), "b-1");
  EXPECT_EQ(p.status(), "error_deleting");
  EXPECT_EQ(p.fail_reason(), "store unavailable");
  EXPECT_TRUE(p.is_incremental());
  EXPECT_EQ(p.parent_id(), "b-0");
  EXPECT_TRUE(p.has_dependent_backups());
  EXPECT_EQ(p.size_gib(), 4);
  EXPECT_EQ(p.object_count(), 7);
  EXPECT_EQ(p.stored_bytes(), 1 << 20);
  EXPECT_EQ(p.source_kind(), "temp-snapshot-local");
  EXPECT_EQ(p.source_reason(), "driver can snapshot");
  EXPECT_EQ(p.data_timestamp_us(), 99);
  EXPECT_EQ(p.restore_volume_id(), "vol-2");
  EXPECT_EQ(p.SerializeAsString().find("internal/manifest"), std::string::npos);
  EXPECT_EQ(p.SerializeAsString().find("tmp-snap"), std::string::npos);

  Backup full;
  EXPECT_FALSE(ToProto(full).is_incremental());
  EXPECT_FALSE(ToProto(full).has_dependent_backups());
  EXPECT_EQ(ToProto(full).status(), "creating");
}

TEST(RecordConversionTest, ListOptionsAndPageInfo) {
  v1::ListOptions options;
  options.set_sort("name:desc");
  options.set_limit(-4);  // passed on as given: the manager refuses it
  options.set_marker("m");
  options.set_with_count(true);
  options.set_all_projects(true);
  PageRequest request = FromProto(options);
  EXPECT_EQ(request.sort, "name:desc");
  EXPECT_EQ(request.limit, -4);
  EXPECT_EQ(request.marker, "m");
  EXPECT_TRUE(request.with_count);
  EXPECT_TRUE(request.all_projects);
  EXPECT_FALSE(FromProto(v1::ListOptions()).all_projects);

  Page<Backup> page{.records = {}, .next_marker = "last-id", .count = -1, .limit = 50};
  v1::PageInfo info = PageInfoProto(page);
  EXPECT_EQ(info.next_marker(), "last-id");
  EXPECT_EQ(info.count(), -1);
  EXPECT_EQ(info.limit(), 50);
}

}  // namespace
}  // namespace bb
