// TgtTarget: iSCSI exports through tgtadm; the steps and their order are in tgt_target.h.
#include "volume_drivers/targets/tgt_target.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>
#include <thread>

#include "backup_service/common/log.h"

namespace bb {
namespace {

// flock(2) on a file shared by every process on the host that changes tgtd's targets. Each
// instance opens the file itself, so two threads of one process exclude each other too.
class HostLock {
 public:
  static Result<HostLock> Acquire(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoStatus("open tgt lock file " + path, errno);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("flock " + path, err);
    }
    return HostLock(fd);
  }
  HostLock(HostLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  HostLock& operator=(HostLock&&) = delete;
  ~HostLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the lock
  }

 private:
  explicit HostLock(int fd) : fd_(fd) {}
  int fd_;
};

const tgt::Target* FindTarget(const std::vector<tgt::Target>& targets, const std::string& iqn) {
  for (const auto& t : targets) {
    if (t.iqn == iqn) return &t;
  }
  return nullptr;
}

const tgt::Lun* FindLun(const tgt::Target& target, int lun) {
  for (const auto& l : target.luns) {
    if (l.lun == lun) return &l;
  }
  return nullptr;
}

// True when `user` is bound to a target other than `tid`.
bool BoundElsewhere(const std::vector<tgt::Target>& all, int tid, const std::string& user) {
  for (const auto& t : all) {
    if (t.tid != tid && std::find(t.accounts.begin(), t.accounts.end(), user) != t.accounts.end()) {
      return true;
    }
  }
  return false;
}

bool IsOkOrNotFound(const Status& s) { return s.ok() || s.code() == StatusCode::kNotFound; }

bool PlainToken(const std::string& s) {
  return !s.empty() && s.size() <= 255 &&
         std::none_of(s.begin(), s.end(), [](char c) { return c <= ' ' || c == 0x7f; });
}

Status ValidateRequest(const IscsiExportRequest& r) {
  if (!IsValidIqn(r.target_iqn)) {
    return Status::InvalidArgument("not a valid target IQN: \"" + r.target_iqn + "\"");
  }
  if (r.backing_path.empty() || r.backing_path[0] != '/') {
    return Status::InvalidArgument("export backing path must be absolute: \"" + r.backing_path +
                                   "\"");
  }
  struct stat st {};
  if (::stat(r.backing_path.c_str(), &st) != 0) {
    return ErrnoStatus("export backing path " + r.backing_path, errno);
  }
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return Status::InvalidArgument("export backing path " + r.backing_path +
                                   " is neither a regular file nor a block device");
  }
  if (!PlainToken(r.chap.username) || r.chap.secret.size() < 12 || !PlainToken(r.chap.secret)) {
    return Status::InvalidArgument(
        "an export needs CHAP credentials: a user name and a secret of 12 to 255 characters "
        "without spaces (GenerateChapCredentials makes them)");
  }
  if (r.initiator_addresses.empty() && r.initiator_names.empty()) {
    return Status::InvalidArgument(
        "an export needs at least one initiator address or name that may log in");
  }
  for (const auto& list : {r.initiator_addresses, r.initiator_names}) {
    for (const auto& e : list) {
      if (!PlainToken(e) || e == "ALL") {
        return Status::InvalidArgument("not an initiator address or name: \"" + e + "\"");
      }
    }
  }
  for (const auto& e : r.initiator_names) {
    if (!tgt::IsInitiatorName(e)) {
      return Status::InvalidArgument("initiator names start with iqn., eui. or naa.: \"" + e +
                                     "\"");
    }
  }
  for (const auto& e : r.initiator_addresses) {
    if (tgt::IsInitiatorName(e)) {
      return Status::InvalidArgument("\"" + e + "\" is an initiator name, not an address");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<TgtTargetOptions> TgtTargetOptions::FromConfig(
    const std::map<std::string, std::string>& config) {
  TgtTargetOptions o;
  for (const auto& [key, value] : config) {
    if (key == "portal") {
      size_t colon = value.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
        return Status::InvalidArgument("tgt portal must be ip:port, not \"" + value + "\"");
      }
      o.portal = value;
    } else if (key == "lock_file") {
      if (value.empty() || value[0] != '/') {
        return Status::InvalidArgument("tgt lock_file must be an absolute path");
      }
      o.lock_file = value;
    } else if (key == "command_timeout_ms") {
      try {
        long long ms = std::stoll(value);
        if (ms <= 0) throw std::out_of_range("not positive");
        o.command_timeout = std::chrono::milliseconds(ms);
      } catch (const std::exception&) {
        return Status::InvalidArgument("tgt command_timeout_ms must be a positive number");
      }
    } else {
      return Status::InvalidArgument("unknown tgt option \"" + key +
                                     "\" (known: portal, lock_file, command_timeout_ms)");
    }
  }
  return o;
}

TgtTarget::TgtTarget(CommandRunner& runner, TgtTargetOptions options)
    : runner_(runner), options_(std::move(options)) {}

Status TgtTarget::Run(const std::vector<std::string>& argv,
                      const std::vector<std::string>& secrets) {
  CommandOptions opts;
  opts.timeout = options_.command_timeout;
  opts.secrets = secrets;
  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(argv, opts));
  if (r.exit_code != 0) return tgt::TgtadmError(argv, r.exit_code, r.err, secrets);
  return Status::Ok();
}

Result<std::vector<tgt::Target>> TgtTarget::ShowTargets() {
  CommandOptions opts;
  opts.timeout = options_.command_timeout;
  auto argv = tgt::ShowTargetsArgv();
  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(argv, opts));
  if (r.exit_code != 0) return tgt::TgtadmError(argv, r.exit_code, r.err);
  return tgt::ParseTargetShow(r.out);
}

Result<std::vector<std::string>> TgtTarget::ShowAccounts() {
  CommandOptions opts;
  opts.timeout = options_.command_timeout;
  auto argv = tgt::ShowAccountsArgv();
  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(argv, opts));
  if (r.exit_code != 0) return tgt::TgtadmError(argv, r.exit_code, r.err);
  return tgt::ParseAccountShow(r.out);
}

Status TgtTarget::CheckPortal() {
  CommandOptions opts;
  opts.timeout = options_.command_timeout;
  auto argv = tgt::ShowPortalsArgv();
  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(argv, opts));
  if (r.exit_code != 0) return tgt::TgtadmError(argv, r.exit_code, r.err);
  ASSIGN_OR_RETURN(std::vector<std::string> portals, tgt::ParsePortalShow(r.out));
  if (tgt::PortalServed(portals, options_.portal)) return Status::Ok();
  std::string listening;
  for (const auto& p : portals) listening += (listening.empty() ? "" : ", ") + p;
  return Status::FailedPrecondition(
      "tgtd does not listen on the configured iSCSI portal " + options_.portal +
      " (it listens on: " + (listening.empty() ? "nothing" : listening) +
      "); the port was probably in use by another program when tgtd started, and tgtd then "
      "falls back to its default portal. Free the port or choose another iscsi_portal, then "
      "restart tgtd with --iscsi portal=" +
      options_.portal + " (devstack/lib/tgt.sh start " + options_.portal + ")");
}

Result<int> TgtTarget::NewTarget(const std::string& iqn) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<tgt::Target> targets, ShowTargets());
    if (const tgt::Target* t = FindTarget(targets, iqn)) return t->tid;  // someone outside the lock
    std::set<int> used;
    for (const auto& t : targets) used.insert(t.tid);
    int tid = 1;
    while (used.count(tid) != 0) ++tid;
    Status s = Run(tgt::NewTargetArgv(tid, iqn));
    if (s.ok()) return tid;
    // A tgtadm user that does not take our lock created a target meanwhile: look again.
    if (s.code() != StatusCode::kAlreadyExists) return s;
  }
  return Status::Aborted("could not find a free tid for " + iqn + " after 5 attempts");
}

Status TgtTarget::Converge(const tgt::Target& target, const IscsiExportRequest& request,
                           const std::vector<tgt::Target>& all) {
  const int tid = target.tid;
  const tgt::Lun* lun = FindLun(target, kDataLun);
  if (lun != nullptr && lun->backing_path != request.backing_path) {
    return Status::AlreadyExists("target " + request.target_iqn + " already exports " +
                                 lun->backing_path + ", not " + request.backing_path);
  }
  for (const auto& t : all) {
    if (t.tid != tid && std::find(t.accounts.begin(), t.accounts.end(), request.chap.username) !=
                            t.accounts.end()) {
      return Status::AlreadyExists("CHAP user " + request.chap.username +
                                   " is bound to another target, " + t.iqn);
    }
  }
  if (lun == nullptr) {
    RETURN_IF_ERROR(Run(tgt::NewLunArgv(tid, kDataLun, request.backing_path)));
  }
  if ((lun == nullptr && request.read_only) ||
      (lun != nullptr && lun->read_only != request.read_only)) {
    RETURN_IF_ERROR(Run(tgt::SetLunReadOnlyArgv(tid, kDataLun, request.read_only)));
  }
  // No login while the account changes: with no ACL entry tgtd refuses every initiator.
  for (const auto& entry : target.acl) {
    Status s = Run(tgt::UnbindAclArgv(tid, entry));
    if (!IsOkOrNotFound(s)) return s;
  }
  for (const auto& user : target.accounts) {
    if (user == request.chap.username) continue;
    Status s = Run(tgt::UnbindAccountArgv(tid, user));
    if (!IsOkOrNotFound(s)) return s;
    if (!BoundElsewhere(all, tid, user)) {
      s = Run(tgt::DeleteAccountArgv(user));
      if (!IsOkOrNotFound(s)) return s;
    }
  }
  // tgtadm cannot change a password: the account is made again with the requested secret
  // (deleting a bound account unbinds it). Sessions already logged in are not affected.
  ASSIGN_OR_RETURN(std::vector<std::string> accounts, ShowAccounts());
  if (std::find(accounts.begin(), accounts.end(), request.chap.username) != accounts.end()) {
    RETURN_IF_ERROR(Run(tgt::DeleteAccountArgv(request.chap.username)));
  }
  RETURN_IF_ERROR(
      Run(tgt::NewAccountArgv(request.chap.username, request.chap.secret), {request.chap.secret}));
  RETURN_IF_ERROR(Run(tgt::BindAccountArgv(tid, request.chap.username)));
  for (const auto& list : {request.initiator_addresses, request.initiator_names}) {
    for (const auto& entry : list) RETURN_IF_ERROR(Run(tgt::BindAclArgv(tid, entry)));
  }
  return Status::Ok();
}

Result<IscsiExport> TgtTarget::CreateExport(const IscsiExportRequest& request) {
  RETURN_IF_ERROR(ValidateRequest(request));
  ASSIGN_OR_RETURN(HostLock lock, HostLock::Acquire(options_.lock_file));
  RETURN_IF_ERROR(CheckPortal());
  ASSIGN_OR_RETURN(std::vector<tgt::Target> before, ShowTargets());
  const bool created = FindTarget(before, request.target_iqn) == nullptr;
  if (created) RETURN_IF_ERROR(NewTarget(request.target_iqn).status());
  ASSIGN_OR_RETURN(std::vector<tgt::Target> all, ShowTargets());
  const tgt::Target* target = FindTarget(all, request.target_iqn);
  if (target == nullptr) {
    return Status::Internal("target " + request.target_iqn + " vanished while being exported");
  }
  Status s = Converge(*target, request, all);
  if (!s.ok()) {
    if (created) {
      Status undo = RemoveLocked(request.target_iqn);
      if (!undo.ok()) {
        BB_LOG(kError) << "could not remove the partial export " << request.target_iqn << ": "
                       << undo.ToString();
      }
    }
    return s.WithContext("exporting " + request.backing_path + " as " + request.target_iqn);
  }
  IscsiExport e;
  e.target_iqn = request.target_iqn;
  e.portal = options_.portal;
  e.tid = target->tid;
  e.lun = kDataLun;
  e.backing_path = request.backing_path;
  e.chap = request.chap;
  e.read_only = request.read_only;
  BB_LOG(kInfo) << (created ? "exported " : "export checked: ") << e.backing_path << " as "
                << e.target_iqn << " (tid " << e.tid << ", LUN " << e.lun << ", portal " << e.portal
                << (e.read_only ? ", read-only" : "") << ")";
  return e;
}

Status TgtTarget::RemoveLocked(const std::string& target_iqn) {
  for (int attempt = 0; attempt < options_.remove_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSIGN_OR_RETURN(std::vector<tgt::Target> all, ShowTargets());
    const tgt::Target* target = FindTarget(all, target_iqn);
    if (target == nullptr) return Status::Ok();
    const int tid = target->tid;
    for (const auto& entry : target->acl) {
      Status s = Run(tgt::UnbindAclArgv(tid, entry));
      if (!IsOkOrNotFound(s)) return s;
    }
    for (const auto& c : target->connections) {
      Status s = Run(tgt::DeleteConnectionArgv(tid, c.sid, c.cid));
      if (!IsOkOrNotFound(s)) return s;
    }
    bool busy = false;
    for (const auto& lun : target->luns) {
      if (lun.lun == 0) continue;  // the controller goes with the target
      Status s = Run(tgt::DeleteLunArgv(tid, lun.lun));
      if (s.code() == StatusCode::kFailedPrecondition) {
        busy = true;  // a session is still closing
      } else if (!IsOkOrNotFound(s)) {
        return s;
      }
    }
    if (busy) continue;
    for (const auto& user : target->accounts) {
      Status s = Run(tgt::UnbindAccountArgv(tid, user));
      if (!IsOkOrNotFound(s)) return s;
      if (!BoundElsewhere(all, tid, user)) {
        s = Run(tgt::DeleteAccountArgv(user));
        if (!IsOkOrNotFound(s)) return s;
      }
    }
    Status s = Run(tgt::DeleteTargetArgv(tid));
    if (s.code() == StatusCode::kFailedPrecondition) continue;
    if (!IsOkOrNotFound(s)) return s;
    BB_LOG(kInfo) << "removed iSCSI export " << target_iqn << " (tid " << tid << ", "
                  << target->connections.size() << " connection(s) closed)";
    return Status::Ok();
  }
  return Status::FailedPrecondition("iSCSI target " + target_iqn + " still has sessions after " +
                                    std::to_string(options_.remove_attempts) + " attempts");
}

Status TgtTarget::RemoveExport(const std::string& target_iqn) {
  if (!IsValidIqn(target_iqn)) {
    return Status::InvalidArgument("not a valid target IQN: \"" + target_iqn + "\"");
  }
  ASSIGN_OR_RETURN(HostLock lock, HostLock::Acquire(options_.lock_file));
  return RemoveLocked(target_iqn).WithContext("removing iSCSI export " + target_iqn);
}

IscsiExport TgtTarget::ToExport(const tgt::Target& target, const tgt::Lun& lun) const {
  IscsiExport e;
  e.target_iqn = target.iqn;
  e.portal = options_.portal;
  e.tid = target.tid;
  e.lun = lun.lun;
  e.backing_path = lun.backing_path;
  if (!target.accounts.empty()) e.chap.username = target.accounts.front();
  e.read_only = lun.read_only;
  return e;
}

Result<std::vector<IscsiExport>> TgtTarget::ListExports() {
  ASSIGN_OR_RETURN(std::vector<tgt::Target> all, ShowTargets());
  std::vector<IscsiExport> out;
  for (const auto& t : all) {
    if (const tgt::Lun* lun = FindLun(t, kDataLun)) out.push_back(ToExport(t, *lun));
  }
  return out;
}

Result<bool> TgtTarget::Exists(const std::string& target_iqn) {
  ASSIGN_OR_RETURN(std::vector<tgt::Target> all, ShowTargets());
  return FindTarget(all, target_iqn) != nullptr;
}

}  // namespace bb
