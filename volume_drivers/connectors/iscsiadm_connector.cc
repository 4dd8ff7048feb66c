// IscsiadmConnector: open-iscsi's kernel initiator through iscsiadm; see iscsiadm_connector.h.
#include "volume_drivers/connectors/iscsiadm_connector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backup_service/common/log.h"
#include "volume_drivers/connectors/iscsiadm.h"

namespace bb {
namespace {

std::string Where(const IscsiTargetAddress& a) { return a.iqn + " at " + a.portal; }

// `failure` with the outcome of its undo appended when the undo failed too.
Status WithUndo(Status failure, const Status& undo) {
  if (undo.ok()) return failure;
  BB_LOG(kError) << "undoing a failed iSCSI connect also failed: " << undo.ToString();
  return Status(failure.code(), failure.message() + "; undoing it also failed: " + undo.ToString());
}

}  // namespace

IscsiadmConnector::IscsiadmConnector(CommandRunner& runner, IscsiadmOptions options)
    : runner_(runner), options_(std::move(options)) {}

std::string IscsiadmConnector::Link(const IscsiTargetAddress& a) const {
  return iscsiadm::ByPathLink(options_.dev_root, a.portal, a.iqn, a.lun);
}

Status IscsiadmConnector::Run(const std::string& step, const std::vector<std::string>& argv,
                              const std::vector<int>& ok_codes,
                              const std::vector<std::string>& secrets, std::string* out) {
  CommandOptions o;
  o.timeout = options_.command_timeout;
  o.secrets = secrets;
  auto r = runner_.Run(argv, o);
  if (!r.ok()) {
    return Status(r.status().code(), step + ": " + r.status().message());
  }
  if (out != nullptr) *out = r->out;
  if (r->exit_code == 0 ||
      std::find(ok_codes.begin(), ok_codes.end(), r->exit_code) != ok_codes.end()) {
    return Status::Ok();
  }
  return iscsiadm::ExitStatus(step, r->exit_code, RedactSecrets(r->err, secrets));
}

Status IscsiadmConnector::CheckInitiatorName() const {
  std::ifstream in(options_.initiator_name_file);
  if (!in) {
    return Status::FailedPrecondition("iscsiadm connector: cannot read " +
                                      options_.initiator_name_file + " (is open-iscsi installed?)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto name = iscsiadm::ParseInitiatorNameFile(ss.str());
  if (!name.ok()) {
    return Status::FailedPrecondition("iscsiadm connector: " + options_.initiator_name_file +
                                      " names no initiator (no InitiatorName= line)");
  }
  if (*name != options_.initiator_name) {
    return Status::FailedPrecondition("iscsiadm connector: the kernel initiator logs in as \"" +
                                      *name + "\" (" + options_.initiator_name_file +
                                      ") but this host is configured as \"" +
                                      options_.initiator_name + "\"; make them the same");
  }
  return Status::Ok();
}

Result<bool> IscsiadmConnector::HasSession(const IscsiTargetAddress& a) {
  std::string out;
  // Exit 21 with "No active sessions." is an empty list.
  RETURN_IF_ERROR(
      Run("list iSCSI sessions", iscsiadm::SessionArgv(), {iscsiadm::kErrNoObjsFound}, {}, &out));
  for (const auto& s : iscsiadm::ParseSessions(out)) {
    if (s.iqn == a.iqn && s.portal == a.portal) return true;
  }
  return false;
}

Result<bool> IscsiadmConnector::HasNodeRecord(const IscsiTargetAddress& a) {
  CommandOptions o;
  o.timeout = options_.command_timeout;
  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(iscsiadm::NodeShowArgv(a.iqn, a.portal), o));
  if (r.exit_code == iscsiadm::kErrNoObjsFound) return false;
  if (r.exit_code != 0) {
    return iscsiadm::ExitStatus("show the node record of " + Where(a), r.exit_code, r.err);
  }
  return true;
}

Status IscsiadmConnector::Discover(const IscsiTargetAddress& a) {
  const std::string step = "sendtargets discovery at " + a.portal;
  CommandOptions o;
  o.timeout = options_.command_timeout;
  auto r = runner_.Run(iscsiadm::DiscoveryArgv(a.portal), o);
  if (!r.ok()) return Status(r.status().code(), step + ": " + r.status().message());
  if (r->exit_code == iscsiadm::kErrNoObjsFound) {
    return Status::NotFound(step + ": the portal offers no targets to this initiator, so not " +
                            a.iqn);
  }
  if (iscsiadm::DiscoverySessionClosed(r->exit_code, r->err)) {
    return Status::NotFound(step + ": the portal closed the discovery session, so it offers no " +
                            "targets (tgtd does this when it has none), so not " + a.iqn);
  }
  if (r->exit_code != 0) return iscsiadm::ExitStatus(step, r->exit_code, r->err);
  for (const auto& n : iscsiadm::ParseNodeList(r->out)) {
    if (n.iqn == a.iqn) return Status::Ok();
  }
  return Status::NotFound(step + ": the portal does not offer " + a.iqn);
}

Status IscsiadmConnector::ConfigureNode(const IscsiTargetAddress& a) {
  RETURN_IF_ERROR(
      Run("settings of the node record of " + Where(a),
          iscsiadm::NodeUpdateArgv(a.iqn, a.portal, "node.session.timeo.replacement_timeout",
                                   std::to_string(options_.io_timeout.count()))));
  if (options_.login_retry_max > 0) {
    RETURN_IF_ERROR(
        Run("settings of the node record of " + Where(a),
            iscsiadm::NodeUpdateArgv(a.iqn, a.portal, "node.session.initial_login_retry_max",
                                     std::to_string(options_.login_retry_max))));
  }
  const std::string step = "CHAP settings of the node record of " + Where(a);
  auto set = [&](const std::string& name, const std::string& value,
                 const std::vector<std::string>& secrets = {}) {
    return Run(step, iscsiadm::NodeUpdateArgv(a.iqn, a.portal, name, value), {}, secrets);
  };
  if (a.chap_username.empty()) return set("node.session.auth.authmethod", "None");
  RETURN_IF_ERROR(set("node.session.auth.authmethod", "CHAP"));
  RETURN_IF_ERROR(set("node.session.auth.username", a.chap_username));
  return set("node.session.auth.password", a.chap_secret, {a.chap_secret});
}

Status IscsiadmConnector::WaitForLink(const std::string& link) const {
  const auto deadline = std::chrono::steady_clock::now() + options_.device_timeout;
  while (true) {
    struct stat st {};
    if (::stat(link.c_str(), &st) == 0) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(options_.poll_interval);
  }
  return Status::DeadlineExceeded(
      "wait for the device: " + link + " did not appear within " +
      std::to_string(options_.device_timeout.count()) +
      " ms after the login (is udev running? does the target have that LUN?)");
}

Result<std::string> IscsiadmConnector::Connect(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(IscsiTargetAddress a, IscsiAddressFromInfo(info));
  RETURN_IF_ERROR(CheckInitiatorName());
  const std::string link = Link(a);
  ASSIGN_OR_RETURN(bool logged_in, HasSession(a));
  if (logged_in) {
    struct stat st {};
    if (::stat(link.c_str(), &st) == 0) {
      BB_LOG(kInfo) << "iSCSI session to " << Where(a) << " exists; reusing " << link;
      return link;
    }
  }
  if (options_.sendtargets_discovery) RETURN_IF_ERROR(Discover(a));

  RETURN_IF_ERROR(
      Run("create the node record of " + Where(a), iscsiadm::NodeNewArgv(a.iqn, a.portal)));
  if (Status s = ConfigureNode(a); !s.ok()) return WithUndo(s, LogoutAndDelete(a));
  Status login =
      Run("login to " + Where(a), iscsiadm::LoginArgv(a.iqn, a.portal), {iscsiadm::kErrSessExists});
  if (!login.ok()) {
    // tgtd drops a login to a target it does not have, which open-iscsi reports as a transport
    // timeout after its retries: ask the portal whether it offers the target at all, so that an
    // absent target is NotFound (as with the libiscsi connector), not a retryable Unavailable.
    const bool transport =
        login.code() == StatusCode::kUnavailable || login.code() == StatusCode::kDeadlineExceeded;
    if (transport && !options_.sendtargets_discovery) {
      if (Status offered = Discover(a); offered.code() == StatusCode::kNotFound) {
        login =
            Status::NotFound(offered.message() + " (the login failed: " + login.message() + ")");
      }
    }
    return WithUndo(login, LogoutAndDelete(a));
  }
  if (Status s = WaitForLink(link); !s.ok()) {
    return WithUndo(Status(s.code(), "iSCSI connect to " + Where(a) + ": " + s.message()),
                    LogoutAndDelete(a));
  }
  BB_LOG(kInfo) << "logged in to " << Where(a) << "; device " << link;
  return link;
}

Status IscsiadmConnector::Flush(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + device, errno);
  Status s;
  if (::fsync(fd) != 0) s = ErrnoStatus("fsync " + device, errno);
  ::close(fd);
  return s;
}

bool IscsiadmConnector::OtherLunsLinked(const IscsiTargetAddress& a) const {
  const std::string dir = options_.dev_root + "/disk/by-path";
  const std::string prefix = "ip-" + a.portal + "-iscsi-" + a.iqn + "-lun-";
  const std::string ours = prefix + std::to_string(a.lun);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    // "-part1" links of our own LUN's partitions are ours too.
    if (name.starts_with(prefix) && name != ours && !name.starts_with(ours + "-part")) return true;
  }
  return false;
}

Status IscsiadmConnector::LogoutAndDelete(const IscsiTargetAddress& a) {
  Status logout = Run("logout from " + Where(a), iscsiadm::LogoutArgv(a.iqn, a.portal),
                      {iscsiadm::kErrNoObjsFound});
  Status del = Run("delete the node record of " + Where(a),
                   iscsiadm::NodeDeleteArgv(a.iqn, a.portal), {iscsiadm::kErrNoObjsFound});
  return logout.ok() ? del : logout;
}

Status IscsiadmConnector::Disconnect(const ConnectionInfo& info, const std::string& device) {
  ASSIGN_OR_RETURN(IscsiTargetAddress a, IscsiAddressFromInfo(info));
  const std::string link = Link(a);
  if (device != link) {
    return Status::InvalidArgument("device \"" + device + "\" is not the one Connect returned (" +
                                   link + ")");
  }
  struct stat st {};
  if (::stat(link.c_str(), &st) == 0) {
    // A target that vanished fails the fsync; the logout below still has to happen.
    if (Status s = Flush(link); !s.ok()) {
      BB_LOG(kWarning) << "flush of " << link << " before logout failed: " << s.ToString();
    }
    if (OtherLunsLinked(a)) {
      BB_LOG(kInfo) << "other LUNs of " << Where(a) << " are still attached; keeping the session";
      return Status::Ok();
    }
  }
  RETURN_IF_ERROR(LogoutAndDelete(a));
  BB_LOG(kInfo) << "logged out of " << Where(a);
  return Status::Ok();
}

Result<std::vector<std::string>> IscsiadmConnector::Devices(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(IscsiTargetAddress a, IscsiAddressFromInfo(info));
  ASSIGN_OR_RETURN(bool session, HasSession(a));
  bool record = false;
  if (!session) {
    ASSIGN_OR_RETURN(record, HasNodeRecord(a));
  }
  if (session || record) return std::vector<std::string>{Link(a)};
  return std::vector<std::string>{};
}

}  // namespace bb
