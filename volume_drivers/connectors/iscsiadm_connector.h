// IscsiadmConnector: the "iscsi" connector through open-iscsi, the kernel initiator (os-brick's
// ISCSIConnector, single path; cinder-facts.md §5). Every command is an iscsiadm argv run through
// the injected CommandRunner (iscsiadm.h builds and parses them); the CHAP secret is passed as a
// CommandOptions secret, so the runner's logs and every error message show "***" instead.
// Needs root, iscsid and the kernel's iscsi_tcp module; without the module iscsiadm exits 12 and
// Connect is FailedPrecondition (use the libiscsi connector there).
//
// Connect, each step undoing the earlier ones when it fails:
//   0. the configured initiator name must be this host's (InitiatorName= of
//      /etc/iscsi/initiatorname.iscsi: the kernel logs in with that name, and the volume host put
//      the configured one in its access list) - FailedPrecondition otherwise, nothing run;
//   1. a session to (portal, iqn) that already has the LUN's link is reused (Connect is
//      idempotent);
//   2. optional sendtargets discovery (`--op nonpersistent`: no records written): NotFound when
//      the portal does not offer the IQN;
//   3. a static node record (`-m node --op new`);
//   4. `--op update` of node.session.timeo.replacement_timeout (= io_timeout: how long I/O waits
//      for a lost session to come back before it fails; open-iscsi's default is 120 s), of
//      node.session.initial_login_retry_max when login_retry_max is set, and of
//      node.session.auth.authmethod/username/password (authmethod None without CHAP);
//   5. `--login` (exit 15, already logged in, is success). A refused CHAP login is
//      PermissionDenied, a refused target NotFound. A login that timed out is followed by a
//      sendtargets discovery: NotFound when the portal does not offer the IQN or closes the
//      discovery session (tgtd with no targets drops logins and discoveries alike), else the
//      login's Unavailable;  undo: node record deleted;
//   6. wait, polling, for udev's /dev/disk/by-path/ip-<portal>-iscsi-<iqn>-lun-<lun> link, at most
//      device_timeout: DeadlineExceeded naming the path; undo: logout, node record deleted.
//   Returns the by-path link (a stable name that carries portal, IQN and LUN).
// Flush:      fsync(2) of the device (the block layer sends SYNCHRONIZE CACHE to the target).
// Disconnect: fsync of the device when its link is still there, then logout and node record
//             delete (exit 21, nothing there, is success: idempotent). The session is kept when
//             another LUN of the same target still has a link (one export per target is the
//             volume host's rule, so this is the exception).
// Devices:    the LUN's by-path link when `iscsiadm -m session` lists a session to (portal, iqn)
//             or a node record for it exists (a crash between record and login leaves one):
//             restart cleanup calls Disconnect on each, which undoes both.
// Open:       the default FileBlockDevice on the link.
// Thread-safety: concurrent calls for different targets are fine; calls for the same target must
// be serialised by the caller (the manager attaches a volume once).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/iscsi_address.h"

namespace bb {

struct IscsiadmOptions {
  std::string initiator_name;  // required; must match initiator_name_file
  std::string initiator_name_file = "/etc/iscsi/initiatorname.iscsi";
  std::string dev_root = "/dev";  // tests point it at a temp dir
  bool sendtargets_discovery = false;
  std::chrono::seconds io_timeout{30};  // node.session.timeo.replacement_timeout
  std::chrono::milliseconds device_timeout{20000};
  std::chrono::milliseconds poll_interval{100};
  // node.session.initial_login_retry_max; 0 keeps iscsid.conf's (Debian: 8). A login that gets
  // no answer (a portal that drops it) fails after about login_timeout (15 s) x this.
  int login_retry_max = 0;
  // Must outlast a login's retries: 15 s x 8 on Debian's defaults.
  std::chrono::milliseconds command_timeout{150000};
};

class IscsiadmConnector : public Connector {
 public:
  static constexpr const char* kType = "iscsi";
  static constexpr const char* kInitiator = "iscsiadm";  // ConnectorOptions::iscsi_initiator

  IscsiadmConnector(CommandRunner& runner, IscsiadmOptions options);

  Result<std::string> Connect(const ConnectionInfo& info) override;
  Status Disconnect(const ConnectionInfo& info, const std::string& device) override;
  Status Flush(const std::string& device) override;
  Result<std::vector<std::string>> Devices(const ConnectionInfo& info) override;

 private:
  // Runs iscsiadm; exit codes in `ok_codes` (0 always) are success, others ExitStatus(step).
  Status Run(const std::string& step, const std::vector<std::string>& argv,
             const std::vector<int>& ok_codes = {}, const std::vector<std::string>& secrets = {},
             std::string* out = nullptr);
  Status CheckInitiatorName() const;
  Result<bool> HasSession(const IscsiTargetAddress& a);
  Result<bool> HasNodeRecord(const IscsiTargetAddress& a);
  Status Discover(const IscsiTargetAddress& a);
  Status ConfigureNode(const IscsiTargetAddress& a);
  Status WaitForLink(const std::string& link) const;
  // Logout and node delete; both tolerate "nothing there". Used by Disconnect and by the undo of
  // a failed Connect.
  Status LogoutAndDelete(const IscsiTargetAddress& a);
  bool OtherLunsLinked(const IscsiTargetAddress& a) const;
  std::string Link(const IscsiTargetAddress& a) const;

  CommandRunner& runner_;
  const IscsiadmOptions options_;
};

}  // namespace bb
