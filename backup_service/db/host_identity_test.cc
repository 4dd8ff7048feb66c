// HostIdentity against a real PostgreSQL: one live daemon per identity, the claim dies with its
// session, liveness in the service list, and takeover refused while the owner lives.
#include "backup_service/db/host_identity.h"

#include <gtest/gtest.h>

#include "backup_service/db/testing/test_database.h"

namespace bb {
namespace {

class HostIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
  }
  std::unique_ptr<testing::TestDatabase> tdb_;
};

TEST_F(HostIdentityTest, OneClaimPerHostUntilTheHolderGoes) {
  auto first = HostIdentity::Claim(tdb_->conninfo(), "host-a", 101, "v1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = HostIdentity::Claim(tdb_->conninfo(), "host-a", 102, "v1");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("pid 101"), std::string::npos)
      << second.status().message();
  auto other = HostIdentity::Claim(tdb_->conninfo(), "host-b", 103, "v1");
  ASSERT_TRUE(other.ok()) << other.status().ToString();

  first->reset();  // the session closes: the server releases the lock at once
  auto third = HostIdentity::Claim(tdb_->conninfo(), "host-a", 104, "v1");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_TRUE((*third)->Heartbeat().ok());
}

TEST_F(HostIdentityTest, ServiceListShowsWhoIsAlive) {
  auto a = HostIdentity::Claim(tdb_->conninfo(), "host-a", 201, "v1");
  ASSERT_TRUE(a.ok());
  {
    auto b = HostIdentity::Claim(tdb_->conninfo(), "host-b", 202, "v2");
    ASSERT_TRUE(b.ok());
    auto list = (*a)->ListServices();
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    ASSERT_EQ(list->size(), 2u);
    EXPECT_TRUE((*list)[0].alive);
    EXPECT_TRUE((*list)[1].alive);
    EXPECT_EQ((*list)[1].version, "v2");
    EXPECT_EQ((*list)[1].stopped_at, 0);
  }
  auto list = (*a)->ListServices();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[1].host, "host-b");
  EXPECT_FALSE((*list)[1].alive);
  EXPECT_GT((*list)[1].stopped_at, 0);
  // Listing did not leave host-b's lock taken by host-a's session.
  EXPECT_TRUE(HostIdentity::Claim(tdb_->conninfo(), "host-b", 203, "v2").ok());
}

TEST_F(HostIdentityTest, TakeoverOnlyOfAHostThatIsGone) {
  auto a = HostIdentity::Claim(tdb_->conninfo(), "host-a", 301, "v1");
  ASSERT_TRUE(a.ok());
  auto b = HostIdentity::Claim(tdb_->conninfo(), "host-b", 302, "v1");
  ASSERT_TRUE(b.ok());
  bool ran = false;
  Status st = (*a)->WhileHolding("host-b", [&] {
    ran = true;
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ran);
  b->reset();
  st = (*a)->WhileHolding("host-b", [&] {
    ran = true;
    // While adopted, host-b's own daemon cannot come back and work on the same records.
    EXPECT_FALSE(HostIdentity::Claim(tdb_->conninfo(), "host-b", 303, "v1").ok());
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(ran);
  EXPECT_TRUE(HostIdentity::Claim(tdb_->conninfo(), "host-b", 304, "v1").ok());
}

}  // namespace
}  // namespace bb
