// Runs the VolumeDriver conformance suite on the fake driver (full-copy snapshots in a temp dir),
// so that the double the manager tests rely on behaves like a real driver.
#include <utility>

#include "tests/conformance/volume_driver_conformance.h"
#include "volume_drivers/fake/fake_driver.h"

namespace bb::testing {
namespace {

class FakeDriverEnv : public VolumeDriverTestEnv {
 public:
  explicit FakeDriverEnv(DriverCapabilities caps) : driver_(std::move(caps)) {}
  VolumeDriver& driver() override { return driver_; }
  Status Cleanup() override { return Status::Ok(); }  // the driver removes its own temp dir

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

INSTANTIATE_TEST_SUITE_P(FakeDriver, VolumeDriverConformanceTest,
                         ::testing::Values(Factory("Default", FakeDriver::DefaultCapabilities()),
                                           Factory("NoCopies", NoCopies())),
                         VolumeDriverFactoryName);

}  // namespace
}  // namespace bb::testing
