// Environments of the Connector conformance suite; see connector_envs.h.
#include "tests/conformance/connector_envs.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "volume_drivers/connectors/iscsiadm.h"
#include "volume_drivers/connectors/loop_connector.h"
#include "volume_drivers/targets/tgt_admin.h"
#include "volume_drivers/targets/tgt_target.h"

namespace bb::testing {
namespace {

constexpr const char* kIqnPrefix = "iqn.2010-10.org.blockbackup.test:conformance-";
constexpr const char* kPortal = "127.0.0.1:3260";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LocalFileEnv : public ConnectorTestEnv {
 public:
  LocalFileEnv(std::string type, std::string dir) : type_(std::move(type)), dir_(std::move(dir)) {}

  Result<ConnectionInfo> Export(const std::string& path, bool /*read_only*/) override {
    return Info(path);
  }
  ConnectionInfo Absent() override { return Info(dir_ + "/no-such-volume"); }
  Status Vanish(const ConnectionInfo& info) override {
    if (::unlink(PathOf(info).c_str()) != 0) return ErrnoStatus("unlink " + PathOf(info), errno);
    return Status::Ok();
  }
  Result<std::vector<std::string>> Leftovers(const ConnectionInfo& info) override {
    std::vector<std::string> left;
    if (type_ != LoopConnector::kType) return left;  // "local" attaches nothing
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/sys/block", ec)) {
      std::string name = e.path().filename().string();
      if (!name.starts_with("loop")) continue;
      std::string backing = ReadFile(e.path().string() + "/loop/backing_file");
      if (loop::BackingFileMatches(backing, PathOf(info), "")) {
        left.push_back("/dev/" + name + " still backs " + PathOf(info));
      }
    }
    return left;
  }
  Status Cleanup() override { return Status::Ok(); }

 private:
  ConnectionInfo Info(const std::string& path) const {
    return {type_, {{type_ == LoopConnector::kType ? "path" : "device_path", path}}};
  }
  std::string PathOf(const ConnectionInfo& info) const {
    auto it = info.data.find(type_ == LoopConnector::kType ? "path" : "device_path");
    return it == info.data.end() ? "" : it->second;
  }

  const std::string type_;
  const std::string dir_;
};

// Starts tgtd once per process when none runs; stops it at exit only if it started it.
class TgtdService {
 public:
  static Status Ensure() {
    static TgtdService service;
    return service.status_;
  }
  ~TgtdService() {
    if (started_) (void)Script("stop");
  }

 private:
  TgtdService() {
    auto out = Script("start");
    if (!out.ok()) {
      status_ = Status(out.status().code(), "devstack/lib/tgt.sh start: " + out.status().message());
    } else {
      started_ = out->find("started") != std::string::npos;
    }
  }
  static Result<std::string> Script(const std::string& arg) {
    SystemCommandRunner runner;
    // BB_DEVSTACK_LIB in the environment: where the scripts are when the binary runs elsewhere
    // than it was built (the test VM: tests/vm/iscsiadm_conformance.sh copies them in).
    const char* lib = std::getenv("BB_DEVSTACK_LIB");
    const std::string dir = lib != nullptr && *lib != '\0' ? lib : BB_DEVSTACK_LIB;
    ASSIGN_OR_RETURN(CommandResult r, RunChecked(runner, {"bash", dir + "/tgt.sh", arg}));
    return r.out;
  }
  Status status_;
  bool started_ = false;
};

class TgtExportEnv : public ConnectorTestEnv {
 public:
  explicit TgtExportEnv(CommandRunner& runner) : runner_(runner), target_(runner) {}

  Result<ConnectionInfo> Export(const std::string& path, bool read_only) override {
    IscsiExportRequest r;
    r.target_iqn = NextIqn();
    r.backing_path = path;
    r.chap = GenerateChapCredentials();
    r.initiator_addresses = {"127.0.0.1"};
    r.read_only = read_only;
    iqns_.push_back(r.target_iqn);
    ASSIGN_OR_RETURN(IscsiExport e, target_.CreateExport(r));
    return IscsiConnectionInfo(e);
  }
  ConnectionInfo Absent() override {
    ChapCredentials chap = GenerateChapCredentials();
    return {"iscsi",
            {{"target_portal", kPortal},
             {"target_iqn", NextIqn() + "-absent"},
             {"target_lun", "1"},
             {"auth_method", "CHAP"},
             {"auth_username", chap.username},
             {"auth_password", chap.secret}}};
  }
  Status Vanish(const ConnectionInfo& info) override {
    return target_.RemoveExport(info.data.at("target_iqn"));
  }
  Result<std::vector<std::string>> Leftovers(const ConnectionInfo& info) override {
    const std::string& iqn = info.data.at("target_iqn");
    std::vector<std::string> left;
    ASSIGN_OR_RETURN(CommandResult show, RunChecked(runner_, tgt::ShowTargetsArgv()));
    ASSIGN_OR_RETURN(auto targets, tgt::ParseTargetShow(show.out));
    for (const auto& t : targets) {
      if (t.iqn == iqn && !t.connections.empty()) {
        left.push_back("tgtd still has " + std::to_string(t.connections.size()) +
                       " connection(s) to " + iqn);
      }
    }
    // The kernel initiator's state, where open-iscsi is installed.
    auto sessions = runner_.Run(iscsiadm::SessionArgv());
    if (sessions.ok() && sessions->exit_code != 127) {
      for (const auto& s : iscsiadm::ParseSessions(sessions->out)) {
        if (s.iqn == iqn) left.push_back("open-iscsi session " + std::to_string(s.sid));
      }
      auto node = runner_.Run(iscsiadm::NodeShowArgv(iqn, kPortal));
      if (node.ok() && node->exit_code == 0) left.push_back("open-iscsi node record of " + iqn);
    }
    return left;
  }
  Status Cleanup() override {
    Status first;
    for (const auto& iqn : iqns_) {
      Status s = target_.RemoveExport(iqn);
      if (first.ok() && !s.ok()) first = s;
    }
    iqns_.clear();
    return first;
  }

 private:
  std::string NextIqn() {
    return kIqnPrefix + std::to_string(::getpid()) + "-" + std::to_string(next_++);
  }

  CommandRunner& runner_;
  TgtTarget target_;
  std::vector<std::string> iqns_;
  int next_ = 0;
};

}  // namespace

Result<std::unique_ptr<ConnectorTestEnv>> CreateLocalFileEnv(const std::string& type,
                                                             const std::string& dir) {
  return std::unique_ptr<ConnectorTestEnv>(std::make_unique<LocalFileEnv>(type, dir));
}

Result<std::unique_ptr<ConnectorTestEnv>> CreateTgtExportEnv(CommandRunner& runner) {
  RETURN_IF_ERROR(TgtdService::Ensure());
  return std::unique_ptr<ConnectorTestEnv>(std::make_unique<TgtExportEnv>(runner));
}

std::string IscsiTcpUnavailableReason() {
  auto present = [] {
    return std::filesystem::exists("/sys/module/iscsi_tcp") ||
           std::filesystem::exists("/sys/class/iscsi_transport/tcp");
  };
  if (present()) return "";
  SystemCommandRunner runner;
  (void)runner.Run({"modprobe", "iscsi_tcp"});  // absent on hosts without the module: fine
  if (present()) return "";
  return "no iscsi_tcp kernel module on this host; runs in the LVM issue's test VM";
}

std::string HostInitiatorName(const std::string& fallback) {
  auto name = iscsiadm::ParseInitiatorNameFile(ReadFile("/etc/iscsi/initiatorname.iscsi"));
  return name.ok() ? *name : fallback;
}

}  // namespace bb::testing
