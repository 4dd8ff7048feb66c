// tgtadm argv builders and output parsers; see tgt_admin.h.
#include "volume_drivers/targets/tgt_admin.h"

#include <charconv>

#include "backup_service/common/command_runner.h"

namespace bb::tgt {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t Indent(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

bool ParseInt(std::string_view s, int& out) {
  s = Trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "Key: value" -> value when the trimmed line starts with `key` + ": " (or is exactly "key:").
bool Field(std::string_view trimmed, std::string_view key, std::string_view& value) {
  if (!trimmed.starts_with(key)) return false;
  std::string_view rest = trimmed.substr(key.size());
  if (rest == ":") {
    value = {};
    return true;
  }
  if (!rest.starts_with(": ")) return false;
  value = Trim(rest.substr(2));
  return true;
}

std::vector<std::string> Base(std::string_view mode, std::string_view op) {
  return {"tgtadm", "--lld", "iscsi", "--mode", std::string(mode), "--op", std::string(op)};
}

std::vector<std::string> Plus(std::vector<std::string> argv,
                              std::initializer_list<std::string> more) {
  argv.insert(argv.end(), more);
  return argv;
}

Status Malformed(int line_no, std::string_view line) {
  return Status::Internal("unexpected `tgtadm --mode target --op show` output at line " +
                          std::to_string(line_no) + ": \"" + std::string(line) + "\"");
}

}  // namespace

Result<std::vector<Target>> ParseTargetShow(std::string_view out) {
  enum class Section { kNone, kSystem, kNexus, kLun, kAccount, kAcl };
  std::vector<Target> targets;
  Section section = Section::kNone;
  std::string nexus_initiator;
  int nexus_sid = -1;
  int line_no = 0;
  while (!out.empty()) {
    size_t eol = out.find('\n');
    std::string_view line = out.substr(0, eol);
    out = eol == std::string_view::npos ? std::string_view() : out.substr(eol + 1);
    ++line_no;
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    size_t indent = Indent(line);
    std::string_view v;
    if (indent == 0) {
      // "Target 1: iqn.2010-10.org.example:probe"
      if (!t.starts_with("Target ")) return Malformed(line_no, line);
      size_t colon = t.find(": ");
      Target target;
      if (colon == std::string_view::npos || !ParseInt(t.substr(7, colon - 7), target.tid)) {
        return Malformed(line_no, line);
      }
      target.iqn = std::string(Trim(t.substr(colon + 2)));
      targets.push_back(std::move(target));
      section = Section::kNone;
      continue;
    }
    if (targets.empty()) return Malformed(line_no, line);
    Target& target = targets.back();
    if (indent == 4) {
      if (t == "System information:") {
        section = Section::kSystem;
      } else if (t == "I_T nexus information:") {
        section = Section::kNexus;
      } else if (t == "LUN information:") {
        section = Section::kLun;
      } else if (t == "Account information:") {
        section = Section::kAccount;
      } else if (t == "ACL information:") {
        section = Section::kAcl;
      } else {
        section = Section::kNone;  // a section this parser does not need
      }
      continue;
    }
    switch (section) {
      case Section::kNexus:
        if (Field(t, "I_T nexus", v)) {
          if (!ParseInt(v, nexus_sid)) return Malformed(line_no, line);
          nexus_initiator.clear();
        } else if (Field(t, "Initiator", v)) {
          nexus_initiator = std::string(v.substr(0, v.find(' ')));  // "<iqn> alias: none"
        } else if (Field(t, "Connection", v)) {
          Connection c;
          if (nexus_sid < 0 || !ParseInt(v, c.cid)) return Malformed(line_no, line);
          c.sid = nexus_sid;
          c.initiator = nexus_initiator;
          target.connections.push_back(std::move(c));
        } else if (Field(t, "IP Address", v) && !target.connections.empty()) {
          target.connections.back().address = std::string(v);
        }
        break;
      case Section::kLun:
        if (Field(t, "LUN", v)) {
          Lun lun;
          if (!ParseInt(v, lun.lun)) return Malformed(line_no, line);
          target.luns.push_back(std::move(lun));
        } else if (target.luns.empty()) {
          return Malformed(line_no, line);
        } else if (Field(t, "Type", v)) {
          target.luns.back().type = std::string(v);
        } else if (Field(t, "Backing store path", v)) {
          target.luns.back().backing_path = std::string(v);
        } else if (Field(t, "Readonly", v)) {
          target.luns.back().read_only = v == "Yes";
        }
        break;
      case Section::kAccount: {
        constexpr std::string_view kOutgoing = " (outgoing)";
        if (t.ends_with(kOutgoing)) break;  // mutual CHAP: not used here, not an incoming user
        target.accounts.emplace_back(t);
        break;
      }
      case Section::kAcl:
        target.acl.emplace_back(t);
        break;
      case Section::kSystem:
      case Section::kNone:
        break;
    }
  }
  return targets;
}

Result<std::vector<std::string>> ParsePortalShow(std::string_view out) {
  std::vector<std::string> portals;
  while (!out.empty()) {
    size_t eol = out.find('\n');
    std::string_view t = Trim(out.substr(0, eol));
    out = eol == std::string_view::npos ? std::string_view() : out.substr(eol + 1);
    if (t.empty()) continue;
    constexpr std::string_view kPrefix = "Portal: ";
    if (!t.starts_with(kPrefix)) {
      return Status::Internal("unexpected `tgtadm --mode portal --op show` output: \"" +
                              std::string(t) + "\"");
    }
    t.remove_prefix(kPrefix.size());
    portals.emplace_back(t.substr(0, t.rfind(',')));  // drop the portal group tag
  }
  return portals;
}

bool PortalServed(const std::vector<std::string>& listening, const std::string& portal) {
  const size_t colon = portal.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string port = portal.substr(colon);  // ":3260"
  const bool ipv6 = portal.starts_with("[");
  for (const auto& p : listening) {
    if (p == portal || p == (ipv6 ? "[::]" : "0.0.0.0") + port) return true;
  }
  return false;
}

Result<std::vector<std::string>> ParseAccountShow(std::string_view out) {
  std::vector<std::string> users;
  bool header = false;
  while (!out.empty()) {
    size_t eol = out.find('\n');
    std::string_view t = Trim(out.substr(0, eol));
    out = eol == std::string_view::npos ? std::string_view() : out.substr(eol + 1);
    if (t.empty()) continue;
    if (!header) {
      if (t != "Account list:") {
        return Status::Internal("unexpected `tgtadm --mode account --op show` output: \"" +
                                std::string(t) + "\"");
      }
      header = true;
      continue;
    }
    constexpr std::string_view kOutgoing = " (outgoing)";
    if (t.ends_with(kOutgoing)) t.remove_suffix(kOutgoing.size());
    users.emplace_back(t);
  }
  return users;
}

bool IsInitiatorName(std::string_view entry) {
  return entry.starts_with("iqn.") || entry.starts_with("eui.") || entry.starts_with("naa.");
}

std::vector<std::string> ShowTargetsArgv() { return Base("target", "show"); }
std::vector<std::string> ShowAccountsArgv() { return Base("account", "show"); }
std::vector<std::string> ShowPortalsArgv() { return Base("portal", "show"); }

std::vector<std::string> NewTargetArgv(int tid, const std::string& iqn) {
  return Plus(Base("target", "new"), {"--tid", std::to_string(tid), "--targetname", iqn});
}
std::vector<std::string> DeleteTargetArgv(int tid) {
  return Plus(Base("target", "delete"), {"--tid", std::to_string(tid)});
}
std::vector<std::string> NewLunArgv(int tid, int lun, const std::string& backing_path) {
  return Plus(Base("logicalunit", "new"), {"--tid", std::to_string(tid), "--lun",
                                           std::to_string(lun), "--backing-store", backing_path});
}
std::vector<std::string> SetLunReadOnlyArgv(int tid, int lun, bool read_only) {
  return Plus(Base("logicalunit", "update"),
              {"--tid", std::to_string(tid), "--lun", std::to_string(lun), "--params",
               read_only ? "readonly=1" : "readonly=0"});
}
std::vector<std::string> DeleteLunArgv(int tid, int lun) {
  return Plus(Base("logicalunit", "delete"),
              {"--tid", std::to_string(tid), "--lun", std::to_string(lun)});
}
std::vector<std::string> NewAccountArgv(const std::string& user, const std::string& secret) {
  return Plus(Base("account", "new"), {"--user", user, "--password", secret});
}
std::vector<std::string> DeleteAccountArgv(const std::string& user) {
  return Plus(Base("account", "delete"), {"--user", user});
}
std::vector<std::string> BindAccountArgv(int tid, const std::string& user) {
  return Plus(Base("account", "bind"), {"--tid", std::to_string(tid), "--user", user});
}
std::vector<std::string> UnbindAccountArgv(int tid, const std::string& user) {
  return Plus(Base("account", "unbind"), {"--tid", std::to_string(tid), "--user", user});
}
std::vector<std::string> BindAclArgv(int tid, const std::string& entry) {
  return Plus(Base("target", "bind"),
              {"--tid", std::to_string(tid),
               IsInitiatorName(entry) ? "--initiator-name" : "--initiator-address", entry});
}
std::vector<std::string> UnbindAclArgv(int tid, const std::string& entry) {
  return Plus(Base("target", "unbind"),
              {"--tid", std::to_string(tid),
               IsInitiatorName(entry) ? "--initiator-name" : "--initiator-address", entry});
}
std::vector<std::string> DeleteConnectionArgv(int tid, int sid, int cid) {
  return Plus(Base("conn", "delete"), {"--tid", std::to_string(tid), "--sid", std::to_string(sid),
                                       "--cid", std::to_string(cid)});
}

Status TgtadmError(const std::vector<std::string>& argv, int exit_code, std::string_view err,
                   const std::vector<std::string>& secrets) {
  std::string reason = RedactSecrets(std::string(Trim(err)), secrets);
  while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  std::string message =
      "`" + FormatCommand(argv, secrets) + "` exited " + std::to_string(exit_code) + ": " + reason;
  if (exit_code == 107 || reason.find("not connected") != std::string::npos ||
      reason.find("can't connect") != std::string::npos) {
    return Status::Unavailable(message + " (is tgtd running? devstack/lib/tgt.sh start)");
  }
  if (reason.find("can't find") != std::string::npos ||
      reason.find("does not exist") != std::string::npos) {
    return Status::NotFound(message);
  }
  if (reason.find("already exists") != std::string::npos) return Status::AlreadyExists(message);
  if (reason.find("still active") != std::string::npos) {
    return Status::FailedPrecondition(message);
  }
  return Status::Internal(message);
}

}  // namespace bb::tgt
