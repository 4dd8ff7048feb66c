// The Connector conformance suite: one behavioural suite that every connector instantiates (the
// backup host's side of an attachment; connectors/connector.h). An instance is a connector type
// with its options plus an environment that can export a file the way a volume host would (the
// file itself, or a tgtd iSCSI target with CHAP) and can tell what an attachment left behind.
//
// Cases: read through the handle equals the source bytes; write through the handle then read back
// (the restore direction); disconnect is idempotent and leaves nothing; Devices() finds what
// Connect made (restart cleanup relies on it); a wrong CHAP secret is refused with a clear error
// and nothing left connected; a target that vanishes under a connected device gives a clean
// error; something that does not exist is NotFound and leaves nothing; bad connection info is
// InvalidArgument; a missing initiator name is InvalidArgument; an unknown connection type is
// NotFound naming the known ones. Cases that a connector's traits rule out skip with the reason.
//
// To add a connector: write a ConnectorFactory and
//   INSTANTIATE_TEST_SUITE_P(MyConnector, ConnectorConformanceTest,
//                            ::testing::Values(MyFactory()), ConnectorFactoryName);
// in volume_drivers/connectors/<name>_connector_conformance_test.cc, listed in
// tests/conformance/connector.cmake. Live cases of an instance whose host lacks something (root,
// a kernel module) skip with `unavailable()`'s reason.
// Thread-safety: gtest fixtures; one test at a time per process.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::testing {

// What the suite may expect of a connector. A case whose trait is false checks the documented
// opposite instead of skipping (CI=true counts skips as failures): e.g. without CHAP, credentials
// in the info are ignored, not misread; without devices that outlive the process, Devices() is
// empty even while connected.
struct ConnectorTraits {
  bool chap = false;                     // logins use CHAP: a wrong secret must be refused
  bool devices_outlive_process = false;  // Devices() finds a connected device (a kernel device)
  // Reads fail cleanly once the export vanished (a network target); false: the device keeps the
  // data it had (a local file unlinked under an open device stays readable).
  bool vanish_fails_io = false;
  bool needs_initiator_name = false;  // CreateConnector refuses options without one
};

// Exports for one test, and the means to check what an attachment left on the host.
class ConnectorTestEnv {
 public:
  virtual ~ConnectorTestEnv() = default;
  // Makes the file at `path` reachable the way a volume host would hand it out; read_only exports
  // refuse writes.
  virtual Result<ConnectionInfo> Export(const std::string& path, bool read_only) = 0;
  // Info for something that does not exist (a path, a target) in the same place.
  virtual ConnectionInfo Absent() = 0;
  // Makes the export disappear under a connected device: the target removed (its sessions
  // dropped), or the file unlinked.
  virtual Status Vanish(const ConnectionInfo& info) = 0;
  // What is still attached for `info` on this host or at the target (loop devices, sessions,
  // node records), described for the failure message; empty when nothing is.
  virtual Result<std::vector<std::string>> Leftovers(const ConnectionInfo& info) = 0;
  // Removes every export; the suite expects OK.
  virtual Status Cleanup() = 0;
};

struct ConnectorFactory {
  std::string name;  // test-name suffix: letters, digits, underscores
  std::string type;  // ConnectionInfo::driver_volume_type it serves
  ConnectorTraits traits;
  // The options CreateConnector gets (called once per test).
  std::function<ConnectorOptions()> options;
  // Why the live cases cannot run on this host; "" when they can. Checked before `create`.
  std::function<std::string()> unavailable;
  // A fresh environment for one test; `dir` is the test's temp dir (removed after it).
  std::function<Result<std::unique_ptr<ConnectorTestEnv>>(CommandRunner& runner,
                                                          const std::string& dir)>
      create;
};

inline void PrintTo(const ConnectorFactory& f, std::ostream* os) { *os << f.name; }
std::string ConnectorFactoryName(const ::testing::TestParamInfo<ConnectorFactory>& info);

// "needs root: <what>" when not root, else "".
std::string NeedsRoot(const std::string& what);

class ConnectorConformanceTest : public ::testing::TestWithParam<ConnectorFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // For live cases: creates the environment, or skips the test (returns false) with the reason
  // the host cannot run it. Usage: if (!Live()) return;
  bool Live();
  // A file of `size` pseudo-random bytes in the test's temp dir; returns its path.
  std::string SourceFile(int64_t size, uint32_t seed);
  // Connect, remembered so that TearDown disconnects what a failing case left.
  Result<std::string> Connect(const ConnectionInfo& info);
  Status Disconnect(const ConnectionInfo& info, const std::string& device);
  // Expects Leftovers(info) to be empty.
  void ExpectNothingLeft(const ConnectionInfo& info);

  Connector& connector() { return *connector_; }
  ConnectorTestEnv& env() { return *env_; }
  const ConnectorTraits& traits() const { return GetParam().traits; }

  SystemCommandRunner runner_;
  std::unique_ptr<Connector> connector_;
  std::unique_ptr<ConnectorTestEnv> env_;
  std::optional<TempDir> dir_;
  std::vector<std::pair<ConnectionInfo, std::string>> connected_;
};

}  // namespace bb::testing
