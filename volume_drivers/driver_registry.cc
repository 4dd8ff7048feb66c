// Registry of built-in volume drivers. Registering a driver is ONE line in BB_VOLUME_DRIVERS
// below: X("<name>", <Factory>), where <name> is what backupd's `volume_driver` selects (and the
// name of the driver's folder, volume_drivers/<name>/) and <Factory> is a function of type
// DriverFactory (volume_driver.h) that the folder defines in namespace bb. The list is
// expanded twice: once into declarations of the factories (so the registry includes no driver
// header) and once into the table. No static-initialiser self-registration (static libraries
// drop such objects): this list is the one place that says which drivers exist.
// tests/tools/check_volume_driver_layout.sh checks that every entry has a folder with a
// conformance instantiation, and every driver folder an entry.
// Thread-safety: CreateVolumeDriver is reentrant.
#include <string>
#include <utility>
#include <vector>

#include "volume_drivers/volume_driver.h"

// clang-format off
#define BB_VOLUME_DRIVERS(X)           \
  X("file", CreateFileVolumeDriver)    \
  X("lvm", CreateLvmVolumeDriver)      \
  X("fake", CreateFakeVolumeDriver)
// clang-format on

namespace bb {

#define BB_DECLARE_FACTORY(name, factory) DriverFactory factory;
BB_VOLUME_DRIVERS(BB_DECLARE_FACTORY)
#undef BB_DECLARE_FACTORY

namespace {

struct Entry {
  const char* name;
  DriverFactory* factory;
};

const std::vector<Entry>& Drivers() {
#define BB_ENTRY(name, factory) Entry{name, &factory},
  static const std::vector<Entry> drivers = {BB_VOLUME_DRIVERS(BB_ENTRY)};
#undef BB_ENTRY
  return drivers;
}

}  // namespace

Result<std::unique_ptr<VolumeDriver>> CreateVolumeDriver(const std::string& name,
                                                         const DriverConfig& config,
                                                         CommandRunner& runner) {
  for (const Entry& e : Drivers()) {
    if (e.name == name) return e.factory(config, runner);
  }
  std::string known;
  for (const std::string& n : VolumeDriverNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::NotFound("unknown volume driver \"" + name + "\"; known drivers: " + known);
}

std::vector<std::string> VolumeDriverNames() {
  std::vector<std::string> names;
  for (const Entry& e : Drivers()) names.emplace_back(e.name);
  return names;
}

}  // namespace bb
