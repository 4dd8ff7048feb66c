// Tests of the built-in driver registry and of the optional methods' default implementations.
#include <gtest/gtest.h>

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
