#include "api/views.h"

#include <gtest/gtest.h>

namespace bb::api {
namespace {

ApiRequest Request(ApiVersion v, ApiRole role) {
  ApiRequest r;
  r.base_url = "http://127.0.0.1:8776";
  r.version = v;
  r.caller = {.user_id = "u", .project_id = "p", .role = role};
  return r;
}

TEST(ViewsTest, IsoTimeIsCindersFormatInUtc) {
  EXPECT_EQ(IsoTime(1700000000123456), "2023-11-14T22:13:20.123456");
  EXPECT_TRUE(IsoTime(0).is_null());
}

TEST(ViewsTest, BackupDetailByVersionAndRole) {
  Backup b;
  b.id = "b1";
  b.project_id = "p";
  b.container = "p/nightly";
  b.parent_id = "b0";
  b.status = BackupStatus::kAvailable;
  auto old = BackupDetail(Request({3, 0}, ApiRole::kAdmin), b);
  EXPECT_EQ(old["container"], "nightly");  // the user's name, not the store's namespace
  EXPECT_EQ(old["is_incremental"], true);
  EXPECT_TRUE(old["snapshot_id"].is_null());
  EXPECT_FALSE(old.contains("metadata"));
  EXPECT_FALSE(old.contains("os-backup-project-attr:project_id"));
  auto admin = BackupDetail(Request({3, 64}, ApiRole::kAdmin), b);
  EXPECT_EQ(admin["os-backup-project-attr:project_id"], "p");
  EXPECT_TRUE(admin["metadata"].is_object());
  auto member = BackupDetail(Request({3, 64}, ApiRole::kMember), b);
  EXPECT_FALSE(member.contains("os-backup-project-attr:project_id"));
  EXPECT_EQ(member["links"][0]["href"], "http://127.0.0.1:8776/v3/p/backups/b1");
}

TEST(ViewsTest, AttachmentConnectionInfoIsLocalWithTheDevice) {
  Attachment a;
  a.id = "a1";
  a.volume_id = "v1";
  a.device = "/dev/loop3";
  a.status = AttachmentStatus::kAttached;
  auto view = AttachmentView(a);
  EXPECT_EQ(view["connection_info"]["driver_volume_type"], "local");
  EXPECT_EQ(view["connection_info"]["data"]["device_path"], "/dev/loop3");
  EXPECT_TRUE(view["instance"].is_null());
}

}  // namespace
}  // namespace bb::api
