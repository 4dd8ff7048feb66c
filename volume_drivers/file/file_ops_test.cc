// Tests of the file helpers on the local temp dir (no root, no reflink needed).
#include "volume_drivers/file/file_ops.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "volume_drivers/testing/temp_dir.h"

namespace bb::file_ops {
namespace {

class FileOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-file-ops-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  std::string P(const std::string& name) { return dir_->path() + "/" + name; }
  int Entries() {
    int n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_->path())) ++n;
    return n;
  }
  std::optional<testing::TempDir> dir_;
};

TEST_F(FileOpsTest, CreateSparseFile) {
  ASSERT_TRUE(CreateSparseFile(P("v"), 32 << 20).ok());
  EXPECT_EQ(FileSize(P("v")).value(), 32 << 20);
  struct stat st {};
  ASSERT_EQ(stat(P("v").c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);
  EXPECT_EQ(CreateSparseFile(P("v"), 1 << 20).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(CreateSparseFile(P("w"), 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FileSize(P("missing")).status().code(), StatusCode::kNotFound);
}

TEST_F(FileOpsTest, GrowFileNeverShrinks) {
  ASSERT_TRUE(CreateSparseFile(P("v"), 4096).ok());
  EXPECT_TRUE(GrowFile(P("v"), 8192).ok());
  EXPECT_TRUE(GrowFile(P("v"), 8192).ok());
  EXPECT_EQ(GrowFile(P("v"), 4096).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FileSize(P("v")).value(), 8192);
  EXPECT_EQ(GrowFile(P("missing"), 1).code(), StatusCode::kNotFound);
}

TEST_F(FileOpsTest, FullCopyKeepsContentSizeAndHoles) {
  ASSERT_TRUE(CreateSparseFile(P("src"), 16 << 20).ok());
  {
    std::fstream f(P("src"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5 << 20);
    f << "hello";
  }
  ASSERT_TRUE(CopyFileAtomically(P("src"), P("dst"), CopyMode::kFull, 20 << 20).ok());
  EXPECT_EQ(FileSize(P("dst")).value(), 20 << 20);
  std::ifstream in(P("dst"), std::ios::binary);
  in.seekg(5 << 20);
  std::string word(5, '\0');
  in.read(word.data(), 5);
  EXPECT_EQ(word, "hello");
  struct stat st {};
  ASSERT_EQ(stat(P("dst").c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 4 << 20) << "holes should stay holes";
}

TEST_F(FileOpsTest, CopyNeverReplacesAndLeavesNoTempFile) {
  ASSERT_TRUE(CreateSparseFile(P("src"), 4096).ok());
  ASSERT_TRUE(CreateSparseFile(P("dst"), 4096).ok());
  EXPECT_EQ(CopyFileAtomically(P("src"), P("dst"), CopyMode::kFull).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(CopyFileAtomically(P("missing"), P("x"), CopyMode::kFull).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Entries(), 2);
}

TEST_F(FileOpsTest, FailedReflinkLeavesNothingBehind) {
  auto reflink = ProbeReflink(dir_->path());
  ASSERT_TRUE(reflink.ok()) << reflink.status().ToString();
  EXPECT_EQ(Entries(), 0) << "the probe must clean up";
  if (*reflink) GTEST_SKIP() << dir_->path() << " supports reflink";
  ASSERT_TRUE(CreateSparseFile(P("src"), 4096).ok());
  EXPECT_FALSE(CopyFileAtomically(P("src"), P("dst"), CopyMode::kReflink).ok());
  EXPECT_EQ(Entries(), 1);
}

TEST_F(FileOpsTest, RemoveHelpers) {
  EXPECT_TRUE(RemoveIfExists(P("missing")).ok());
  std::ofstream(P(".tmp-snapshot-x-123")) << "half";
  std::ofstream(P("volume-x")) << "keep";
  EXPECT_EQ(RemoveTempFiles(dir_->path()).value(), 1);
  EXPECT_EQ(Entries(), 1);
  EXPECT_EQ(ProbeReflink(P("missing")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace bb::file_ops
