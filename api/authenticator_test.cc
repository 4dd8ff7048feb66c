#include "api/authenticator.h"

#include <gtest/gtest.h>

namespace bb::api {
namespace {

TEST(NoAuthAuthenticatorTest, UserColonProjectIsAnAdminOfTheProject) {
  NoAuthAuthenticator auth;
  auto caller = auth.Authenticate("alice:proj-1");
  ASSERT_TRUE(caller.ok());
  ASSERT_TRUE(caller->has_value());
  EXPECT_EQ((*caller)->user_id, "alice");
  EXPECT_EQ((*caller)->project_id, "proj-1");
  EXPECT_EQ((*caller)->role, ApiRole::kAdmin);
  // Without a project, the user is the project (Cinder's noauth).
  auto alone = auth.Authenticate("bob");
  ASSERT_TRUE(alone.ok() && alone->has_value());
  EXPECT_EQ((*alone)->project_id, "bob");
}

TEST(NoAuthAuthenticatorTest, IdsTheServiceWouldRefuseAreNoCaller) {
  NoAuthAuthenticator auth;
  for (const char* bad : {"", ":p", "u:", "u:p/x", "u p:q", "u:p:q"}) {
    auto caller = auth.Authenticate(bad);
    ASSERT_TRUE(caller.ok());
    EXPECT_FALSE(caller->has_value()) << bad;
  }
}

}  // namespace
}  // namespace bb::api
