// LoopConnector: losetup-based attach/flush/detach of local files; see loop_connector.h.
#include "volume_drivers/connectors/loop_connector.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backup_service/common/log.h"

namespace bb {
namespace loop {
namespace {

std::string_view TrimNewlines(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::vector<std::string> AttachArgv(const std::string& path, bool direct_io) {
  std::vector<std::string> argv = {"losetup", "--find", "--show"};
  if (direct_io) argv.push_back("--direct-io=on");
  argv.push_back(path);
  return argv;
}

std::vector<std::string> DetachArgv(const std::string& device) {
  return {"losetup", "--detach", device};
}

Result<std::string> LoopName(std::string_view device) {
  constexpr std::string_view kPrefix = "/dev/loop";
  if (device.starts_with(kPrefix) && device.size() > kPrefix.size()) {
    std::string_view num = device.substr(kPrefix.size());
    if (num.find_first_not_of("0123456789") == std::string_view::npos) {
      return std::string(device.substr(5));
    }
  }
  return Status::InvalidArgument("not a loop device: \"" + std::string(device) + "\"");
}

Result<std::string> ParseAttachOutput(std::string_view out) {
  std::string_view device = TrimNewlines(out);
  if (!LoopName(device).ok()) {
    return Status::Internal("unexpected output from losetup --show: \"" + std::string(out) + "\"");
  }
  return std::string(device);
}

bool BackingFileMatches(std::string_view sysfs_content, std::string_view path,
                        std::string_view real_path) {
  std::string_view backing = TrimNewlines(sysfs_content);
  constexpr std::string_view kDeleted = " (deleted)";
  if (backing.ends_with(kDeleted)) backing.remove_suffix(kDeleted.size());
  if (backing.empty()) return false;
  return backing == path || (!real_path.empty() && backing == real_path);
}

Result<std::string> PathFromInfo(const ConnectionInfo& info) {
  auto it = info.data.find("path");
  if (it == info.data.end() || it->second.empty() || it->second[0] != '/') {
    return Status::InvalidArgument("local_file connection info needs an absolute \"path\"");
  }
  return it->second;
}

}  // namespace loop

LoopConnector::LoopConnector(CommandRunner& runner, std::string sysfs_root)
    : runner_(runner), sysfs_root_(std::move(sysfs_root)) {}

Result<std::string> LoopConnector::ReadBackingFile(const std::string& loop_name) const {
  std::string file = sysfs_root_ + "/block/" + loop_name + "/loop/backing_file";
  std::ifstream in(file);
  if (!in) return Status::NotFound(loop_name + " has no backing file (" + file + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string backing = ss.str();
  while (!backing.empty() && backing.back() == '\n') backing.pop_back();
  return backing;
}

Result<std::string> LoopConnector::Connect(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(std::string path, loop::PathFromInfo(info));
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return ErrnoStatus("loop connector: " + path, errno);

  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(loop::AttachArgv(path, /*direct_io=*/true)));
  if (r.exit_code != 0) {
    // Direct I/O needs the backing filesystem's support (and block-size alignment); a plain
    // loop device is still correct, just cached twice.
    BB_LOG(kWarning) << "losetup with --direct-io=on failed for " << path << " (" << r.err
                     << "); attaching without direct I/O";
    ASSIGN_OR_RETURN(r, RunChecked(runner_, loop::AttachArgv(path, /*direct_io=*/false)));
  } else if (!r.err.empty()) {
    BB_LOG(kWarning) << "losetup for " << path << ": " << r.err;
  }
  ASSIGN_OR_RETURN(std::string device, loop::ParseAttachOutput(r.out));
  BB_LOG(kInfo) << "attached " << path << " as " << device;
  return device;
}

Status LoopConnector::Flush(const std::string& device) {
  RETURN_IF_ERROR(loop::LoopName(device).status());
  // Read-only is enough: fsync writes back the device's whole page cache regardless of the mode.
  int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + device, errno);
  Status s;
  if (fsync(fd) != 0) s = ErrnoStatus("fsync " + device, errno);
  close(fd);
  return s;
}

Status LoopConnector::Disconnect(const ConnectionInfo& info, const std::string& device) {
  ASSIGN_OR_RETURN(std::string path, loop::PathFromInfo(info));
  ASSIGN_OR_RETURN(std::string name, loop::LoopName(device));
  char real[PATH_MAX];
  std::string real_path = realpath(path.c_str(), real) != nullptr ? real : "";

  auto backing = ReadBackingFile(name);
  if (!backing.ok()) {
    BB_LOG(kInfo) << device << " is not attached; nothing to disconnect for " << path;
    return Status::Ok();
  }
  if (!loop::BackingFileMatches(*backing, path, real_path)) {
    BB_LOG(kWarning) << device << " now backs " << *backing << ", not " << path
                     << "; leaving it alone";
    return Status::Ok();
  }
  RETURN_IF_ERROR(Flush(device));
  ASSIGN_OR_RETURN(CommandResult r, runner_.Run(loop::DetachArgv(device)));
  if (r.exit_code != 0) {
    // Someone else may have detached it between our check and losetup: that is success.
    auto again = ReadBackingFile(name);
    if (!again.ok() || !loop::BackingFileMatches(*again, path, real_path)) return Status::Ok();
    return Status::Internal("`losetup --detach " + device + "` exited " +
                            std::to_string(r.exit_code) + ": " + r.err);
  }
  BB_LOG(kInfo) << "detached " << device << " (" << path << ")";
  return Status::Ok();
}

Result<std::vector<std::string>> LoopConnector::Devices(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(std::string path, loop::PathFromInfo(info));
  char real[PATH_MAX];
  std::string real_path = realpath(path.c_str(), real) != nullptr ? real : "";
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(sysfs_root_ + "/block", ec)) {
    std::string name = e.path().filename().string();
    if (!loop::LoopName("/dev/" + name).ok()) continue;
    auto backing = ReadBackingFile(name);
    if (backing.ok() && loop::BackingFileMatches(*backing, path, real_path)) {
      out.push_back("/dev/" + name);
    }
  }
  if (ec) return Status::Internal("listing " + sysfs_root_ + "/block: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace bb
