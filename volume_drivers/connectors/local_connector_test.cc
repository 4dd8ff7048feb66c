// The local connector: what it accepts as a path on this host. Its data cases (read, write back,
// flush, Devices) run in the connector conformance suite (instance "local").
#include "volume_drivers/connectors/local_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

ConnectionInfo Info(const std::string& path) { return {"local", {{"device_path", path}}}; }

TEST(LocalConnectorTest, AcceptsRegularFilesAndBlockDevicesOnly) {
  auto dir = testing::TempDir::Create("bb-local-");
  ASSERT_TRUE(dir.ok());
  std::string file = dir->path() + "/volume";
  std::ofstream(file) << "data";
  LocalConnector c;
  EXPECT_EQ(c.Connect(Info(file)).value(), file);
  EXPECT_EQ(c.Connect(Info(dir->path())).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.Connect(Info(dir->path() + "/missing")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.Connect(Info("relative/path")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.Connect({"local", {{"path", file}}}).status().code(), StatusCode::kInvalidArgument);
  // /dev/null is a character device: not a volume.
  EXPECT_EQ(c.Connect(Info("/dev/null")).status().code(), StatusCode::kInvalidArgument);
}

TEST(LocalConnectorTest, DisconnectOfAPathThatIsGoneIsOk) {
  auto dir = testing::TempDir::Create("bb-local-");
  ASSERT_TRUE(dir.ok());
  std::string file = dir->path() + "/volume";
  std::ofstream(file) << "data";
  LocalConnector c;
  EXPECT_THAT(c.Devices(Info(file)).value(), ::testing::ElementsAre(file));
  ASSERT_EQ(::unlink(file.c_str()), 0);
  EXPECT_TRUE(c.Disconnect(Info(file), file).ok());
  EXPECT_TRUE(c.Devices(Info(file)).value().empty());
  EXPECT_EQ(c.Disconnect(Info(file), "/elsewhere").code(), StatusCode::kInvalidArgument);
}

TEST(LocalConnectorTest, Registered) {
  SystemCommandRunner runner;
  auto c = CreateConnector("local", runner);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(dynamic_cast<LocalConnector*>(c->get()), nullptr);
}

}  // namespace
}  // namespace bb
