// DriverExports: what a volume driver needs to export its volumes and snapshots over iSCSI through
// an IscsiTarget helper (Cinder's volume/targets/iscsi.py role): one target per object, named
// "<iqn_prefix><volume|snapshot>-<id>" (so removal and restart cleanup need only the id), LUN as
// the helper numbers it, generated CHAP credentials, an access list of the connecting host's
// initiator name and address, and the model update (provider_location, provider_auth) in Cinder's
// formats. A driver gives it the backing path of the object; the helper does the rest. The file
// driver uses it (file_driver.h); an LVM driver would use it the same way.
// Contract: Export converges (IscsiTarget::CreateExport) and generates new credentials each time
// (the returned update holds them; the manager stores it); Remove is idempotent; a failed Export
// leaves no target behind. The CHAP secret is never logged.
// Thread-safety: as the IscsiTarget helper (every method may be called concurrently).
#pragma once

#include <memory>
#include <string>

#include "volume_drivers/targets/iscsi_target.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

enum class ExportKind { kVolume, kSnapshot };

class DriverExports {
 public:
  static constexpr const char* kDefaultIqnPrefix = "iqn.2010-10.org.blockbackup:";

  // `iqn_prefix` must make a valid IQN with "snapshot-<uuid>" appended (InvalidArgument).
  static Result<std::unique_ptr<DriverExports>> Create(std::unique_ptr<IscsiTarget> target,
                                                       std::string iqn_prefix);

  std::string Iqn(ExportKind kind, const std::string& id) const;
  // Exports `backing_path` for the host `connector` describes (its initiator name and/or address
  // form the access list; InvalidArgument when it has neither), read-only for snapshots.
  Result<ExportUpdate> Export(ExportKind kind, const std::string& id,
                              const std::string& backing_path,
                              const ConnectorProperties& connector);
  // Removes the object's target. OK when there is none. Returns the "not exported" update.
  Result<ExportUpdate> Remove(ExportKind kind, const std::string& id);
  // True when the target framework answers (CheckForSetupError); Unavailable saying why not.
  Status CheckReachable();
  IscsiTarget& target() { return *target_; }

 private:
  DriverExports(std::unique_ptr<IscsiTarget> target, std::string iqn_prefix);
  std::unique_ptr<IscsiTarget> target_;
  const std::string iqn_prefix_;
};

// The connection info of an export recorded in provider_location/provider_auth (Cinder's formats:
// "<portal>,<tid> <iqn> <lun>" and "CHAP <user> <secret>"), for `connector`. InvalidArgument when
// they are malformed or the connector has no initiator name (an iSCSI login needs one).
Result<ConnectionInfo> IscsiConnectionFromModel(const std::string& provider_location,
                                                const std::string& provider_auth,
                                                const ConnectorProperties& connector);

// Parses "<portal>,<tid> <iqn> <lun>" into an IscsiExport (chap empty). InvalidArgument otherwise.
Result<IscsiExport> ParseProviderLocation(const std::string& provider_location);

}  // namespace bb
