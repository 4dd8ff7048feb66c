// Tests of the pure parts of DriverExports: the model update's formats and the connection info
// rebuilt from them (the live export is the conformance suite's, against a real tgtd).
#include "volume_drivers/targets/driver_exports.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

constexpr const char* kLocation = "127.0.0.1:3260,7 iqn.2010-10.org.blockbackup:snapshot-x 1";

TEST(DriverExportsTest, ProviderLocationRoundTrips) {
  auto e = ParseProviderLocation(kLocation);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->portal, "127.0.0.1:3260");
  EXPECT_EQ(e->tid, 7);
  EXPECT_EQ(e->target_iqn, "iqn.2010-10.org.blockbackup:snapshot-x");
  EXPECT_EQ(e->lun, 1);
  EXPECT_EQ(ProviderLocation(*e), kLocation);
}

TEST(DriverExportsTest, MalformedLocationsAreRefused) {
  for (const char* bad :
       {"", "/var/lib/volume-x", "127.0.0.1:3260,1 IQN.BAD 1",
        "127.0.0.1:3260,x iqn.2010-10.org.a:b 1", "p,1 iqn.2010-10.org.a:b 1 2"}) {
    EXPECT_EQ(ParseProviderLocation(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(DriverExportsTest, ConnectionInfoFromTheModelCarriesChapAndNeedsAnInitiator) {
  ConnectorProperties host{"h", "iqn.2010-10.org.blockbackup:backupd", "127.0.0.1"};
  auto info = IscsiConnectionFromModel(kLocation, "CHAP user1 secret-of-twenty-chars", host);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->driver_volume_type, "iscsi");
  EXPECT_EQ(info->data["target_portal"], "127.0.0.1:3260");
  EXPECT_EQ(info->data["target_lun"], "1");
  EXPECT_EQ(info->data["auth_username"], "user1");
  EXPECT_EQ(info->data["auth_password"], "secret-of-twenty-chars");
  host.initiator = "";
  auto refused = IscsiConnectionFromModel(kLocation, "CHAP user1 s", host);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("initiator name"), std::string::npos);
}

TEST(DriverExportsTest, MalformedAuthIsRefusedWithoutQuotingIt) {
  ConnectorProperties host{"h", "iqn.2010-10.org.blockbackup:backupd", ""};
  for (const char* bad :
       {"", "CHAP onlyuser", "NONE user secret1234567", "CHAP user secret1234567 extra"}) {
    auto r = IscsiConnectionFromModel(kLocation, bad, host);
    ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message().find("secret1234567"), std::string::npos);
  }
}

}  // namespace
}  // namespace bb
