// Tests for OperatorAuth: token files, the header check, and the refusal messages.
#include "rpc/operator_auth.h"

#include <grpcpp/server_context.h>
#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace bb {
namespace {

const std::string kToken = "0123456789abcdef0123456789abcdef";

// A server context with the given x-operator-token values. The spouse owns the metadata strings
// the context refers to, so both live together.
struct CallWith {
  explicit CallWith(std::initializer_list<std::string> tokens) : spouse(&context) {
    for (const auto& t : tokens) spouse.AddClientMetadata(kOperatorTokenHeader, t);
  }
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse;
};

TEST(OperatorAuthTest, MatchingTokenIsOperator) {
  auto auth = OperatorAuth::FromToken(kToken);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  CallWith call({kToken});
  EXPECT_TRUE(auth->IsOperator(call.context));
  EXPECT_TRUE(auth->RequireOperator(call.context, "reset-status").ok());
}

TEST(OperatorAuthTest, WrongOrMissingTokenIsPermissionDenied) {
  auto auth = OperatorAuth::FromToken(kToken);
  ASSERT_TRUE(auth.ok());
  grpc::ServerContext missing;
  EXPECT_FALSE(auth->IsOperator(missing));
  Status st = auth->RequireOperator(missing, "reset-status");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("reset-status is an admin operation"), std::string::npos);
  EXPECT_NE(st.message().find("--operator-token-file"), std::string::npos);

  CallWith wrong({kToken + "x"});
  EXPECT_FALSE(auth->IsOperator(wrong.context));
  CallWith prefix({kToken.substr(0, 31)});
  EXPECT_FALSE(auth->IsOperator(prefix.context));
}

TEST(OperatorAuthTest, RepeatedHeaderIsRefused) {
  auto auth = OperatorAuth::FromToken(kToken);
  ASSERT_TRUE(auth.ok());
  CallWith twice({kToken, kToken});
  EXPECT_FALSE(auth->IsOperator(twice.context));
}

TEST(OperatorAuthTest, UnconfiguredRefusesEveryone) {
  OperatorAuth none;
  EXPECT_FALSE(none.configured());
  CallWith call({kToken});
  Status st = none.RequireOperator(call.context, "force delete");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("no operator_token_file"), std::string::npos);
}

TEST(OperatorAuthTest, WeakTokensAreRefused) {
  for (std::string bad : {std::string(), std::string("short"), std::string(31, 'a'),
                          std::string(40, 'a') + " b", std::string(40, 'a') + "\x01"}) {
    auto auth = OperatorAuth::FromToken(bad);
    EXPECT_FALSE(auth.ok()) << bad;
    EXPECT_EQ(auth.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(OperatorAuthTest, TokenFileIsTrimmed) {
  char path[] = "/tmp/bb-operator-token-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "  " << kToken << "\n";
  auto token = ReadOperatorTokenFile(path);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, kToken);
  auto auth = OperatorAuth::FromFile(path);
  ASSERT_TRUE(auth.ok());
  CallWith call({kToken});
  EXPECT_TRUE(auth->IsOperator(call.context));
  unlink(path);
  EXPECT_EQ(OperatorAuth::FromFile(path).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bb
