// LocalConnector: a path on this host, no attach; see local_connector.h.
#include "volume_drivers/connectors/local_connector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "backup_service/common/log.h"

namespace bb {
namespace local {

Result<std::string> DevicePathFromInfo(const ConnectionInfo& info) {
  auto it = info.data.find("device_path");
  if (it == info.data.end() || it->second.empty() || it->second[0] != '/') {
    return Status::InvalidArgument("local connection info needs an absolute \"device_path\"");
  }
  return it->second;
}

}  // namespace local

namespace {

// OK for a block device or a regular file; NotFound when missing; InvalidArgument otherwise.
Status CheckUsable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("local connector: " + path, errno);
  if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("local connector: " + path +
                                   " is neither a block device nor a regular file");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> LocalConnector::Connect(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(std::string path, local::DevicePathFromInfo(info));
  RETURN_IF_ERROR(CheckUsable(path));
  return path;
}

Status LocalConnector::Flush(const std::string& device) {
  RETURN_IF_ERROR(CheckUsable(device));
  // Read-only is enough: fsync writes back the file's (or device's) dirty pages whatever the mode.
  int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + device, errno);
  Status s;
  if (::fsync(fd) != 0) s = ErrnoStatus("fsync " + device, errno);
  ::close(fd);
  return s;
}

Status LocalConnector::Disconnect(const ConnectionInfo& info, const std::string& device) {
  ASSIGN_OR_RETURN(std::string path, local::DevicePathFromInfo(info));
  if (device != path) {
    return Status::InvalidArgument("device \"" + device + "\" is not the one Connect returned (" +
                                   path + ")");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    BB_LOG(kInfo) << path << " is gone; nothing to flush";
    return Status::Ok();
  }
  return Flush(path);
}

Result<std::vector<std::string>> LocalConnector::Devices(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(std::string path, local::DevicePathFromInfo(info));
  if (CheckUsable(path).ok()) return std::vector<std::string>{path};
  return std::vector<std::string>{};
}

}  // namespace bb
