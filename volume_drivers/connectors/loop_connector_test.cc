// Unit tests of the loop connector without root: argv builders, parsers, and the decisions Connect
// and Disconnect take, with a scripted CommandRunner and a fake sysfs tree.
#include "volume_drivers/connectors/loop_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>

#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

using ::testing::ElementsAre;

// Records every argv and answers from a script.
class ScriptedRunner : public CommandRunner {
 public:
  Result<CommandResult> Run(const std::vector<std::string>& argv,
                            const CommandOptions& /*options*/) override {
    calls.push_back(argv);
    if (replies.empty()) return CommandResult{1, "", "unexpected command"};
    CommandResult r = replies.front();
    replies.pop_front();
    return r;
  }
  std::vector<std::vector<std::string>> calls;
  std::deque<CommandResult> replies;
};

TEST(LoopArgvTest, Builders) {
  EXPECT_THAT(loop::AttachArgv("/v/volume-1", true),
              ElementsAre("losetup", "--find", "--show", "--direct-io=on", "/v/volume-1"));
  EXPECT_THAT(loop::AttachArgv("/v/volume-1", false),
              ElementsAre("losetup", "--find", "--show", "/v/volume-1"));
  EXPECT_THAT(loop::DetachArgv("/dev/loop4"), ElementsAre("losetup", "--detach", "/dev/loop4"));
}

TEST(LoopParseTest, AttachOutput) {
  EXPECT_EQ(loop::ParseAttachOutput("/dev/loop12\n").value(), "/dev/loop12");
  EXPECT_FALSE(loop::ParseAttachOutput("").ok());
  EXPECT_FALSE(loop::ParseAttachOutput("losetup: oops\n").ok());
}

TEST(LoopParseTest, LoopName) {
  EXPECT_EQ(loop::LoopName("/dev/loop0").value(), "loop0");
  EXPECT_EQ(loop::LoopName("/dev/loop137").value(), "loop137");
  EXPECT_FALSE(loop::LoopName("/dev/loop").ok());
  EXPECT_FALSE(loop::LoopName("/dev/sda").ok());
  EXPECT_FALSE(loop::LoopName("/dev/loop1/../sda").ok());
  EXPECT_FALSE(loop::LoopName("loop1").ok());
}

TEST(LoopParseTest, BackingFileMatches) {
  EXPECT_TRUE(loop::BackingFileMatches("/v/volume-1\n", "/v/volume-1", ""));
  EXPECT_TRUE(loop::BackingFileMatches("/v/volume-1 (deleted)\n", "/v/volume-1", ""));
  EXPECT_TRUE(loop::BackingFileMatches("/real/volume-1\n", "/v/volume-1", "/real/volume-1"));
  EXPECT_FALSE(loop::BackingFileMatches("/v/volume-2\n", "/v/volume-1", "/real/volume-1"));
  EXPECT_FALSE(loop::BackingFileMatches("\n", "/v/volume-1", ""));
}

TEST(LoopParseTest, PathFromInfo) {
  EXPECT_EQ(loop::PathFromInfo({"local_file", {{"path", "/v/x"}}}).value(), "/v/x");
  EXPECT_EQ(loop::PathFromInfo({"local_file", {}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(loop::PathFromInfo({"local_file", {{"path", "rel/x"}}}).ok());
}

class LoopConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-loop-connector-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    volume_ = dir_->path() + "/volume-1";
    std::ofstream(volume_) << "data";
  }
  // Pretends /sys/block/<name>/loop/backing_file contains `backing`.
  void FakeSysfs(const std::string& name, const std::string& backing) {
    auto d = dir_->path() + "/sys/block/" + name + "/loop";
    std::filesystem::create_directories(d);
    std::ofstream(d + "/backing_file") << backing << "\n";
  }

  std::optional<testing::TempDir> dir_;
  std::string volume_;
  ScriptedRunner runner_;
};

TEST_F(LoopConnectorTest, ConnectUsesDirectIo) {
  runner_.replies = {{0, "/dev/loop7\n", ""}};
  LoopConnector c(runner_, dir_->path() + "/sys");
  EXPECT_EQ(c.Connect({"local_file", {{"path", volume_}}}).value(), "/dev/loop7");
  ASSERT_EQ(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0], loop::AttachArgv(volume_, true));
}

TEST_F(LoopConnectorTest, ConnectFallsBackWhenDirectIoIsRefused) {
  runner_.replies = {{1, "", "losetup: set direct io failed"}, {0, "/dev/loop3\n", ""}};
  LoopConnector c(runner_, dir_->path() + "/sys");
  EXPECT_EQ(c.Connect({"local_file", {{"path", volume_}}}).value(), "/dev/loop3");
  ASSERT_EQ(runner_.calls.size(), 2u);
  EXPECT_EQ(runner_.calls[1], loop::AttachArgv(volume_, false));
}

TEST_F(LoopConnectorTest, ConnectMissingFileIsNotFound) {
  LoopConnector c(runner_, dir_->path() + "/sys");
  auto r = c.Connect({"local_file", {{"path", volume_ + "-missing"}}});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(LoopConnectorTest, DisconnectOfDetachedDeviceIsOk) {
  LoopConnector c(runner_, dir_->path() + "/sys");
  EXPECT_TRUE(c.Disconnect({"local_file", {{"path", volume_}}}, "/dev/loop5").ok());
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(LoopConnectorTest, DisconnectLeavesADeviceBackingAnotherFileAlone) {
  FakeSysfs("loop5", "/somewhere/else");
  LoopConnector c(runner_, dir_->path() + "/sys");
  EXPECT_TRUE(c.Disconnect({"local_file", {{"path", volume_}}}, "/dev/loop5").ok());
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(LoopConnectorTest, DisconnectRejectsNonLoopDevices) {
  LoopConnector c(runner_, dir_->path() + "/sys");
  EXPECT_EQ(c.Disconnect({"local_file", {{"path", volume_}}}, "/dev/sda").code(),
            StatusCode::kInvalidArgument);
}

TEST_F(LoopConnectorTest, DevicesAreTheLoopDevicesBackingThePath) {
  FakeSysfs("loop2", volume_);
  FakeSysfs("loop5", "/somewhere/else");
  FakeSysfs("loop9", volume_ + " (deleted)");
  std::filesystem::create_directories(dir_->path() + "/sys/block/sda");
  LoopConnector c(runner_, dir_->path() + "/sys");
  auto devices = c.Devices({"local_file", {{"path", volume_}}});
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  EXPECT_EQ(*devices, (std::vector<std::string>{"/dev/loop2", "/dev/loop9"}));
  EXPECT_TRUE(runner_.calls.empty());
}

TEST(ConnectorRegistryTest, KnowsLocalFileAndNamesTheKnownTypes) {
  ScriptedRunner runner;
  EXPECT_TRUE(CreateConnector("local_file", runner).ok());
  auto r = CreateConnector("nvme", runner);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("local_file"), std::string::npos);
}

}  // namespace
}  // namespace bb
