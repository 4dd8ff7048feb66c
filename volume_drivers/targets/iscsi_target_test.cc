// Unit tests of what every iSCSI target helper shares: IQN checks, generated CHAP credentials, the
// provider_location/provider_auth formats and the ConnectionInfo an initiator gets.
#include "volume_drivers/targets/iscsi_target.h"

#include <gtest/gtest.h>

#include <set>

#include "volume_drivers/connectors/libiscsi_block_device.h"

namespace bb {
namespace {

TEST(IscsiTargetTest, ValidIqns) {
  EXPECT_TRUE(IsValidIqn("iqn.2010-10.org.openstack:volume-1234"));
  EXPECT_TRUE(IsValidIqn("iqn.2008-11.org.blockbackup"));
  EXPECT_FALSE(IsValidIqn("iqn.2010-10.org.Openstack:x"));  // upper case
  EXPECT_FALSE(IsValidIqn("iqn.2010-1.org.openstack:x"));
  EXPECT_FALSE(IsValidIqn("iqn.2010-10:x"));
  EXPECT_FALSE(IsValidIqn("eui.02004567A425678D"));
  EXPECT_FALSE(IsValidIqn("iqn.2010-10.org.openstack:a b"));
  EXPECT_FALSE(IsValidIqn("iqn.2010-10.org.openstack:" + std::string(200, 'x')));
  EXPECT_FALSE(IsValidIqn(""));
}

TEST(IscsiTargetTest, GeneratedChapCredentialsAreRandomAlnum) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ChapCredentials c = GenerateChapCredentials();
    EXPECT_EQ(c.username.size(), 20u);
    EXPECT_EQ(c.secret.size(), 20u);
    for (char ch : c.username + c.secret) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)));
    seen.insert(c.secret);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(IscsiTargetTest, ProviderFieldsAndConnectionInfo) {
  IscsiExport e;
  e.target_iqn = "iqn.2010-10.org.blockbackup:snapshot-1";
  e.portal = "127.0.0.1:3260";
  e.tid = 3;
  e.lun = 1;
  e.chap = {"user", "secret-secret"};
  EXPECT_EQ(ProviderLocation(e), "127.0.0.1:3260,3 iqn.2010-10.org.blockbackup:snapshot-1 1");
  EXPECT_EQ(ProviderAuth(e.chap), "CHAP user secret-secret");

  ConnectionInfo info = IscsiConnectionInfo(e);
  EXPECT_EQ(info.driver_volume_type, "iscsi");
  EXPECT_EQ(info.data.at("auth_method"), "CHAP");
  // What the target helper hands out is exactly what the initiator side reads back.
  auto a = IscsiAddressFromInfo(info);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->portal, e.portal);
  EXPECT_EQ(a->iqn, e.target_iqn);
  EXPECT_EQ(a->lun, 1);
  EXPECT_EQ(a->chap_username, "user");
  EXPECT_EQ(a->chap_secret, "secret-secret");
  EXPECT_EQ(a->Url(), "iscsi://127.0.0.1:3260/iqn.2010-10.org.blockbackup:snapshot-1/1");

  e.chap = {};
  EXPECT_EQ(IscsiConnectionInfo(e).data.count("auth_method"), 0u);
}

}  // namespace
}  // namespace bb
