// The VolumeDriver conformance cases; see volume_driver_conformance.h.
#include "tests/conformance/volume_driver_conformance.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <fstream>
#include <utility>

#include "backup_service/common/uuid.h"
#include "tests/conformance/volume_driver_conformance_util.h"
#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/loop_connector.h"
#include "volume_drivers/testing/file_io.h"

namespace bb::testing {
namespace {

bool LoopBacks(const std::string& device, const std::string& path) {
  auto name = loop::LoopName(device);
  if (!name.ok()) return false;
  std::ifstream in("/sys/block/" + *name + "/loop/backing_file");
  std::string backing;
  if (!in || !std::getline(in, backing)) return false;
  char real[PATH_MAX];
  return loop::BackingFileMatches(backing, path, realpath(path.c_str(), real) ? real : "");
}

}  // namespace

std::string VolumeDriverFactoryName(const ::testing::TestParamInfo<VolumeDriverFactory>& info) {
  return info.param.name;
}

bool VolumeDriverConformanceTest::IsRoot() { return geteuid() == 0; }

void VolumeDriverConformanceTest::SetUp() {
  if (GetParam().unavailable_reason) {
    if (std::string why = GetParam().unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  }
  if (GetParam().needs_root && !IsRoot()) {
    GTEST_SKIP() << GetParam().name << " needs root to set up (mount); run the tests as root";
  }
  auto env = GetParam().create(runner_);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  env_ = std::move(env).value();
  ASSERT_OK(driver().CheckForSetupError());
}

void VolumeDriverConformanceTest::TearDown() {
  for (const auto& [info, device] : attached_) EXPECT_OK(Detach(info, device));
  attached_.clear();
  if (env_) EXPECT_OK(env_->Cleanup());
  env_.reset();
}

VolumeRef VolumeDriverConformanceTest::NewVolume(int64_t size_bytes) {
  VolumeRef v{NewUuid(), size_bytes, "", ""};
  auto loc = driver().CreateVolume(v);
  EXPECT_TRUE(loc.ok()) << loc.status().ToString();
  if (loc.ok()) v.provider_location = *loc;
  return v;
}

Result<std::string> VolumeDriverConformanceTest::Attach(const VolumeRef& volume,
                                                        ConnectionInfo* info) {
  ASSIGN_OR_RETURN(*info, driver().InitializeConnection(volume, {"localhost", "", ""}));
  ASSIGN_OR_RETURN(auto connector, CreateConnector(info->driver_volume_type, runner_));
  ASSIGN_OR_RETURN(std::string device, connector->Connect(*info));
  attached_.emplace_back(*info, device);
  return device;
}

Status VolumeDriverConformanceTest::Detach(const ConnectionInfo& info, const std::string& device) {
  ASSIGN_OR_RETURN(auto connector, CreateConnector(info.driver_volume_type, runner_));
  return connector->Disconnect(info, device);
}

Result<std::unique_ptr<Connector>> VolumeDriverConformanceTest::ConnectorFor(
    const ConnectionInfo& info) {
  ConnectorOptions options;
  options.initiator_name = kConformanceInitiator;
  options.iscsi_io_timeout = std::chrono::seconds(5);
  return CreateConnector(info.driver_volume_type, runner_, options);
}

Result<std::pair<VolumeRef, SnapshotRef>> VolumeDriverConformanceTest::SnapshotWithData(
    int64_t size, int64_t offset, char fill) {
  VolumeRef v = NewVolume(size);
  ASSIGN_OR_RETURN(std::string path, driver().VolumeLocalPath(v));
  RETURN_IF_ERROR(WriteAt(path, offset, Pattern(fill, 65536)));
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  ASSIGN_OR_RETURN(snap.provider_location, driver().CreateSnapshot(snap, v));
  return std::make_pair(v, snap);
}

// Capability-gated cases: a driver without the capability must refuse the operation (the manager
// never calls it, but a wrong call must not half-succeed). Checking that instead of skipping keeps
// a CI run, where any skip is a failure, green for drivers that honestly lack a feature.
bool VolumeDriverConformanceTest::RefusesSnapshotsIfUnsupported() {
  if (driver().Capabilities().can_snapshot) return false;
  RecordProperty("capability", "can_snapshot=false: checked that CreateSnapshot is refused");
  VolumeRef v = NewVolume(kMiB);
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  EXPECT_FALSE(driver().CreateSnapshot(snap, v).ok()) << "can_snapshot=false, yet it worked";
  EXPECT_FALSE(driver().SnapshotLocalPath(snap).ok());
  return true;
}

bool VolumeDriverConformanceTest::RefusesClonesIfUnsupported() {
  if (driver().Capabilities().can_clone) return false;
  RecordProperty("capability", "can_clone=false: checked that CreateClonedVolume is refused");
  VolumeRef src = NewVolume(kMiB);
  VolumeRef dst{NewUuid(), src.size_bytes, "", ""};
  EXPECT_FALSE(driver().CreateClonedVolume(dst, src).ok()) << "can_clone=false, yet it worked";
  EXPECT_FALSE(driver().VolumeLocalPath(dst).ok());
  return true;
}

TEST_P(VolumeDriverConformanceTest, CapabilitiesAreCoherent) {
  DriverCapabilities caps = driver().Capabilities();
  if (caps.snapshot_readable_locally || caps.snapshot_attachable) {
    EXPECT_TRUE(caps.can_snapshot);
  }
  if (caps.clone_is_cheap) {
    EXPECT_TRUE(caps.can_clone);
  }
  if (!caps.can_snapshot && !caps.can_clone) {
    EXPECT_FALSE(caps.no_consistent_copy_reason.empty())
        << "a driver without snapshots or clones must say why (no_consistent_copy_reason)";
  }
}

TEST_P(VolumeDriverConformanceTest, CreateVolumeHasSizeAndIsSparse) {
  VolumeRef v = NewVolume(64 * kMiB);
  ASSERT_FALSE(v.provider_location.empty());
  SKIP_UNLESS_CAP(volume_readable_locally);
  auto path = driver().VolumeLocalPath(v);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat(path->c_str(), &st), 0);
  EXPECT_EQ(SizeOf(*path).value(), 64 * kMiB);
  if (S_ISREG(st.st_mode)) {
    EXPECT_LE(st.st_blocks * 512, kMiB) << "a new volume should be sparse";
  }
}

TEST_P(VolumeDriverConformanceTest, RejectsIdsThatAreNotUuids) {
  auto r = driver().CreateVolume({"../../etc/passwd", kMiB, "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
}

TEST_P(VolumeDriverConformanceTest, DeleteVolumeIsIdempotent) {
  VolumeRef v = NewVolume(4 * kMiB);
  EXPECT_OK(driver().DeleteVolume(v));
  EXPECT_OK(driver().DeleteVolume(v));
  EXPECT_OK(driver().DeleteVolume({NewUuid(), kMiB, "", ""}));  // never created
  if (driver().Capabilities().volume_readable_locally) {
    EXPECT_EQ(driver().VolumeLocalPath(v).status().code(), StatusCode::kNotFound);
  }
}

TEST_P(VolumeDriverConformanceTest, LocalPathIsReadableAndWritable) {
  SKIP_UNLESS_CAP(volume_readable_locally);
  VolumeRef v = NewVolume(4 * kMiB);
  auto path = driver().VolumeLocalPath(v);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  ASSERT_OK(WriteAt(*path, kMiB, Pattern('a', 4096)));
  EXPECT_EQ(ReadAt(*path, kMiB, 4096).value(), Pattern('a', 4096));
  EXPECT_EQ(ReadAt(*path, 0, 4096).value(), Pattern('\0', 4096));
}

TEST_P(VolumeDriverConformanceTest, ExtendGrowsKeepsDataAndNeverShrinks) {
  VolumeRef v = NewVolume(4 * kMiB);
  auto path = driver().VolumeLocalPath(v);
  if (path.ok()) ASSERT_OK(WriteAt(*path, 3 * kMiB, Pattern('E', 4096)));
  Status s = driver().ExtendVolume(v, 8 * kMiB);
  if (s.code() == StatusCode::kUnimplemented) GTEST_SKIP() << "driver cannot extend volumes";
  ASSERT_OK(s);
  EXPECT_OK(driver().ExtendVolume(v, 8 * kMiB));  // already that size
  EXPECT_EQ(driver().ExtendVolume(v, 2 * kMiB).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(driver().ExtendVolume({NewUuid(), kMiB, "", ""}, 8 * kMiB).code(),
            StatusCode::kNotFound);
  SKIP_UNLESS_CAP(volume_readable_locally);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(SizeOf(*path).value(), 8 * kMiB);
  EXPECT_EQ(ReadAt(*path, 3 * kMiB, 4096).value(), Pattern('E', 4096));
  EXPECT_EQ(ReadAt(*path, 6 * kMiB, 4096).value(), Pattern('\0', 4096));
}

// A volume's storage may be what its snapshots share (LVM, reflink): deleting it under them is
// refused, and allowed again once they are gone.
TEST_P(VolumeDriverConformanceTest, DeleteVolumeWithSnapshotsIsRefused) {
  if (RefusesSnapshotsIfUnsupported()) return;
  VolumeRef v = NewVolume(4 * kMiB);
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(snap, v).ok());
  Status refused = driver().DeleteVolume(v);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.ToString();
  if (driver().Capabilities().volume_readable_locally) {
    EXPECT_TRUE(driver().VolumeLocalPath(v).ok()) << "a refused delete removed the volume";
  }
  EXPECT_OK(driver().DeleteSnapshot(snap));
  EXPECT_OK(driver().DeleteVolume(v));
}

TEST_P(VolumeDriverConformanceTest, CreateVolumeFromSnapshotHasItsDataAndIsIndependent) {
  if (!driver().Capabilities().can_create_from_snapshot) {
    if (!driver().Capabilities().can_snapshot) {
      RefusesSnapshotsIfUnsupported();
      return;
    }
    GTEST_SKIP() << "driver lacks capability can_create_from_snapshot";
  }
  SKIP_UNLESS_CAP(volume_readable_locally);
  auto made = SnapshotWithData(4 * kMiB, kMiB, 'F');
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto& [v, snap] = *made;
  VolumeRef dst{NewUuid(), 8 * kMiB, "", ""};
  auto loc = driver().CreateVolumeFromSnapshot(dst, snap);
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  std::string dst_path = driver().VolumeLocalPath(dst).value();
  EXPECT_EQ(SizeOf(dst_path).value(), 8 * kMiB) << "grown to the requested size";
  EXPECT_EQ(ReadAt(dst_path, kMiB, 65536).value(), Pattern('F', 65536));
  ASSERT_OK(WriteAt(dst_path, kMiB, Pattern('G', 4096)));
  if (driver().Capabilities().snapshot_readable_locally) {
    EXPECT_EQ(ReadAt(driver().SnapshotLocalPath(snap).value(), kMiB, 4096).value(),
              Pattern('F', 4096));
  }
  // A smaller target than the snapshot is refused.
  VolumeRef small{NewUuid(), kMiB, "", ""};
  EXPECT_EQ(driver().CreateVolumeFromSnapshot(small, snap).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_OK(driver().DeleteSnapshot(snap));
  EXPECT_OK(driver().DeleteVolume(dst));
  EXPECT_OK(driver().DeleteVolume(v));
}

TEST_P(VolumeDriverConformanceTest, SnapshotIsPointInTime) {
  if (RefusesSnapshotsIfUnsupported()) return;
  SKIP_UNLESS_CAP(snapshot_readable_locally);
  SKIP_UNLESS_CAP(volume_readable_locally);
  VolumeRef v = NewVolume(4 * kMiB);
  std::string vpath = driver().VolumeLocalPath(v).value();
  ASSERT_OK(WriteAt(vpath, 0, Pattern('A', 8192)));
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  auto loc = driver().CreateSnapshot(snap, v);
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  ASSERT_OK(WriteAt(vpath, 0, Pattern('B', 8192)));
  auto spath = driver().SnapshotLocalPath(snap);
  ASSERT_TRUE(spath.ok()) << spath.status().ToString();
  EXPECT_EQ(ReadAt(*spath, 0, 8192).value(), Pattern('A', 8192));
  EXPECT_EQ(SizeOf(*spath).value(), 4 * kMiB);
  EXPECT_EQ(ReadAt(vpath, 0, 8192).value(), Pattern('B', 8192));
  EXPECT_OK(driver().DeleteSnapshot(snap));
}

TEST_P(VolumeDriverConformanceTest, DeleteSnapshotIsIdempotent) {
  if (RefusesSnapshotsIfUnsupported()) return;
  VolumeRef v = NewVolume(4 * kMiB);
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(snap, v).ok());
  EXPECT_OK(driver().DeleteSnapshot(snap));
  EXPECT_OK(driver().DeleteSnapshot(snap));
  EXPECT_OK(driver().DeleteSnapshot({NewUuid(), v.id, 0, "", ""}));
  if (driver().Capabilities().snapshot_readable_locally) {
    EXPECT_EQ(driver().SnapshotLocalPath(snap).status().code(), StatusCode::kNotFound);
  }
  EXPECT_OK(driver().DeleteVolume(v));  // a volume whose snapshots are gone can be deleted
}

TEST_P(VolumeDriverConformanceTest, CloneIsIndependent) {
  if (RefusesClonesIfUnsupported()) return;
  SKIP_UNLESS_CAP(volume_readable_locally);
  VolumeRef src = NewVolume(4 * kMiB);
  std::string src_path = driver().VolumeLocalPath(src).value();
  ASSERT_OK(WriteAt(src_path, 0, Pattern('A', 4096)));
  VolumeRef dst{NewUuid(), src.size_bytes, "", ""};
  auto loc = driver().CreateClonedVolume(dst, src);
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  std::string dst_path = driver().VolumeLocalPath(dst).value();
  ASSERT_OK(WriteAt(src_path, 0, Pattern('B', 4096)));
  EXPECT_EQ(ReadAt(dst_path, 0, 4096).value(), Pattern('A', 4096));
  ASSERT_OK(WriteAt(dst_path, 0, Pattern('C', 4096)));
  EXPECT_EQ(ReadAt(src_path, 0, 4096).value(), Pattern('B', 4096));
  EXPECT_OK(driver().DeleteVolume(dst));
  EXPECT_EQ(ReadAt(src_path, 0, 4096).value(), Pattern('B', 4096));
}

TEST_P(VolumeDriverConformanceTest, ConnectedDeviceShowsVolumeContent) {
  SKIP_UNLESS_ROOT();
  SKIP_UNLESS_CAP(volume_readable_locally);
  VolumeRef v = NewVolume(8 * kMiB);
  std::string vpath = driver().VolumeLocalPath(v).value();
  ASSERT_OK(WriteAt(vpath, 3 * kMiB, Pattern('D', 4096)));
  ConnectionInfo info;
  auto dev = Attach(v, &info);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_TRUE(dev->starts_with("/dev/")) << *dev;
  EXPECT_EQ(SizeOf(*dev).value(), 8 * kMiB);
  EXPECT_EQ(ReadAt(*dev, 3 * kMiB, 4096).value(), Pattern('D', 4096));
}

TEST_P(VolumeDriverConformanceTest, DeviceWritesAreInTheVolumeAfterFlush) {
  SKIP_UNLESS_ROOT();
  SKIP_UNLESS_CAP(volume_readable_locally);
  VolumeRef v = NewVolume(8 * kMiB);
  ConnectionInfo info;
  auto dev = Attach(v, &info);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  ASSERT_OK(WriteAt(*dev, 5 * kMiB, Pattern('W', 4096)));
  auto connector = CreateConnector(info.driver_volume_type, runner_);
  ASSERT_TRUE(connector.ok());
  ASSERT_OK((*connector)->Flush(*dev));
  EXPECT_EQ(ReadAt(driver().VolumeLocalPath(v).value(), 5 * kMiB, 4096).value(),
            Pattern('W', 4096));
}

// The manager's in-use backup path: write through the device, Flush, snapshot while attached.
TEST_P(VolumeDriverConformanceTest, SnapshotOfAttachedVolumeHasFlushedWrites) {
  SKIP_UNLESS_ROOT();
  if (RefusesSnapshotsIfUnsupported()) return;
  SKIP_UNLESS_CAP(snapshot_readable_locally);
  VolumeRef v = NewVolume(8 * kMiB);
  ConnectionInfo info;
  auto dev = Attach(v, &info);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  ASSERT_OK(WriteAt(*dev, 2 * kMiB, Pattern('S', 65536)));
  auto connector = CreateConnector(info.driver_volume_type, runner_);
  ASSERT_TRUE(connector.ok());
  ASSERT_OK((*connector)->Flush(*dev));
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  ASSERT_TRUE(driver().CreateSnapshot(snap, v).ok());
  ASSERT_OK(WriteAt(*dev, 2 * kMiB, Pattern('T', 65536)));
  EXPECT_EQ(ReadAt(driver().SnapshotLocalPath(snap).value(), 2 * kMiB, 65536).value(),
            Pattern('S', 65536));
  EXPECT_OK(driver().DeleteSnapshot(snap));
}

TEST_P(VolumeDriverConformanceTest, DisconnectRemovesDeviceAndIsIdempotent) {
  SKIP_UNLESS_ROOT();
  VolumeRef v = NewVolume(4 * kMiB);
  ConnectionInfo info;
  auto dev = Attach(v, &info);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  attached_.clear();  // this test detaches itself
  if (info.driver_volume_type == "local") {
    // A device node of this host (an LV): nothing was attached, so nothing is removed; the
    // connection is the node itself, and disconnecting (a flush) stays idempotent.
    RecordProperty("connection", "local: the device is the volume's own node");
    EXPECT_EQ(*dev, info.data["device_path"]);
    EXPECT_OK(Detach(info, *dev));
    EXPECT_OK(Detach(info, *dev));
    EXPECT_OK(driver().TerminateConnection(v, {"localhost", "", ""}));
    EXPECT_OK(driver().TerminateConnection(v, {"localhost", "", ""}));
    return;
  }
  ASSERT_TRUE(LoopBacks(*dev, info.data["path"])) << *dev;
  ASSERT_OK(Detach(info, *dev));
  EXPECT_FALSE(LoopBacks(*dev, info.data["path"])) << *dev << " still attached";
  auto listed = RunChecked(runner_, {"losetup", "--associated", info.data["path"]});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->out, "");
  EXPECT_OK(Detach(info, *dev));
  EXPECT_OK(driver().TerminateConnection(v, {"localhost", "", ""}));
  EXPECT_OK(driver().TerminateConnection(v, {"localhost", "", ""}));
}

}  // namespace bb::testing
