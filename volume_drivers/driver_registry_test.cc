// Tests of the built-in driver registry and of the optional methods' default implementations.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "volume_drivers/volume_driver.h"

namespace bb {
namespace {

TEST(DriverRegistryTest, CreatesBuiltInDrivers) {
  SystemCommandRunner runner;
  auto file = CreateVolumeDriver("file", {{"volumes_dir", "/tmp"}}, runner);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Name(), "file");
  auto fake = CreateVolumeDriver("fake", {}, runner);
  ASSERT_TRUE(fake.ok()) << fake.status().ToString();
  EXPECT_EQ((*fake)->Name(), "fake");
}

TEST(DriverRegistryTest, UnknownDriverNamesTheKnownOnes) {
  SystemCommandRunner runner;
  auto r = CreateVolumeDriver("ceph", {}, runner);
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("file"), std::string::npos);
  EXPECT_NE(r.status().message().find("fake"), std::string::npos);
  EXPECT_NE(r.status().message().find("lvm"), std::string::npos);
}

TEST(DriverRegistryTest, NamesAreListedInRegistryOrder) {
  EXPECT_EQ(VolumeDriverNames(), (std::vector<std::string>{"file", "lvm", "fake"}));
}

// backupd passes volume_driver.<key> lines through; each driver refuses a key it does not know,
// naming the key, the driver and the keys it has.
TEST(DriverRegistryTest, DriversRefuseUnknownOptionsNamingKeyAndDriver) {
  SystemCommandRunner runner;
  auto file = CreateVolumeDriver("file", {{"volumes_dir", "/tmp"}, {"snapshot", "false"}}, runner);
  ASSERT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find("file driver: unknown option \"snapshot\" (backupd: "
                                         "volume_driver.snapshot)"),
            std::string::npos)
      << file.status().message();
  EXPECT_NE(file.status().message().find("snapshots"), std::string::npos);
  auto fake = CreateVolumeDriver("fake", {{"can_snapshots", "true"}}, runner);
  ASSERT_EQ(fake.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(fake.status().message().find("fake driver: unknown option \"can_snapshots\""),
            std::string::npos)
      << fake.status().message();
  // Known keys and prefixes pass.
  EXPECT_TRUE(CreateVolumeDriver(
                  "fake", {{"can_snapshot", "false"}, {"fail.CreateVolume", "UNAVAILABLE"}}, runner)
                  .ok());
  EXPECT_TRUE(CheckDriverOptions("x", {}, {}).ok());
  EXPECT_NE(CheckDriverOptions("x", {{"k", "v"}}, {}).message().find("its options are: none"),
            std::string::npos);
}

TEST(DriverRegistryTest, FileDriverNeedsVolumesDir) {
  SystemCommandRunner runner;
  EXPECT_EQ(CreateVolumeDriver("file", {}, runner).status().code(), StatusCode::kInvalidArgument);
}

// A driver with only the mandatory methods: every optional one must say Unimplemented.
class MinimalDriver : public VolumeDriver {
 public:
  std::string Name() const override { return "minimal"; }
  Status CheckForSetupError() override { return Status::Ok(); }
  DriverCapabilities Capabilities() const override { return {}; }
  Result<std::string> CreateVolume(const VolumeRef&) override { return std::string("x"); }
  Status DeleteVolume(const VolumeRef&) override { return Status::Ok(); }
  Result<ConnectionInfo> InitializeConnection(const VolumeRef&,
                                              const ConnectorProperties&) override {
    return ConnectionInfo{};
  }
  Status TerminateConnection(const VolumeRef&, const ConnectorProperties&) override {
    return Status::Ok();
  }
};

TEST(VolumeDriverDefaultsTest, OptionalMethodsAreUnimplemented) {
  MinimalDriver d;
  VolumeRef v{"v", 1, "", ""};
  SnapshotRef s{"s", "v", 1, "", ""};
  EXPECT_EQ(d.ExtendVolume(v, 2).code(), StatusCode::kUnimplemented);
  EXPECT_EQ(d.CreateClonedVolume(v, v).status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(d.CreateSnapshot(s, v).status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(d.DeleteSnapshot(s).code(), StatusCode::kUnimplemented);
  EXPECT_EQ(d.VolumeLocalPath(v).status().code(), StatusCode::kUnimplemented);
  auto r = d.SnapshotLocalPath(s);
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("minimal"), std::string::npos);
}

}  // namespace
}  // namespace bb
