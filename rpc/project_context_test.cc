// Tests for the x-project-id header: default, valid values, refused values.
#include "rpc/project_context.h"

#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(ProjectContextTest, MissingHeaderMeansDefault) {
  grpc::ServerContext context;
  auto project = ProjectIdFromContext(context);
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  EXPECT_EQ(*project, "default");
}

TEST(ProjectContextTest, HeaderValueIsUsed) {
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  spouse.AddClientMetadata("x-project-id", "tenant_A-01");
  auto project = ProjectIdFromContext(context);
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  EXPECT_EQ(*project, "tenant_A-01");
}

TEST(ProjectContextTest, BadCharactersAreInvalidArgument) {
  for (std::string bad : {"a b", "x/y", "proj!", "../etc", "é", "a;drop", ""}) {
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata("x-project-id", bad);
    auto project = ProjectIdFromContext(context);
    ASSERT_FALSE(project.ok()) << bad;
    EXPECT_EQ(project.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ProjectContextTest, RepeatedHeaderIsInvalidArgument) {
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  spouse.AddClientMetadata("x-project-id", "a");
  spouse.AddClientMetadata("x-project-id", "b");
  auto project = ProjectIdFromContext(context);
  ASSERT_FALSE(project.ok());
  EXPECT_EQ(project.status().code(), StatusCode::kInvalidArgument);
}

TEST(ProjectContextTest, LengthLimits) {
  EXPECT_TRUE(ValidateProjectId(std::string(64, 'a')).ok());
  EXPECT_EQ(ValidateProjectId(std::string(65, 'a')).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateProjectId("x").ok());
  EXPECT_EQ(ValidateProjectId("").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bb
