// Runs the VolumeDriver conformance suite on the fake driver (full-copy snapshots in a temp dir),
// so that the double the manager tests rely on behaves like a real driver.
#include <utility>
#include <vector>

#include "tests/conformance/volume_driver_conformance.h"
#include "volume_drivers/fake/fake_driver.h"

namespace bb::testing {
namespace {

class FakeDriverEnv : public VolumeDriverTestEnv {
 public:
  explicit FakeDriverEnv(DriverCapabilities caps) : driver_(std::move(caps)) {}
  VolumeDriver& driver() override { return driver_; }
  Status Cleanup() override { return Status::Ok(); }  // the driver removes its own temp dir
  Result<std::vector<std::string>> ExportsLeft() override {
    auto set = driver_.Exported();
    return std::vector<std::string>(set.begin(), set.end());
  }

 private:
  FakeDriver driver_;
};

VolumeDriverFactory Factory(std::string name, DriverCapabilities caps) {
  return {std::move(name),
          [caps](CommandRunner&) -> Result<std::unique_ptr<VolumeDriverTestEnv>> {
            return std::unique_ptr<VolumeDriverTestEnv>(std::make_unique<FakeDriverEnv>(caps));
          },
          /*needs_root=*/false};
}

// A driver that can make no consistent copy: exercises the suite's "must refuse" checks.
DriverCapabilities NoCopies() {
  DriverCapabilities caps;
  caps.volume_readable_locally = true;
  caps.no_consistent_copy_reason = "fake driver configured without snapshots or clones";
  return caps;
}

// Snapshots and volumes exportable (bookkeeping exports, local_file connections).
DriverCapabilities Attachable() {
  DriverCapabilities caps = FakeDriver::DefaultCapabilities();
  caps.snapshot_attachable = true;
  caps.volume_attachable = true;
  return caps;
}

INSTANTIATE_TEST_SUITE_P(FakeDriver, VolumeDriverConformanceTest,
                         ::testing::Values(Factory("Default", FakeDriver::DefaultCapabilities()),
                                           Factory("Attachable", Attachable()),
                                           Factory("NoCopies", NoCopies())),
                         VolumeDriverFactoryName);

}  // namespace
}  // namespace bb::testing
