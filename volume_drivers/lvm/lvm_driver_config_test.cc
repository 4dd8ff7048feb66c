// LvmDriver's configuration parsing and the registry entry (no LVM needed; the driver's behaviour
// is the conformance suite's, run in the test VM: lvm_driver_conformance_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "volume_drivers/lvm/lvm_driver.h"

namespace bb {
namespace {

using ::testing::HasSubstr;

TEST(LvmDriverConfigTest, Defaults) {
  auto c = LvmDriver::ParseConfig({{"volume_group", "vg0"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->volume_group, "vg0");
  EXPECT_EQ(c->type, LvmType::kAuto);
  EXPECT_EQ(c->thin_pool, "pool");
  EXPECT_EQ(c->snapshot_cow_fraction, 1.0);
}

TEST(LvmDriverConfigTest, AllKeys) {
  auto c = LvmDriver::ParseConfig({{"volume_group", "vg0"},
                                   {"lvm_type", "thin"},
                                   {"thin_pool", "tp"},
                                   {"snapshot_cow_fraction", "0.25"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->type, LvmType::kThin);
  EXPECT_EQ(c->thin_pool, "tp");
  EXPECT_EQ(c->snapshot_cow_fraction, 0.25);
  EXPECT_EQ(LvmDriver::ParseConfig({{"volume_group", "v"}, {"lvm_type", "thick"}})->type,
            LvmType::kThick);
}

TEST(LvmDriverConfigTest, Refusals) {
  auto code = [](const DriverConfig& c) { return LvmDriver::ParseConfig(c).status().code(); };
  EXPECT_EQ(code({}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({{"volume_group", "vg0"}, {"lvm_type", "thinn"}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({{"volume_group", "vg0/x"}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({{"volume_group", "-vg"}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({{"volume_group", "vg0"}, {"thin_pool", "a b"}}), StatusCode::kInvalidArgument);
  for (const char* f : {"0", "1.5", "-1", "x", "0.5x"}) {
    EXPECT_EQ(code({{"volume_group", "vg0"}, {"snapshot_cow_fraction", f}}),
              StatusCode::kInvalidArgument)
        << f;
  }
  EXPECT_THAT(LvmDriver::ParseConfig({}).status().message(), HasSubstr("volume_group"));
}

TEST(LvmDriverConfigTest, RegisteredAsLvm) {
  SystemCommandRunner runner;
  auto d = CreateVolumeDriver("lvm", {{"volume_group", "vg0"}}, runner);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*d)->Name(), "lvm");
  auto unknown_helper =
      CreateVolumeDriver("lvm", {{"volume_group", "vg0"}, {"target_helper", "nope"}}, runner);
  EXPECT_FALSE(unknown_helper.ok());
  EXPECT_THAT(unknown_helper.status().message(), HasSubstr("nope"));
  // backupd passes every volume_driver.<key> line: a typo is refused, naming the key.
  auto typo = CreateVolumeDriver("lvm", {{"volume_group", "vg0"}, {"lvm_typ", "thin"}}, runner);
  ASSERT_EQ(typo.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(),
              HasSubstr("lvm driver: unknown option \"lvm_typ\" (backupd: volume_driver.lvm_typ)"));
  EXPECT_THAT(typo.status().message(), HasSubstr("snapshot_cow_fraction"));
}

}  // namespace
}  // namespace bb
