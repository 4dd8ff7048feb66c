// Registry of built-in volume drivers. Adding a driver = one line in kDrivers below (plus its
// folder and a conformance-suite instantiation). No static-initialiser self-registration: this list
// is the one place that says which drivers exist. Thread-safety: CreateVolumeDriver is reentrant.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "volume_drivers/fake/fake_driver.h"
#include "volume_drivers/file/file_driver.h"
#include "volume_drivers/lvm/lvm_driver.h"
#include "volume_drivers/volume_driver.h"

namespace bb {
namespace {

using Factory =
    std::function<Result<std::unique_ptr<VolumeDriver>>(const DriverConfig&, CommandRunner&)>;

// Converts Result<unique_ptr<Derived>> to Result<unique_ptr<VolumeDriver>>.
template <typename D>
Result<std::unique_ptr<VolumeDriver>> Upcast(Result<std::unique_ptr<D>> r) {
  if (!r.ok()) return r.status();
  return std::unique_ptr<VolumeDriver>(std::move(r).value());
}

const std::vector<std::pair<std::string, Factory>>& Drivers() {
  static const auto* drivers = new std::vector<std::pair<std::string, Factory>>{
      {FileDriver::kName,
       [](const DriverConfig& c, CommandRunner& r) { return Upcast(FileDriver::Create(c, r)); }},
      {LvmDriver::kName,
       [](const DriverConfig& c, CommandRunner& r) { return Upcast(LvmDriver::Create(c, r)); }},
      {FakeDriver::kName,
       [](const DriverConfig& c, CommandRunner&) { return Upcast(FakeDriver::Create(c)); }},
  };
  return *drivers;
}

}  // namespace

Result<std::unique_ptr<VolumeDriver>> CreateVolumeDriver(const std::string& name,
                                                         const DriverConfig& config,
                                                         CommandRunner& runner) {
  std::string known;
  for (const auto& [driver_name, factory] : Drivers()) {
    if (driver_name == name) return factory(config, runner);
    known += (known.empty() ? "" : ", ") + driver_name;
  }
  return Status::NotFound("unknown volume driver \"" + name + "\"; known drivers: " + known);
}

}  // namespace bb
