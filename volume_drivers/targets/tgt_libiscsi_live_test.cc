// The iSCSI data path for real, as root: files exported by a real tgtd on 127.0.0.1 are read and
// written through the libiscsi connector, the bytes crossing TCP (fixture: tgt_live_fixture.h).
// BB_ISCSI_BENCH_MIB (default 256) sets the size of the file the throughput case reads.
#include <cstdlib>

#include "volume_drivers/targets/tgt_live_fixture.h"

namespace bb::iscsi_live {
namespace {

TEST_F(TgtLibiscsiLiveTest, ReadThroughIscsiEqualsTheLocalFile) {
  const std::string path = dir_->path() + "/snapshot";
  const std::string data = MakeFile(path, 16 << 20, 1);
  auto e = target_->CreateExport(Request(path, /*read_only=*/true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->lun, 1);  // tgt's LUN 0 is its controller

  // tgtd shows what was asked: the file at LUN 1, read-only, our account, our ACL.
  auto list = TargetsNow();
  ASSERT_TRUE(list.ok());
  auto t = std::find_if(list->begin(), list->end(),
                        [&](const tgt::Target& x) { return x.iqn == e->target_iqn; });
  ASSERT_NE(t, list->end());
  EXPECT_EQ(t->tid, e->tid);
  ASSERT_EQ(t->luns.size(), 2u);
  EXPECT_EQ(t->luns[1].backing_path, path);
  EXPECT_TRUE(t->luns[1].read_only);
  EXPECT_EQ(t->accounts, std::vector<std::string>{e->chap.username});
  EXPECT_EQ(t->acl, std::vector<std::string>{"127.0.0.1"});

  auto dev = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_EQ((*dev)->Size(), static_cast<int64_t>(data.size()));
  EXPECT_EQ((*dev)->BlockSize(), 512);
  EXPECT_EQ((*dev)->Describe(), "iscsi://" + e->portal + "/" + e->target_iqn + "/1");
  // Whole, in 4 MiB pieces as the data path reads, and one unaligned-length piece refused.
  std::string buf(4 << 20, '\0');
  for (int64_t off = 0; off < (*dev)->Size(); off += static_cast<int64_t>(buf.size())) {
    ASSERT_TRUE((*dev)->ReadAt(off, buf).ok()) << off;
    ASSERT_EQ(0, std::memcmp(buf.data(), data.data() + off, buf.size())) << "at " << off;
  }
  std::string small(1000, '\0');
  EXPECT_EQ((*dev)->ReadAt(0, small).code(), StatusCode::kInvalidArgument);
  std::string tail(1024, '\0');
  EXPECT_EQ((*dev)->ReadAt((*dev)->Size() - 512, tail).code(), StatusCode::kOutOfRange);
  // The target refuses writes to a read-only export, even on a handle opened for writing.
  auto rw = Attach(*e, AccessMode::kReadWrite);
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  // 3 MiB: several commands in flight, each refused; the session survives the refusal.
  Status w = (*rw)->WriteAt(0, std::string_view(std::string(3 << 20, 'x')));
  EXPECT_EQ(w.code(), StatusCode::kPermissionDenied) << w.ToString();
  EXPECT_TRUE(ReadLocal(path, 0, 3 << 20) == data.substr(0, 3 << 20));
  std::string first(4096, '\0');
  ASSERT_TRUE((*rw)->ReadAt(0, first).ok());
  EXPECT_EQ(first, data.substr(0, 4096));
  EXPECT_TRUE((*dev)->Close().ok());
}

TEST_F(TgtLibiscsiLiveTest, WriteThenReadBack) {
  const std::string path = dir_->path() + "/volume";
  const std::string data = MakeFile(path, 8 << 20, 2);
  auto e = target_->CreateExport(Request(path, /*read_only=*/false));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto dev = Attach(*e, AccessMode::kReadWrite);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();

  std::string pattern(3 << 20, '\0');  // crosses several 1 MiB commands
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i * 7 + 3);
  const int64_t at = 1 << 20;
  ASSERT_TRUE((*dev)->WriteAt(at, pattern).ok());
  ASSERT_TRUE((*dev)->Flush().ok());
  std::string back(pattern.size(), '\0');
  ASSERT_TRUE((*dev)->ReadAt(at, back).ok());
  EXPECT_TRUE(back == pattern);
  ASSERT_TRUE((*dev)->Close().ok());
  // The bytes are in the file tgtd serves, and nothing around them changed.
  EXPECT_TRUE(ReadLocal(path, at, static_cast<int64_t>(pattern.size())) == pattern);
  EXPECT_TRUE(ReadLocal(path, 0, at) == data.substr(0, at));
  EXPECT_TRUE(ReadLocal(path, at + static_cast<int64_t>(pattern.size()), 1 << 20) ==
              data.substr(at + pattern.size(), 1 << 20));
  // A handle opened read-only does not write, whatever the export allows.
  auto ro = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->WriteAt(0, std::string_view(std::string(512, 'x'))).code(),
            StatusCode::kFailedPrecondition);
}

// Read MB/s of one file, as the backup reads it (4 MiB at a time, one reader), from the local file
// and through libiscsi from tgtd. Both read the page cache (tgtd's `rdwr` backing store is
// buffered), so this measures the iSCSI path's cost, not the disk.
TEST_F(TgtLibiscsiLiveTest, ReadThroughputLocalVsLibiscsi) {
  const char* env = std::getenv("BB_ISCSI_BENCH_MIB");
  const int64_t mib = env != nullptr ? std::max(16L, std::atol(env)) : 256;
  const int64_t size = mib << 20;
  const std::string path = dir_->path() + "/bench";
  { MakeFile(path, size, 8); }
  auto e = target_->CreateExport(Request(path, true));
  ASSERT_TRUE(e.ok()) << e.status().ToString();

  constexpr int64_t kChunk = 4 << 20;
  std::string buf(kChunk, '\0');
  auto sum = [&](uint64_t acc) {
    for (size_t i = 0; i < buf.size(); i += 4096) acc = acc * 31 + static_cast<uint8_t>(buf[i]);
    return acc;
  };
  auto local = FileBlockDevice::Open(path, AccessMode::kReadOnly);
  ASSERT_TRUE(local.ok());
  for (int64_t off = 0; off < size; off += kChunk) ASSERT_TRUE((*local)->ReadAt(off, buf).ok());
  uint64_t local_sum = 0;
  auto t0 = Clock::now();
  for (int64_t off = 0; off < size; off += kChunk) {
    ASSERT_TRUE((*local)->ReadAt(off, buf).ok());
    local_sum = sum(local_sum);
  }
  double local_s = Seconds(Clock::now() - t0);

  auto dev = Attach(*e, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  uint64_t iscsi_sum = 0;
  t0 = Clock::now();
  for (int64_t off = 0; off < size; off += kChunk) {
    ASSERT_TRUE((*dev)->ReadAt(off, buf).ok());
    iscsi_sum = sum(iscsi_sum);
  }
  double iscsi_s = Seconds(Clock::now() - t0);
  EXPECT_EQ(iscsi_sum, local_sum);
  double local_mbs = static_cast<double>(mib) / local_s;
  double iscsi_mbs = static_cast<double>(mib) / iscsi_s;
  std::cout << "read " << mib << " MiB in 4 MiB reads: local file " << local_mbs
            << " MiB/s, libiscsi from tgtd on 127.0.0.1 " << iscsi_mbs << " MiB/s\n";
  RecordProperty("local_mib_per_s", std::to_string(local_mbs));
  RecordProperty("libiscsi_mib_per_s", std::to_string(iscsi_mbs));
  EXPECT_GT(iscsi_mbs, 10.0);  // a floor that only a broken path (or a 1-block transfer) misses
}

}  // namespace
}  // namespace bb::iscsi_live
