// tgtadm's command lines and output, as pure functions (no process is run here), so that the
// TgtTarget's decisions can be tested against captured real output without root or tgtd.
// tgtadm (Debian `tgt` 1.0.85) talks to tgtd over its management socket; every change is one
// command. Errors exit 22 (EINVAL) with a one-line reason on stderr, 107 when no tgtd answers.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"

namespace bb::tgt {

struct Lun {
  int lun = 0;
  std::string type;          // "controller" (LUN 0, tgt's own) or "disk"
  std::string backing_path;  // "None" for the controller
  bool read_only = false;
};

struct Connection {
  int sid = 0;  // tgt's "I_T nexus" number is the session id tgtadm --mode conn wants
  int cid = 0;
  std::string initiator;
  std::string address;
};

struct Target {
  int tid = 0;
  std::string iqn;
  std::vector<Connection> connections;
  std::vector<Lun> luns;
  std::vector<std::string> accounts;  // bound CHAP users (incoming)
  std::vector<std::string> acl;       // initiator addresses and names, as tgtadm prints them
};

// Parses `tgtadm --lld iscsi --mode target --op show`. Internal when the text is not that format.
Result<std::vector<Target>> ParseTargetShow(std::string_view out);
// Parses `tgtadm --lld iscsi --mode account --op show` ("Account list:" then one user per line;
// nothing at all when there is no account). " (outgoing)" suffixes are dropped.
Result<std::vector<std::string>> ParseAccountShow(std::string_view out);

// Parses `tgtadm --lld iscsi --mode portal --op show` ("Portal: 127.0.0.1:3260,1" per line, the
// ",1" being the portal group) into "ip:port" entries ("[::]:3260" for IPv6).
Result<std::vector<std::string>> ParsePortalShow(std::string_view out);
// True when a tgtd listening on `listening` serves `portal` ("ip:port"): the same entry, or a
// wildcard address (0.0.0.0, [::]) on the same port.
bool PortalServed(const std::vector<std::string>& listening, const std::string& portal);

// True for an ACL entry that names an initiator (iqn./eui./naa.) rather than an address.
bool IsInitiatorName(std::string_view acl_entry);

// The argv of each tgtadm operation the TgtTarget uses ("tgtadm --lld iscsi --mode M --op O ...").
std::vector<std::string> ShowTargetsArgv();
std::vector<std::string> ShowAccountsArgv();
std::vector<std::string> ShowPortalsArgv();
std::vector<std::string> NewTargetArgv(int tid, const std::string& iqn);
std::vector<std::string> DeleteTargetArgv(int tid);
std::vector<std::string> NewLunArgv(int tid, int lun, const std::string& backing_path);
std::vector<std::string> SetLunReadOnlyArgv(int tid, int lun, bool read_only);
std::vector<std::string> DeleteLunArgv(int tid, int lun);
std::vector<std::string> NewAccountArgv(const std::string& user, const std::string& secret);
std::vector<std::string> DeleteAccountArgv(const std::string& user);
std::vector<std::string> BindAccountArgv(int tid, const std::string& user);
std::vector<std::string> UnbindAccountArgv(int tid, const std::string& user);
// An ACL entry: --initiator-name for IsInitiatorName entries, --initiator-address otherwise.
std::vector<std::string> BindAclArgv(int tid, const std::string& entry);
std::vector<std::string> UnbindAclArgv(int tid, const std::string& entry);
std::vector<std::string> DeleteConnectionArgv(int tid, int sid, int cid);

// What a failed tgtadm said, as a Status: 107 / "not connected" -> Unavailable (no tgtd);
// "can't find" -> NotFound; "already exists" -> AlreadyExists; "still active" ->
// FailedPrecondition; otherwise Internal. The message names the command (secrets redacted).
Status TgtadmError(const std::vector<std::string>& argv, int exit_code, std::string_view err,
                   const std::vector<std::string>& secrets = {});

}  // namespace bb::tgt
