// Tests for CreateObjectStore.
#include <gtest/gtest.h>

#include "backup_service/object_stores/object_store.h"

namespace bb {
namespace {

TEST(ObjectStoreRegistryTest, CreatesKnownStores) {
  auto mem = CreateObjectStore("memory", {});
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  EXPECT_EQ((*mem)->Name(), "memory");
  auto posix = CreateObjectStore("posix", {{"path", "/tmp/bb-registry-test"}});
  ASSERT_TRUE(posix.ok()) << posix.status().ToString();
  EXPECT_EQ((*posix)->Name(), "posix");
}

TEST(ObjectStoreRegistryTest, PosixNeedsPath) {
  auto r = CreateObjectStore("posix", {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(ObjectStoreRegistryTest, UnknownListsKnownNames) {
  auto r = CreateObjectStore("s3", {});
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("posix"), std::string::npos);
  EXPECT_NE(r.status().message().find("memory"), std::string::npos);
}

}  // namespace
}  // namespace bb
