// iscsiadm argv builders, output parsers and exit-code mapping; see iscsiadm.h.
#include "volume_drivers/connectors/iscsiadm.h"

#include <charconv>
#include <csignal>

namespace bb::iscsiadm {
namespace {

std::vector<std::string> NodeArgv(const std::string& iqn, const std::string& portal) {
  return {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Calls `fn` with every line of `text` (without its newline).
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// "<portal>,<tpgt>" where portal is "a.b.c.d:port" or "[v6]:port".
bool ParsePortalTpgt(std::string_view s, std::string& portal, int64_t& tpgt) {
  size_t comma = s.rfind(',');
  if (comma == std::string_view::npos) return false;
  std::string_view p = s.substr(0, comma);
  size_t colon = p.rfind(':');
  int port = 0;
  if (colon == std::string_view::npos || colon == 0 || !ParseNumber(p.substr(colon + 1), port)) {
    return false;
  }
  if (!ParseNumber(s.substr(comma + 1), tpgt)) return false;
  portal = std::string(p);
  return true;
}

}  // namespace

std::vector<std::string> NodeNewArgv(const std::string& iqn, const std::string& portal) {
  auto argv = NodeArgv(iqn, portal);
  argv.insert(argv.end(), {"--interface", "default", "--op", "new"});
  return argv;
}

std::vector<std::string> NodeUpdateArgv(const std::string& iqn, const std::string& portal,
                                        const std::string& name, const std::string& value) {
  auto argv = NodeArgv(iqn, portal);
  argv.insert(argv.end(), {"--op", "update", "-n", name, "-v", value});
  return argv;
}

std::vector<std::string> NodeShowArgv(const std::string& iqn, const std::string& portal) {
  return NodeArgv(iqn, portal);
}

std::vector<std::string> LoginArgv(const std::string& iqn, const std::string& portal) {
  auto argv = NodeArgv(iqn, portal);
  argv.push_back("--login");
  return argv;
}

std::vector<std::string> LogoutArgv(const std::string& iqn, const std::string& portal) {
  auto argv = NodeArgv(iqn, portal);
  argv.push_back("--logout");
  return argv;
}

std::vector<std::string> NodeDeleteArgv(const std::string& iqn, const std::string& portal) {
  auto argv = NodeArgv(iqn, portal);
  argv.insert(argv.end(), {"--op", "delete"});
  return argv;
}

std::vector<std::string> SessionArgv() { return {"iscsiadm", "-m", "session"}; }

std::vector<std::string> DiscoveryArgv(const std::string& portal) {
  return {"iscsiadm", "-m",   "discovery", "-t",           "sendtargets",
          "-p",       portal, "--op",      "nonpersistent"};
}

std::vector<Session> ParseSessions(std::string_view out) {
  std::vector<Session> sessions;
  ForEachLine(out, [&](std::string_view line) {
    line = Trim(line);
    // "<transport>: [<sid>] <portal>,<tpgt> <iqn>[ (flash|non-flash)]"
    size_t colon = line.find(": [");
    if (colon == std::string_view::npos || colon == 0) return;
    Session s;
    s.transport = std::string(line.substr(0, colon));
    std::string_view rest = line.substr(colon + 3);
    size_t close = rest.find("] ");
    if (close == std::string_view::npos || !ParseNumber(rest.substr(0, close), s.sid)) return;
    rest = rest.substr(close + 2);
    size_t space = rest.find(' ');
    if (space == std::string_view::npos) return;
    if (!ParsePortalTpgt(rest.substr(0, space), s.portal, s.tpgt)) return;
    rest = Trim(rest.substr(space + 1));
    size_t end = rest.find(' ');  // the "(non-flash)" suffix of open-iscsi >= 2.0.876
    s.iqn = std::string(rest.substr(0, end));
    if (s.iqn.empty()) return;
    sessions.push_back(std::move(s));
  });
  return sessions;
}

std::vector<NodeRecord> ParseNodeList(std::string_view out) {
  std::vector<NodeRecord> nodes;
  ForEachLine(out, [&](std::string_view line) {
    line = Trim(line);
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return;
    NodeRecord n;
    if (!ParsePortalTpgt(line.substr(0, space), n.portal, n.tpgt)) return;
    n.iqn = std::string(Trim(line.substr(space + 1)));
    if (n.iqn.empty() || n.iqn.find(' ') != std::string::npos) return;
    nodes.push_back(std::move(n));
  });
  return nodes;
}

Result<std::string> ParseInitiatorNameFile(std::string_view content) {
  std::string name;
  ForEachLine(content, [&](std::string_view line) {
    line = Trim(line);
    constexpr std::string_view kKey = "InitiatorName=";
    if (line.starts_with(kKey)) name = std::string(Trim(line.substr(kKey.size())));
  });
  if (name.empty()) return Status::NotFound("no InitiatorName= line");
  return name;
}

std::string ByPathLink(const std::string& dev_root, const std::string& portal,
                       const std::string& iqn, int lun) {
  return dev_root + "/disk/by-path/ip-" + portal + "-iscsi-" + iqn + "-lun-" + std::to_string(lun);
}

Status ExitStatus(std::string_view step, int exit_code, std::string_view err) {
  // iscsiadm prefixes its own messages; other lines on stderr (systemd's "System has not been
  // booted with systemd", libkmod) only repeat what its own lines say.
  std::string detail;
  std::string last;
  ForEachLine(err, [&](std::string_view line) {
    line = Trim(line);
    if (line.empty()) return;
    last = std::string(line);
    constexpr std::string_view kPrefix = "iscsiadm: ";
    if (!line.starts_with(kPrefix)) return;
    if (!detail.empty()) detail += "; ";
    detail += line.substr(kPrefix.size());
  });
  if (detail.empty()) detail = last;
  std::string msg = std::string(step) + ": iscsiadm exited " + std::to_string(exit_code) +
                    (detail.empty() ? "" : " (" + detail + ")");
  switch (exit_code) {
    case kErrLoginAuthFailed:
      return Status::PermissionDenied(msg + ": the target refused the CHAP credentials");
    case kErrFatalLogin:
      return Status::NotFound(msg +
                              ": the target refused the login (no such target, or this "
                              "initiator is not in its access list)");
    case kErrNoObjsFound:
      return Status::NotFound(msg);
    case kErrTransNotFound:
      return Status::FailedPrecondition(
          msg +
          ": the kernel's iSCSI TCP transport (module iscsi_tcp) is not available on this "
          "host; use iscsi_initiator = libiscsi here");
    case kNotInstalled:
      return Status::FailedPrecondition(
          msg + ": iscsiadm could not be run (devstack/install-deps.sh installs open-iscsi)");
    case kErrIscsidNotConn:
    case kErrIscsidComm:
      return Status::Unavailable(msg + ": iscsid is not running or not reachable");
    case kErrTransport:
    case kErrTransTimeout:
    case kErrPduTimeout:
      return Status::Unavailable(msg);
    default:
      return Status::Internal(msg);
  }
}

bool DiscoverySessionClosed(int exit_code, std::string_view err) {
  constexpr int kKilledBySigpipe = 128 + SIGPIPE;  // the runner's 128+signal
  if (exit_code == kKilledBySigpipe) return true;
  if (exit_code == 0) return false;
  bool closed = false;
  ForEachLine(err, [&](std::string_view line) {
    line = Trim(line);
    if (line.starts_with("iscsiadm: Connection to Discovery Address ") &&
        line.ends_with(" closed")) {
      closed = true;
    }
  });
  return closed;
}

}  // namespace bb::iscsiadm
