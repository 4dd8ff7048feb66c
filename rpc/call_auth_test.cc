// Tests for CallAuth's verdicts (both modes) and the method -> role table. The token mode runs
// with the real noauth authenticator here (no database); API tokens and roles over gRPC are
// tested against real PostgreSQL in tests/integration/grpc_auth_test.cc.
#include "rpc/call_auth.h"

#include <gtest/gtest.h>

#include <list>

#include "api/authenticator.h"
#include "rpc/method_roles.h"
#include "rpc/operator_auth.h"

namespace bb {
namespace {

constexpr char kOperatorToken[] = "0123456789abcdef0123456789abcdef-operator";
constexpr char kCreate[] = "/bb.v1.BackupService/CreateBackup";

// Metadata over strings the test keeps alive (string_ref does not own).
class Headers {
 public:
  Headers& Add(std::string name, std::string value) {
    storage_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  GrpcMetadata Map() const {
    GrpcMetadata m;
    for (const auto& [k, v] : storage_) m.emplace(grpc::string_ref(k), grpc::string_ref(v));
    return m;
  }

 private:
  std::list<std::pair<std::string, std::string>> storage_;
};

class CallAuthTest : public ::testing::Test {
 protected:
  CallAuthTest() : operator_auth_(*OperatorAuth::FromToken(kOperatorToken)) {}
  OperatorAuth operator_auth_;
  api::NoAuthAuthenticator noauth_;
};

TEST_F(CallAuthTest, TrustedHeaderTakesTheProjectAsSent) {
  CallAuth auth(GrpcAuthMode::kTrustedHeader, nullptr, operator_auth_);
  auto caller = auth.Authenticate(Headers().Add("x-project-id", "tenant-a").Map(), kCreate);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->project_id, "tenant-a");
  EXPECT_FALSE(caller->admin());
  auto fallback = auth.Authenticate(Headers().Map(), kCreate);
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->project_id, "default");
}

TEST_F(CallAuthTest, TrustedHeaderAdminOnlyWithTheOperatorToken) {
  CallAuth auth(GrpcAuthMode::kTrustedHeader, nullptr, operator_auth_);
  auto op = auth.Authenticate(Headers().Add("x-operator-token", kOperatorToken).Map(), kCreate);
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(op->admin());
  auto wrong = auth.Authenticate(
      Headers().Add("x-operator-token", "not-the-operator-token-but-long-enough").Map(), kCreate);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->admin());
}

TEST_F(CallAuthTest, TokenModeWithoutCredentialIsUnauthenticated) {
  CallAuth auth(GrpcAuthMode::kToken, &noauth_, operator_auth_);
  auto none = auth.Authenticate(Headers().Add("x-project-id", "tenant-a").Map(), kCreate);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(none.status().message().find("--token"), std::string::npos);
}

TEST_F(CallAuthTest, TokenModeUsesTheTokensProjectAndRefusesAnotherHeader) {
  CallAuth auth(GrpcAuthMode::kToken, &noauth_, operator_auth_);
  auto caller = auth.Authenticate(Headers().Add("x-auth-token", "alice:tenant-a").Map(), kCreate);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->project_id, "tenant-a");
  auto same = auth.Authenticate(
      Headers().Add("x-auth-token", "alice:tenant-a").Add("x-project-id", "tenant-a").Map(),
      kCreate);
  EXPECT_TRUE(same.ok());
  auto other = auth.Authenticate(
      Headers().Add("x-auth-token", "alice:tenant-a").Add("x-project-id", "tenant-b").Map(),
      kCreate);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(CallAuthTest, TokenModeAcceptsTheOperatorTokenAsAnAdmin) {
  CallAuth auth(GrpcAuthMode::kToken, &noauth_, operator_auth_);
  auto op = auth.Authenticate(
      Headers().Add("x-operator-token", kOperatorToken).Add("x-project-id", "tenant-b").Map(),
      "/bb.v1.BackupService/ResetBackupStatus");
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  EXPECT_TRUE(op->admin());
  EXPECT_EQ(op->project_id, "tenant-b");
  auto wrong = auth.Authenticate(
      Headers().Add("x-operator-token", "not-the-operator-token-but-long-enough").Map(), kCreate);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(CallAuthTest, RepeatedTokenIsRefused) {
  CallAuth auth(GrpcAuthMode::kToken, &noauth_, operator_auth_);
  auto twice = auth.Authenticate(
      Headers().Add("x-auth-token", "a:p").Add("x-auth-token", "b:q").Map(), kCreate);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CallAuthTest, HandlersWithoutAVerdictAreRefused) {
  CallAuth auth(GrpcAuthMode::kTrustedHeader, nullptr, operator_auth_);
  grpc::ServerContext call;
  auto none = auth.ProjectOf(call);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  auth.Record(&call, RpcCaller{.project_id = "p", .role = ApiRole::kMember});
  EXPECT_EQ(*auth.ProjectOf(call), "p");
  EXPECT_EQ(*auth.LookupProjectOf(call), "p");
  EXPECT_FALSE(auth.IsAdmin(call));
  EXPECT_EQ(auth.RequireAdmin(call, "force delete").code(), StatusCode::kPermissionDenied);
  auth.Record(&call, RpcCaller{.project_id = "p", .role = ApiRole::kAdmin});
  EXPECT_EQ(*auth.ProjectOf(call), "p");
  EXPECT_EQ(*auth.LookupProjectOf(call), "");  // an admin's lookups by id reach every project
  EXPECT_TRUE(auth.RequireAdmin(call, "force delete").ok());
  auth.Forget(&call);
  EXPECT_FALSE(auth.ProjectOf(call).ok());
}

TEST(MethodRolesTest, ReadsAreReaderChangesMemberRecordsAdmin) {
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/GetBackup"), ApiRole::kReader);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/WatchBackup"), ApiRole::kReader);
  EXPECT_EQ(RequiredRole("/bb.v1.VolumeService/ListVolumes"), ApiRole::kReader);
  EXPECT_EQ(RequiredRole(kCreate), ApiRole::kMember);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/RestoreBackup"), ApiRole::kMember);
  EXPECT_EQ(RequiredRole("/bb.v1.VolumeService/DeleteVolume"), ApiRole::kMember);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/ExportBackupRecord"), ApiRole::kAdmin);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/ResetBackupStatus"), ApiRole::kAdmin);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/VerifyBackup"), ApiRole::kMember);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/RebuildCatalog"), ApiRole::kAdmin);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/CollectGarbage"), ApiRole::kAdmin);
  EXPECT_EQ(RequiredRole("/bb.v1.BackupService/SomethingNew"), ApiRole::kAdmin);
}

}  // namespace
}  // namespace bb
