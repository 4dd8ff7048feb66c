// Tests for proto -> record conversion (role api's side): a record sent and read back keeps
// every field the wire carries; unknown statuses are refused; paging round-trips.
#include <gtest/gtest.h>

#include "rpc/record_conversion.h"

namespace bb {
namespace {

TEST(RecordFromProtoTest, VolumeAndAttachmentRoundTrip) {
  Volume v;
  v.id = "vol-1";
  v.project_id = "p";
  v.name = "data";
  v.description = "d";
  v.size_gib = 10;
  v.status = VolumeStatus::kInUse;
  v.previous_status = VolumeStatus::kAvailable;
  v.host = "h1";
  v.provider_location = "/secret/path";
  v.created_at = 111;
  v.updated_at = 222;
  Attachment a;
  a.id = "att-1";
  a.volume_id = "vol-1";
  a.instance_uuid = "inst";
  a.attached_host = "h1";
  a.device = "/dev/loop3";
  a.status = AttachmentStatus::kAttached;
  a.created_at = 333;
  v1::Volume wire = ToProto(v, {a});
  auto back = FromProto(wire);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, "vol-1");
  EXPECT_EQ(back->project_id, "p");
  EXPECT_EQ(back->name, "data");
  EXPECT_EQ(back->description, "d");
  EXPECT_EQ(back->size_gib, 10);
  EXPECT_EQ(back->status, VolumeStatus::kInUse);
  EXPECT_EQ(back->previous_status, VolumeStatus::kAvailable);
  EXPECT_EQ(back->host, "h1");
  EXPECT_EQ(back->provider_location, "");  // never on the wire
  EXPECT_EQ(back->created_at, 111);
  EXPECT_EQ(back->updated_at, 222);
  auto att = FromProto(wire.attachments(0));
  ASSERT_TRUE(att.ok()) << att.status().ToString();
  EXPECT_EQ(att->id, "att-1");
  EXPECT_EQ(att->device, "/dev/loop3");
  EXPECT_EQ(att->status, AttachmentStatus::kAttached);
  EXPECT_EQ(att->created_at, 333);  // the REST view's attached_at

  wire.set_status("melting");
  auto refused = FromProto(wire);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("unknown volume status 'melting'"), std::string::npos);
}

TEST(RecordFromProtoTest, BackupSnapshotQuotaAndPagingRoundTrip) {
  Backup b;
  b.id = "b1";
  b.project_id = "p";
  b.volume_id = "v1";
  b.snapshot_id = "s1";
  b.name = "n";
  b.description = "d";
  b.status = BackupStatus::kAvailable;
  b.fail_reason = "r";
  b.parent_id = "b0";
  b.container = "p/backups";
  b.host = "h";
  b.size_gib = 4;
  b.object_count = 7;
  b.stored_bytes = 8;
  b.source_kind = BackupSourceKind::kTempSnapshotLocal;
  b.num_dependent_backups = 2;
  b.data_timestamp = 5;
  b.created_at = 6;
  b.updated_at = 9;
  auto back = FromProto(ToProto(b));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, "b1");
  EXPECT_EQ(back->snapshot_id, "s1");
  EXPECT_EQ(back->status, BackupStatus::kAvailable);
  EXPECT_EQ(back->parent_id, "b0");
  EXPECT_EQ(back->container, "p/backups");
  EXPECT_EQ(back->size_gib, 4);
  EXPECT_EQ(back->object_count, 7);
  EXPECT_EQ(back->source_kind, BackupSourceKind::kTempSnapshotLocal);
  EXPECT_EQ(back->num_dependent_backups, 2);
  EXPECT_EQ(back->data_timestamp, 5);
  EXPECT_EQ(back->created_at, 6);
  EXPECT_EQ(back->updated_at, 9);

  Snapshot s;
  s.id = "s1";
  s.volume_id = "v1";
  s.size_gib = 3;
  s.status = SnapshotStatus::kBackingUp;
  auto snap = FromProto(ToProto(s));
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->status, SnapshotStatus::kBackingUp);
  EXPECT_EQ(snap->size_gib, 3);

  ProjectQuota q{.limits = {.backups = 3, .backup_gigabytes = -1},
                 .in_use = {.backups = 1, .backup_gigabytes = 2}};
  ProjectQuota qb = FromProto(ToProto("p", q));
  EXPECT_EQ(qb.limits, q.limits);
  EXPECT_EQ(qb.in_use.backups, 1);
  EXPECT_EQ(qb.in_use.backup_gigabytes, 2);

  PageRequest page{.sort = "name:asc",
                   .limit = int64_t{1} << 40,
                   .marker = "m",
                   .offset = 3,
                   .with_count = true,
                   .all_projects = true};
  PageRequest pb = FromProto(ToProto(page));
  EXPECT_EQ(pb.sort, "name:asc");
  EXPECT_EQ(pb.limit, INT32_MAX);  // capped by the service anyway
  EXPECT_EQ(pb.marker, "m");
  EXPECT_EQ(pb.offset, 3);
  EXPECT_TRUE(pb.with_count);
  EXPECT_TRUE(pb.all_projects);
  EXPECT_EQ(FromProto(ToProto(PageRequest{.limit = -1})).limit, -1);  // still refused there
}

}  // namespace
}  // namespace bb
