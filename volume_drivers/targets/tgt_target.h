// TgtTarget: IscsiTarget over tgtd (the userspace Linux SCSI target framework, Debian `tgt`),
// driven by `tgtadm` through the injected CommandRunner (argv, never a shell; CHAP secrets passed
// as CommandOptions::secrets). tgtd itself is a system service (devstack/lib/tgt.sh), started with
// its portal on `portal`; this class does not start it and answers Unavailable when none runs.
//
// An export is one tgt target: LUN 0 is tgt's own controller (it always exists), the data is
// LUN 1 (backing store `rdwr`: the file or device read and written through tgtd's page cache).
//
// CreateExport, under the host lock:
//   portal show (tgtd must listen on `portal`: FailedPrecondition otherwise, nothing exported)
//   -> target new (the lowest free tid; another tid when a racing tgtadm user took it)
//   -> logicalunit new LUN 1 (AlreadyExists when the target serves another path: left as is)
//   -> logicalunit update readonly=0|1 when it differs
//   -> ACL entries unbound (no login is possible while the account changes)
//   -> other accounts bound to the target unbound and deleted; the requested account deleted if
//      it exists, created with the requested secret and bound
//   -> ACL entries of the request bound (initiator addresses and names): logins begin here.
// A failure on a target this call created removes it again (RemoveExport's steps).
// RemoveExport, under the host lock, until the target is gone:
//   ACL entries unbound (initiators cannot log in again) -> every connection deleted (tgtadm
//   --mode conn --op delete: the initiator's socket closes, its I/O fails) -> LUNs >= 1 deleted
//   (tgtd refuses while a session still closes: re-read and retried, a bounded poll) -> accounts
//   unbound and deleted unless bound to another target -> target deleted.
// The host lock is flock(2) on `lock_file`, shared by every process on the host that uses this
// class, so tids are never handed out twice.
// Not here yet: tgtd forgets its targets when it restarts; the volume host re-exports from the
// provider_location it stored (Cinder's tgt helper writes config files for tgt-admin instead).
// Thread-safety: all methods may be called concurrently (the lock serialises them).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "volume_drivers/targets/iscsi_target.h"
#include "volume_drivers/targets/tgt_admin.h"

namespace bb {

struct TgtTargetOptions {
  std::string portal = "127.0.0.1:3260";  // what tgtd listens on (devstack/lib/tgt.sh)
  std::string lock_file = "/run/lock/blockbackup-tgt.lock";
  std::chrono::milliseconds command_timeout{30000};
  // RemoveExport re-reads the target this many times, 100 ms apart, while sessions close.
  int remove_attempts = 50;

  // Config keys: portal, lock_file, command_timeout_ms. InvalidArgument for unknown keys or bad
  // values.
  static Result<TgtTargetOptions> FromConfig(const std::map<std::string, std::string>& config);
};

class TgtTarget : public IscsiTarget {
 public:
  static constexpr const char* kName = "tgt";
  static constexpr int kDataLun = 1;

  explicit TgtTarget(CommandRunner& runner, TgtTargetOptions options = {});

  Result<IscsiExport> CreateExport(const IscsiExportRequest& request) override;
  Status RemoveExport(const std::string& target_iqn) override;
  Result<std::vector<IscsiExport>> ListExports() override;
  // True when a target of that IQN exists, with or without a data LUN.
  Result<bool> Exists(const std::string& target_iqn) override;

 private:
  Status Run(const std::vector<std::string>& argv, const std::vector<std::string>& secrets = {});
  Result<std::vector<tgt::Target>> ShowTargets();
  Result<std::vector<std::string>> ShowAccounts();
  // FailedPrecondition unless tgtd listens on options_.portal: a tgtd whose portal port was taken
  // by another program when it started falls back to 0.0.0.0:3260 and [::]:3260 (tgt 1.0.85),
  // so initiators sent to the configured portal would reach that other program, or nothing.
  Status CheckPortal();
  // Creates the target with a free tid; returns the tid.
  Result<int> NewTarget(const std::string& iqn);
  Status Converge(const tgt::Target& target, const IscsiExportRequest& request,
                  const std::vector<tgt::Target>& all);
  Status RemoveLocked(const std::string& target_iqn);
  IscsiExport ToExport(const tgt::Target& target, const tgt::Lun& lun) const;

  CommandRunner& runner_;
  const TgtTargetOptions options_;
};

}  // namespace bb
