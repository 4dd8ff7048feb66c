// Conformance cases of VolumeDriver::ChangedExtents (reports_changed_extents) and
// AllocatedExtents (reports_allocated_extents): the reported ranges must cover every byte written
// between two snapshots / every byte a snapshot holds (a superset is allowed; a missed byte would
// make a backup restore stale data or zeros). A driver without the capability must refuse the
// call.
#include <random>

#include "backup_service/common/uuid.h"
#include "tests/conformance/volume_driver_conformance.h"
#include "tests/conformance/volume_driver_conformance_util.h"
#include "volume_drivers/extent_ranges.h"
#include "volume_drivers/testing/file_io.h"

namespace bb::testing {
namespace {

bool Covered(const std::vector<ByteRange>& ranges, int64_t offset, int64_t length) {
  for (const ByteRange& r : ranges) {
    if (r.offset <= offset && offset + length <= r.offset + r.length) return true;
  }
  return false;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

}  // namespace

TEST_P(VolumeDriverConformanceTest, ChangedExtentsCoverEveryWriteSinceTheBase) {
  if (!driver().Capabilities().reports_changed_extents) {
    RecordProperty("capability", "reports_changed_extents=false: checked that it is refused");
    SnapshotRef a{NewUuid(), NewUuid(), kMiB, "", ""};
    SnapshotRef b{NewUuid(), a.volume_id, kMiB, "", ""};
    EXPECT_FALSE(driver().ChangedExtents(a, b).ok()) << "declared no changed extents, yet answered";
    return;
  }
  ASSERT_TRUE(driver().Capabilities().can_snapshot) << "changed extents compare snapshots";
  SKIP_UNLESS_CAP(volume_readable_locally);
  const int64_t size = 64 * kMiB;
  VolumeRef v = NewVolume(size);
  std::string path = driver().VolumeLocalPath(v).value();
  // Data before the base everywhere the later writes go and elsewhere, so that "changed" is about
  // overwrites of existing blocks, not only holes filled.
  for (int64_t off = 0; off < size; off += 4 * kMiB) {
    ASSERT_OK(WriteAt(path, off, RandomBytes(kMiB, static_cast<uint32_t>(off >> 20))));
  }
  SnapshotRef base{NewUuid(), v.id, size, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(base, v).ok());
  // Aligned and unaligned, inside data and in a former hole, across a MiB boundary, the last byte.
  const std::vector<ByteRange> writes = {{0, 4096},
                                         {5 * kMiB + 123, 1000},
                                         {17 * kMiB - 2048, 8192},
                                         {40 * kMiB + 65536, 131072},
                                         {size - 4096, 4096}};
  for (size_t i = 0; i < writes.size(); ++i) {
    ASSERT_OK(WriteAt(path, writes[i].offset,
                      RandomBytes(static_cast<size_t>(writes[i].length), 1000 + i)));
  }
  SnapshotRef next{NewUuid(), v.id, size, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(next, v).ok());

  auto changes = driver().ChangedExtents(base, next);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_TRUE(changes->known) << "a driver declaring changed extents should know them for two "
                                 "fresh snapshots of one volume";
  // Sorted, non-overlapping, non-empty, inside the snapshot.
  EXPECT_EQ(NormalizeRanges(changes->ranges, size), changes->ranges);
  for (const ByteRange& r : changes->ranges) {
    EXPECT_GT(r.length, 0);
    EXPECT_GE(r.offset, 0);
    EXPECT_LE(r.offset + r.length, size);
  }
  for (const ByteRange& w : writes) {
    EXPECT_TRUE(Covered(changes->ranges, w.offset, w.length))
        << "write at " << w.offset << " (+" << w.length << ") is not reported as changed";
  }
  // A superset is allowed, but a report of (nearly) everything would make the capability useless.
  EXPECT_LT(TotalBytes(changes->ranges), size / 2) << "reported " << TotalBytes(changes->ranges);

  // Nothing written between two snapshots: whatever is reported, the call succeeds.
  SnapshotRef again{NewUuid(), v.id, size, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(again, v).ok());
  auto none = driver().ChangedExtents(next, again);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  if (none->known) {
    EXPECT_LT(TotalBytes(none->ranges), size / 2);
  }

  // Another volume's snapshot is refused; a missing snapshot is NotFound.
  VolumeRef other = NewVolume(size);
  SnapshotRef foreign{NewUuid(), other.id, size, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(foreign, other).ok());
  EXPECT_EQ(driver().ChangedExtents(base, foreign).status().code(), StatusCode::kInvalidArgument);
  SnapshotRef missing{NewUuid(), v.id, size, "", ""};
  EXPECT_EQ(driver().ChangedExtents(base, missing).status().code(), StatusCode::kNotFound);

  for (const SnapshotRef& s : {base, next, again}) EXPECT_OK(driver().DeleteSnapshot(s));
  EXPECT_OK(driver().DeleteSnapshot(foreign));
  EXPECT_OK(driver().DeleteVolume(other));
  EXPECT_OK(driver().DeleteVolume(v));
}

TEST_P(VolumeDriverConformanceTest, AllocatedExtentsCoverEveryByteTheSnapshotHolds) {
  if (!driver().Capabilities().reports_allocated_extents) {
    RecordProperty("capability", "reports_allocated_extents=false: checked that it is refused");
    SnapshotRef a{NewUuid(), NewUuid(), kMiB, "", ""};
    EXPECT_FALSE(driver().AllocatedExtents(a).ok())
        << "declared no allocated extents, yet answered";
    return;
  }
  ASSERT_TRUE(driver().Capabilities().can_snapshot) << "allocated extents are of snapshots";
  SKIP_UNLESS_CAP(volume_readable_locally);
  const int64_t size = 64 * kMiB;
  VolumeRef v = NewVolume(size);
  std::string path = driver().VolumeLocalPath(v).value();
  // Aligned and unaligned, across a MiB boundary, the last byte; one write after the snapshot
  // that it must not hold (and need not report).
  const std::vector<ByteRange> writes = {
      {0, 4096}, {5 * kMiB + 123, 1000}, {17 * kMiB - 2048, 8192}, {size - 4096, 4096}};
  for (size_t i = 0; i < writes.size(); ++i) {
    ASSERT_OK(WriteAt(path, writes[i].offset,
                      RandomBytes(static_cast<size_t>(writes[i].length), 2000 + i)));
  }
  SnapshotRef snap{NewUuid(), v.id, size, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(snap, v).ok());
  ASSERT_OK(WriteAt(path, 40 * kMiB, RandomBytes(kMiB, 3000)));

  auto allocated = driver().AllocatedExtents(snap);
  ASSERT_TRUE(allocated.ok()) << allocated.status().ToString();
  ASSERT_TRUE(allocated->known) << "a driver declaring allocated extents should know them for a "
                                   "fresh snapshot";
  EXPECT_EQ(NormalizeRanges(allocated->ranges, size), allocated->ranges);
  for (const ByteRange& w : writes) {
    EXPECT_TRUE(Covered(allocated->ranges, w.offset, w.length))
        << "write at " << w.offset << " (+" << w.length << ") is not reported as allocated";
  }
  // Every byte outside the ranges reads as zero in the snapshot: what a backup skips.
  std::string snap_path = driver().SnapshotLocalPath(snap).value();
  std::vector<ByteRange> gaps;
  int64_t at = 0;
  for (const ByteRange& r : allocated->ranges) {
    if (r.offset > at) gaps.push_back({at, r.offset - at});
    at = r.offset + r.length;
  }
  if (at < size) gaps.push_back({at, size - at});
  for (const ByteRange& gap : gaps) {
    for (int64_t off = gap.offset; off < gap.offset + gap.length; off += kMiB) {
      const auto n = static_cast<size_t>(std::min<int64_t>(kMiB, gap.offset + gap.length - off));
      auto data = ReadAt(snap_path, off, n);
      ASSERT_TRUE(data.ok()) << data.status().ToString();
      EXPECT_EQ(*data, std::string(n, '\0')) << "unreported bytes at " << off << " are not zero";
    }
  }
  // A fresh volume with four small writes: far from everything.
  EXPECT_LT(TotalBytes(allocated->ranges), size / 2)
      << "reported " << TotalBytes(allocated->ranges);

  SnapshotRef missing{NewUuid(), v.id, size, "", ""};
  EXPECT_EQ(driver().AllocatedExtents(missing).status().code(), StatusCode::kNotFound);
  EXPECT_OK(driver().DeleteSnapshot(snap));
  EXPECT_OK(driver().DeleteVolume(v));
}

}  // namespace bb::testing
