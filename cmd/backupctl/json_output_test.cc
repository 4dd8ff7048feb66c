// Tests for --json rendering: proto field names, defaults present, int64 as numbers.
#include "cmd/backupctl/json_output.h"

#include <gtest/gtest.h>

#include "backup.pb.h"
#include "volume.pb.h"

namespace bb::cli {
namespace {

TEST(JsonOutputTest, BackupFieldsAndNumbers) {
  v1::Backup backup;
  backup.set_id("b1");
  backup.set_status("available");
  backup.set_size_gib(5);
  backup.set_stored_bytes(int64_t{1} << 40);
  backup.set_name("12345");  // digits in a string field stay a string
  Json j = MessageToJson(backup);
  EXPECT_EQ(j["id"], "b1");
  EXPECT_EQ(j["status"], "available");
  ASSERT_TRUE(j["size_gib"].is_number_integer()) << j.dump();
  EXPECT_EQ(j["size_gib"].get<int64_t>(), 5);
  EXPECT_EQ(j["stored_bytes"].get<int64_t>(), int64_t{1} << 40);
  EXPECT_TRUE(j["name"].is_string());
  // Defaults are printed, with proto (snake_case) names.
  ASSERT_TRUE(j.contains("object_count"));
  EXPECT_TRUE(j["object_count"].is_number_integer());
  EXPECT_EQ(j["is_incremental"], false);
  EXPECT_EQ(j["restore_volume_id"], "");
  // Proto field order is kept.
  EXPECT_EQ(j.begin().key(), "id");
}

TEST(JsonOutputTest, NestedMessagesAndRepeated) {
  v1::Volume volume;
  volume.set_id("v1");
  volume.set_size_gib(2);
  volume.set_created_at_us(1700000000000000);
  auto* a = volume.add_attachments();
  a->set_device("/dev/loop3");
  Json j = MessageToJson(volume);
  EXPECT_EQ(j["created_at_us"].get<int64_t>(), 1700000000000000);
  ASSERT_TRUE(j["attachments"].is_array());
  EXPECT_EQ(j["attachments"][0]["device"], "/dev/loop3");

  v1::RestoreBackupResponse response;
  response.mutable_backup()->set_size_gib(7);
  Json r = MessageToJson(response);
  EXPECT_EQ(r["backup"]["size_gib"].get<int64_t>(), 7);
}

TEST(JsonOutputTest, EmptyVolumeHasRequiredKeys) {
  Json j = MessageToJson(v1::Volume());
  for (const char* key : {"id", "status", "size_gib"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["attachments"].is_array());
}

}  // namespace
}  // namespace bb::cli
