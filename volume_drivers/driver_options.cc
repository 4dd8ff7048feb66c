// CheckDriverOptions: the one check every driver factory runs on its options, so that all drivers
// refuse an unknown key with the same message shape (backupd passes `volume_driver.<key>` lines
// through unchanged and leaves the validation to the driver that knows its keys).
// Thread-safety: pure function.
#include <algorithm>

#include "volume_drivers/volume_driver.h"

namespace bb {

Status CheckDriverOptions(const std::string& driver, const DriverConfig& options,
                          const std::vector<std::string>& known,
                          const std::vector<std::string>& known_prefixes) {
  for (const auto& [key, value] : options) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (std::any_of(known_prefixes.begin(), known_prefixes.end(),
                    [&key](const std::string& p) { return key.starts_with(p); })) {
      continue;
    }
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    for (const auto& p : known_prefixes) list += (list.empty() ? "" : ", ") + p + "<...>";
    return Status::InvalidArgument(driver + " driver: unknown option \"" + key +
                                   "\" (backupd: volume_driver." + key +
                                   "); its options are: " + (list.empty() ? "none" : list));
  }
  return Status::Ok();
}

}  // namespace bb
