// open-iscsi's iscsiadm as pure functions: the argv of every command the iscsiadm connector runs,
// parsers of what iscsiadm prints, and the mapping of its exit codes (iscsiadm(8) EXIT STATUS) to
// Status. Checked against captured output of open-iscsi 2.1.8 (Debian 12) in
// tests/testdata/iscsiadm/ (iscsiadm_test.cc). The connector that runs them: iscsiadm_connector.h.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"

namespace bb::iscsiadm {

// iscsiadm(8) exit codes the connector decides on.
inline constexpr int kOk = 0;
inline constexpr int kErrTransport = 4;         // ISCSI_ERR_TRANS: could not connect
inline constexpr int kErrLogin = 5;             // ISCSI_ERR_LOGIN
inline constexpr int kErrIdbm = 6;              // ISCSI_ERR_IDBM: node DB busy or broken
inline constexpr int kErrTransTimeout = 8;      // ISCSI_ERR_TRANS_TIMEOUT
inline constexpr int kErrPduTimeout = 11;       // ISCSI_ERR_PDU_TIMEOUT
inline constexpr int kErrTransNotFound = 12;    // ISCSI_ERR_TRANS_NOT_FOUND: no iscsi_tcp
inline constexpr int kErrSessExists = 15;       // ISCSI_ERR_SESS_EXISTS: already logged in
inline constexpr int kErrIscsidComm = 18;       // ISCSI_ERR_ISCSID_COMM_ERR
inline constexpr int kErrFatalLogin = 19;       // ISCSI_ERR_FATAL_LOGIN: target refused
inline constexpr int kErrIscsidNotConn = 20;    // ISCSI_ERR_ISCSID_NOTCONN: no iscsid
inline constexpr int kErrNoObjsFound = 21;      // ISCSI_ERR_NO_OBJS_FOUND: no record/session
inline constexpr int kErrLoginAuthFailed = 24;  // ISCSI_ERR_LOGIN_AUTH_FAILED: CHAP refused
inline constexpr int kNotInstalled = 127;       // the runner's exit code when exec fails

// iscsiadm -m node -T <iqn> -p <portal> --interface default --op new   (a static node record)
std::vector<std::string> NodeNewArgv(const std::string& iqn, const std::string& portal);
// iscsiadm -m node -T <iqn> -p <portal> --op update -n <name> -v <value>
std::vector<std::string> NodeUpdateArgv(const std::string& iqn, const std::string& portal,
                                        const std::string& name, const std::string& value);
// iscsiadm -m node -T <iqn> -p <portal>   (shows the record; exit 21 when there is none)
std::vector<std::string> NodeShowArgv(const std::string& iqn, const std::string& portal);
// iscsiadm -m node -T <iqn> -p <portal> --login | --logout
std::vector<std::string> LoginArgv(const std::string& iqn, const std::string& portal);
std::vector<std::string> LogoutArgv(const std::string& iqn, const std::string& portal);
// iscsiadm -m node -T <iqn> -p <portal> --op delete
std::vector<std::string> NodeDeleteArgv(const std::string& iqn, const std::string& portal);
// iscsiadm -m session   (exit 21 and "No active sessions." when there is none)
std::vector<std::string> SessionArgv();
// iscsiadm -m discovery -t sendtargets -p <portal> --op nonpersistent: asks the portal which
// targets it offers without writing their node records.
std::vector<std::string> DiscoveryArgv(const std::string& portal);

// One line of `iscsiadm -m session`:
// "tcp: [3] 127.0.0.1:3260,1 iqn.2010-10.org.example:vol (non-flash)".
struct Session {
  std::string transport;  // "tcp", "iser", ...
  int sid = 0;
  std::string portal;  // "127.0.0.1:3260" or "[fe80::1]:3260", as the connection info spells it
  int64_t tpgt = 0;
  std::string iqn;
};
// Lines that do not have this shape are skipped (iscsiadm prints nothing else on stdout here).
std::vector<Session> ParseSessions(std::string_view out);

// One line of the flat node list that `iscsiadm -m node` and sendtargets discovery print:
// "127.0.0.1:3260,1 iqn.2010-10.org.example:vol" (tpgt -1 prints as 4294967295 in 2.1.8).
struct NodeRecord {
  std::string portal;
  int64_t tpgt = 0;
  std::string iqn;
};
std::vector<NodeRecord> ParseNodeList(std::string_view out);

// "InitiatorName=iqn..." from /etc/iscsi/initiatorname.iscsi (comments skipped); NotFound when
// the file names none.
Result<std::string> ParseInitiatorNameFile(std::string_view content);

// udev's stable name of the LUN once the session is up:
// /dev/disk/by-path/ip-<portal>-iscsi-<iqn>-lun-<lun> (under `dev_root`, "/dev" except in tests).
std::string ByPathLink(const std::string& dev_root, const std::string& portal,
                       const std::string& iqn, int lun);

// The Status for an iscsiadm that exited `exit_code` in `step` (e.g. "login to <iqn> at
// <portal>"): PermissionDenied for a refused CHAP login, NotFound for a target that refused the
// login (unknown target, initiator not allowed) or a missing record, FailedPrecondition when the
// kernel's iSCSI transport (iscsi_tcp) is missing or iscsiadm is not installed, Unavailable for
// connection failures, timeouts and an unreachable iscsid, Internal otherwise. The message names
// the step, the exit code and the last "iscsiadm: ..." line of `err` (which the caller has already
// redacted).
Status ExitStatus(std::string_view step, int exit_code, std::string_view err);

// True when a sendtargets discovery failed because the portal accepted the TCP connection and
// then closed the discovery session: tgtd does that when it has no target at all (it also drops
// logins then, which open-iscsi reports as a timeout). iscsiadm either dies of SIGPIPE on its
// retry (exit 128+13, when SIGPIPE has its default action) or, with SIGPIPE ignored, prints
// "Connection to Discovery Address <ip> closed" and gives up after its reopen retries (exit 11).
// Captured: tests/testdata/iscsiadm/discovery-no-targets*.
bool DiscoverySessionClosed(int exit_code, std::string_view err);

}  // namespace bb::iscsiadm
