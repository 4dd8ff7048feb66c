// ApiTokens against a real PostgreSQL: a token is shown once and stored only as its digest, it
// verifies to its project and role until revoked, and bad input changes nothing.
#include "backup_service/auth/api_tokens.h"

#include <gtest/gtest.h>

#include "backup_service/db/testing/test_database.h"
#include "tests/integration/backupd_harness.h"

namespace bb {
namespace {

class ApiTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    tokens_ = std::make_unique<ApiTokens>(tdb_->db());
  }
  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<ApiTokens> tokens_;
};

TEST_F(ApiTokensTest, IssuedTokenVerifiesToItsProjectAndRoleUntilRevoked) {
  auto issued = tokens_->Issue("project-a", "member", "ci");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->token.rfind("bbt_", 0), 0u);
  EXPECT_EQ(issued->token.size(), 4u + 64u);
  EXPECT_GT(issued->row.created_at, 0);

  auto found = tokens_->Verify(issued->token);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->project_id, "project-a");
  EXPECT_EQ((*found)->role, "member");
  EXPECT_EQ((*found)->id, issued->row.id);

  // Only the digest is in the table: the token text appears nowhere in it.
  auto rows = it::QueryRows(tdb_->conninfo(),
                            "SELECT encode(token_sha256, 'hex') || project_id || role || "
                            "description FROM api_tokens");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].find(issued->token.substr(4)), std::string::npos);
  EXPECT_EQ(rows[0].substr(0, 64), TokenDigestHex(issued->token));

  auto revoked = tokens_->Revoke(issued->row.id);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_GT(revoked->revoked_at, 0);
  auto after = tokens_->Verify(issued->token);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  auto again = tokens_->Revoke(issued->row.id);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ApiTokensTest, UnknownAndMalformedTokensDoNotVerify) {
  ASSERT_TRUE(tokens_->Issue("p", "reader", "").ok());
  for (std::string t : {std::string(), std::string("bbt_00"), std::string(5000, 'x'),
                        std::string("user:project")}) {
    auto found = tokens_->Verify(t);
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value()) << t.substr(0, 20);
  }
}

TEST_F(ApiTokensTest, BadInputIsRefusedAndStoresNothing) {
  EXPECT_EQ(tokens_->Issue("", "member", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens_->Issue("bad project", "member", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens_->Issue("p", "owner", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens_->Issue("p", "admin", std::string(300, 'd')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens_->Revoke("not-a-uuid").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens_->Revoke("00000000-0000-4000-8000-000000000000").status().code(),
            StatusCode::kNotFound);
  auto all = tokens_->List("");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(ApiTokensTest, ListIsPerProjectAndShowsRevokedOnes) {
  auto a = tokens_->Issue("pa", "admin", "");
  auto b = tokens_->Issue("pb", "reader", "");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(tokens_->Revoke(a->row.id).ok());
  auto pa = tokens_->List("pa");
  ASSERT_TRUE(pa.ok());
  ASSERT_EQ(pa->size(), 1u);
  EXPECT_GT((*pa)[0].revoked_at, 0);
  EXPECT_EQ(tokens_->List("")->size(), 2u);
}

}  // namespace
}  // namespace bb
