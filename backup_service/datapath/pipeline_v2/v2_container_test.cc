// V2Container: config and keys in a real posix store; wrong master keys refused.
#include "backup_service/datapath/pipeline_v2/v2_container.h"

#include <gtest/gtest.h>

#include "backup_service/datapath/datapath_test_util.h"

namespace bb::v2 {
namespace {

Key256 Master(uint8_t b) {
  Key256 k{};
  k.fill(b);
  return k;
}

class V2ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = CreateObjectStore("posix", {{"path", dir_.path()}});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }
  testing_util::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(V2ContainerTest, PlainContainerIsCreatedOnceAndReadBack) {
  V2ContainerConfig cfg;
  auto c = OpenForBackup(*store_, "p/b", cfg, std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->keys.has_value());
  auto again = OpenForRead(*store_, "p/b", std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->config.chunk_size, 32768);
  cfg.encrypted = true;
  EXPECT_EQ(OpenForBackup(*store_, "p/b", cfg, Master(1)).status().code(),
            StatusCode::kFailedPrecondition);  // one container, one setting
}

TEST_F(V2ContainerTest, EncryptedContainerNeedsTheRightMasterKey) {
  V2ContainerConfig cfg;
  cfg.encrypted = true;
  EXPECT_EQ(OpenForBackup(*store_, "p/e", cfg, std::nullopt).status().code(),
            StatusCode::kFailedPrecondition);
  auto c = OpenForBackup(*store_, "p/e", cfg, Master(1));
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(c->keys.has_value());
  EXPECT_EQ(c->key_generation, 1u);
  auto same = OpenForRead(*store_, "p/e", Master(1));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->keys->enc_key, c->keys->enc_key);
  auto wrong = OpenForRead(*store_, "p/e", Master(2));
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find("p/e"), std::string::npos);
  EXPECT_EQ(OpenForRead(*store_, "p/e", std::nullopt).status().code(),
            StatusCode::kFailedPrecondition);
  auto key_obj = store_->Get("p/e", "keys/1.key");
  ASSERT_TRUE(key_obj.ok());
  EXPECT_NE(key_obj->find(MasterKeyId(Master(1))), std::string::npos);
}

TEST_F(V2ContainerTest, DamagedConfigIsDataLoss) {
  ASSERT_TRUE(OpenForBackup(*store_, "p/d", V2ContainerConfig{}, std::nullopt).ok());
  ASSERT_TRUE(store_->Put("p/d", "config", "{\"format\": 1").ok());
  auto r = OpenForRead(*store_, "p/d", std::nullopt);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(OpenForRead(*store_, "p/none", std::nullopt).status().code(), StatusCode::kNotFound);
}

TEST_F(V2ContainerTest, MasterKeyFileMustHold32Bytes) {
  testing_util::WriteFile(dir_.File("k"), std::string(32, 'k'));
  testing_util::WriteFile(dir_.File("short"), std::string(31, 'k'));
  auto k = ReadMasterKeyFile(dir_.File("k"));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ((*k)[0], 'k');
  EXPECT_EQ(ReadMasterKeyFile(dir_.File("short")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadMasterKeyFile(dir_.File("missing")).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(V2ContainerTest, EmptyContainerHasAnEmptyIndex) {
  auto c = OpenForBackup(*store_, "p/i", V2ContainerConfig{}, std::nullopt);
  ASSERT_TRUE(c.ok());
  auto idx = LoadContainerIndex(*store_, "p/i", *c);
  ASSERT_TRUE(idx.ok());
  EXPECT_TRUE(idx->empty());
  ASSERT_TRUE(store_->Put("p/i", "index/bad", "garbage").ok());
  auto bad = LoadContainerIndex(*store_, "p/i", *c);
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("index/bad"), std::string::npos);
}

}  // namespace
}  // namespace bb::v2
