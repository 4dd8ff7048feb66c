// IscsiTarget: the volume host's side of an iSCSI export (Cinder's volume/targets/ role). It makes
// a file or block device readable (and writable) over iSCSI as one LUN of a target, reachable only
// by the initiators in the request's access list and only with the request's CHAP credentials.
// The backup host reaches it through a Connector (connectors/libiscsi_connector.h); what it needs
// to do so is the export's ConnectionInfo (IscsiConnectionInfo below).
//
// Implementations: `tgt` (tgt_target.h: tgtd driven by tgtadm). A LIO (configfs/targetcli) helper
// goes beside it as another implementation of this interface and one line in CreateIscsiTarget.
//
// Contract, for every implementation:
// - CreateExport converges: calling it again with the same request (a retry after a crash or an
//   error) gives the same export and leaves no duplicate. The same IQN with another backing path
//   is refused with AlreadyExists and left untouched. When it fails on a target it created itself,
//   it removes everything it made before returning the error (no partial export is left).
// - Logins are never possible without CHAP: the access list is bound last, after the account.
// - RemoveExport ends every session on the target (an initiator in the middle of a read gets an
//   error, not a hang), then removes the LUN, the CHAP account and the target. OK when the target
//   does not exist (idempotent; restart cleanup relies on it).
// - The CHAP secret is passed to the target's tools as a secret (CommandOptions::secrets), so it
//   never appears in logs or error messages. ListExports cannot recover secrets: listed exports
//   carry the CHAP user name and an empty secret.
// Thread-safety: every method may be called concurrently, also from several processes on one host
// (implementations serialise changes to the target framework with a host-wide lock).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

struct ChapCredentials {
  std::string username;
  std::string secret;  // never logged
};

// 20 random characters each ([a-zA-Z0-9], from OpenSSL's CSPRNG), like Cinder's generated CHAP.
ChapCredentials GenerateChapCredentials();

struct IscsiExportRequest {
  std::string target_iqn;    // e.g. "iqn.2010-10.org.openstack:snapshot-<id>"; see IsValidIqn
  std::string backing_path;  // absolute path of a regular file or a block device
  ChapCredentials chap;      // required: an export without CHAP is refused
  // Who may log in, by address (e.g. "127.0.0.1") or initiator IQN. At least one entry in all.
  std::vector<std::string> initiator_addresses;
  std::vector<std::string> initiator_names;
  bool read_only = false;  // a backup's export: writes are refused by the target
};

struct IscsiExport {
  std::string target_iqn;
  std::string portal;  // "ip:port" the initiator connects to
  int tid = 0;         // the target framework's own id of the target (tgt's tid); 0 when none
  int lun = 0;         // the data LUN (tgt: 1; LUN 0 is tgt's controller)
  std::string backing_path;
  ChapCredentials chap;  // secret empty in ListExports
  bool read_only = false;
};

class IscsiTarget {
 public:
  virtual ~IscsiTarget() = default;
  virtual Result<IscsiExport> CreateExport(const IscsiExportRequest& request) = 0;
  virtual Status RemoveExport(const std::string& target_iqn) = 0;
  // Every export of the target framework that has a data LUN, whoever made it.
  virtual Result<std::vector<IscsiExport>> ListExports() = 0;
  virtual Result<bool> Exists(const std::string& target_iqn);
};

// "iqn.YYYY-MM.reverse.domain[:anything]" of at most 223 characters of [a-z0-9.:-]
// (RFC 3720 §3.2.6.3.1; upper case is refused rather than folded, so names compare as strings).
bool IsValidIqn(const std::string& iqn);

// Cinder's formats, for a volume's or snapshot's provider_location and provider_auth:
// "<portal>,<tid> <iqn> <lun>" and "CHAP <username> <secret>".
std::string ProviderLocation(const IscsiExport& e);
std::string ProviderAuth(const ChapCredentials& chap);

// What an initiator needs (os-brick's iSCSI connection_info): driver_volume_type "iscsi", data
// target_portal, target_iqn, target_lun, auth_method "CHAP", auth_username, auth_password.
// auth_password is a secret: never log a ConnectionInfo's data.
ConnectionInfo IscsiConnectionInfo(const IscsiExport& e);

// The target helper named in the configuration: "tgt" (keys: portal, lock_file; tgt_target.h).
// NotFound names the known helpers.
Result<std::unique_ptr<IscsiTarget>> CreateIscsiTarget(
    const std::string& name, const std::map<std::string, std::string>& config,
    CommandRunner& runner);

}  // namespace bb
