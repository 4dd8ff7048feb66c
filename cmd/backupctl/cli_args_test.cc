// Tests for backupctl argument parsing.
#include "cmd/backupctl/cli_args.h"

#include <gtest/gtest.h>

namespace bb::cli {
namespace {

TEST(CliArgsTest, WordsValuesAndFlagsAnywhere) {
  std::string error;
  auto args = ParseCliArgs({"--json", "backup", "create", "VOL", "--name=n1", "--force",
                            "--container", "c", "--endpoint", "h:1"},
                           &error);
  ASSERT_TRUE(args) << error;
  EXPECT_EQ(args->words, (std::vector<std::string>{"backup", "create", "VOL"}));
  EXPECT_EQ(args->Value("name"), "n1");
  EXPECT_EQ(args->Value("container"), "c");
  EXPECT_EQ(args->Value("endpoint"), "h:1");
  EXPECT_TRUE(args->Flag("json"));
  EXPECT_TRUE(args->Flag("force"));
  EXPECT_FALSE(args->Flag("wait"));
}

TEST(CliArgsTest, NegativeValueIsAValue) {
  std::string error;
  auto args = ParseCliArgs({"volume", "create", "--size-gib", "-1"}, &error);
  ASSERT_TRUE(args) << error;
  EXPECT_EQ(args->Value("size-gib"), "-1");
}

TEST(CliArgsTest, Errors) {
  std::string error;
  EXPECT_FALSE(ParseCliArgs({"volume", "list", "--bogus"}, &error));
  EXPECT_NE(error.find("--bogus"), std::string::npos);
  EXPECT_FALSE(ParseCliArgs({"volume", "create", "--size-gib"}, &error));
  EXPECT_NE(error.find("needs a value"), std::string::npos);
  EXPECT_FALSE(ParseCliArgs({"backup", "create", "--force=yes"}, &error));
  EXPECT_FALSE(ParseCliArgs({"-x"}, &error));
}

TEST(CliArgsTest, HelpShortAndLong) {
  std::string error;
  EXPECT_TRUE(ParseCliArgs({"-h"}, &error)->Flag("help"));
  EXPECT_TRUE(ParseCliArgs({"--help"}, &error)->Flag("help"));
}

TEST(CliArgsTest, ParseInteger) {
  EXPECT_EQ(ParseInteger("10"), 10);
  EXPECT_EQ(ParseInteger("-1"), -1);
  EXPECT_EQ(ParseInteger("+3"), 3);
  EXPECT_FALSE(ParseInteger(""));
  EXPECT_FALSE(ParseInteger("1G"));
  EXPECT_FALSE(ParseInteger("abc"));
}

}  // namespace
}  // namespace bb::cli
