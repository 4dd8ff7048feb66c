// The VolumeDriver conformance suite: one behavioural test suite that every volume driver
// instantiates (in the style of restic's backend tests). One suite fits every driver: a case whose
// capability (can_snapshot, can_clone) the driver lacks checks instead that the driver refuses the
// operation; cases that need a capability only to observe the result (volume/snapshot readable
// locally) skip with GTEST_SKIP.
//
// Export cases (export_cases.cc): with snapshot_attachable / volume_attachable the driver's
// exports are attached through the connector its ConnectionInfo names (libiscsi for "iscsi",
// the loop device for "local_file"), as the host ConnectorProperties kConformanceInitiator /
// 127.0.0.1; the environment lists the exports it still holds (ExportsLeft) so each case checks
// that nothing is left. Without the capability a case checks that the export is refused; the
// wrong-CHAP case records "not_applicable" for connections without CHAP (local_file).
//
// To add a driver: write a VolumeDriverFactory and
//   INSTANTIATE_TEST_SUITE_P(MyDriver, VolumeDriverConformanceTest,
//                            ::testing::Values(MyFactory()), VolumeDriverFactoryName);
// Cases that need root (mount, losetup) skip with a message when not run as root.
// Thread-safety: gtest fixtures; one test at a time per process.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/volume_driver.h"

namespace bb::testing {

// A driver under test plus whatever it stands on (temp dir, scratch filesystem).
class VolumeDriverTestEnv {
 public:
  virtual ~VolumeDriverTestEnv() = default;
  // The driver; CheckForSetupError has NOT been called yet (the suite calls it).
  virtual VolumeDriver& driver() = 0;
  // Removes everything the environment created; the suite expects OK.
  virtual Status Cleanup() = 0;
  // Names of the exports of this environment's driver that exist now (e.g. tgt targets under its
  // IQN prefix). Drivers that export nothing keep the default (none).
  virtual Result<std::vector<std::string>> ExportsLeft() { return std::vector<std::string>{}; }
};

// The initiator name and address the suite connects as.
inline constexpr const char* kConformanceInitiator = "iqn.2010-10.org.blockbackup:conformance";
inline ConnectorProperties ConformanceConnector() {
  return {"localhost", kConformanceInitiator, "127.0.0.1"};
}

struct VolumeDriverFactory {
  std::string name;  // test-name suffix: letters, digits, underscores
  // Creates a fresh environment for one test.
  std::function<Result<std::unique_ptr<VolumeDriverTestEnv>>(CommandRunner& runner)> create;
  bool needs_root = false;  // creating the environment itself needs root (e.g. mounts)
  // When set and it returns a reason, the case skips with it: the backend does not exist on this
  // host (e.g. LVM without device-mapper; the reason says where the cases really run).
  std::function<std::string()> unavailable_reason = nullptr;
};

// Shown by GoogleTest (and ctest) instead of the raw bytes of the parameter.
inline void PrintTo(const VolumeDriverFactory& f, std::ostream* os) { *os << f.name; }

// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string VolumeDriverFactoryName(const ::testing::TestParamInfo<VolumeDriverFactory>& info);

class VolumeDriverConformanceTest : public ::testing::TestWithParam<VolumeDriverFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  VolumeDriver& driver() { return env_->driver(); }
  static bool IsRoot();
  // Creates a volume with a fresh id; fails the test on error.
  VolumeRef NewVolume(int64_t size_bytes);
  // InitializeConnection + Connect; TearDown disconnects whatever the test left attached.
  Result<std::string> Attach(const VolumeRef& volume, ConnectionInfo* info);
  Status Detach(const ConnectionInfo& info, const std::string& device);
  // When the driver lacks the capability: checks that it refuses the operation and returns true
  // (the case then ends, passing). Returns false when the capability is there.
  bool RefusesSnapshotsIfUnsupported();
  bool RefusesClonesIfUnsupported();
  bool RefusesSnapshotExportsIfUnsupported();  // volume_driver_export_cases.cc
  bool RefusesVolumeExportsIfUnsupported();
  // The connector for `info` (options: kConformanceInitiator, a 5 s I/O timeout).
  Result<std::unique_ptr<Connector>> ConnectorFor(const ConnectionInfo& info);
  // A snapshot of a new volume of `size` bytes whose first 64 KiB at `offset` hold `fill`.
  Result<std::pair<VolumeRef, SnapshotRef>> SnapshotWithData(int64_t size, int64_t offset,
                                                             char fill);

  SystemCommandRunner runner_;
  std::unique_ptr<VolumeDriverTestEnv> env_;
  std::vector<std::pair<ConnectionInfo, std::string>> attached_;
};

}  // namespace bb::testing
