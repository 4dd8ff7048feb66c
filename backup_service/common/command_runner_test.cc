#include "backup_service/common/command_runner.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(CommandRunnerTest, CapturesOutputAndExitCode) {
  SystemCommandRunner r;
  auto res = r.Run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->exit_code, 3);
  EXPECT_EQ(res->out, "out\n");
  EXPECT_EQ(res->err, "err\n");
}

TEST(CommandRunnerTest, ArgumentsAreNotShellExpanded) {
  SystemCommandRunner r;
  auto res = r.Run({"echo", "$HOME;", "`id`"});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->out, "$HOME; `id`\n");
}

TEST(CommandRunnerTest, RunsInCLocale) {
  SystemCommandRunner r;
  auto res = r.Run({"sh", "-c", "echo $LC_ALL"});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->out, "C\n");
}

TEST(CommandRunnerTest, TimeoutKills) {
  SystemCommandRunner r;
  CommandOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto res = r.Run({"sleep", "10"}, o);
  EXPECT_EQ(res.status().code(), StatusCode::kDeadlineExceeded);
}

TEST(CommandRunnerTest, RunCheckedRedactsSecrets) {
  SystemCommandRunner r;
  CommandOptions o;
  o.secrets = {"hunter2"};
  auto res = RunChecked(r, {"sh", "-c", "echo bad hunter2 >&2; exit 1", "hunter2"}, o);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().message().find("hunter2"), std::string::npos) << res.status().message();
  EXPECT_NE(res.status().message().find("***"), std::string::npos);
}

TEST(CommandRunnerTest, MissingProgramIsNotFound) {
  SystemCommandRunner r;
  auto res = RunChecked(r, {"definitely-not-a-program-xyz"});
  EXPECT_EQ(res.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace bb
