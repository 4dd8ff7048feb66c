// PosixStore implementation (see posix_store.h for the layout and the atomic-Put protocol).
// Thread-safety: no mutable state; concurrency is handled by the file system (O_EXCL temp files,
// atomic rename).
#include "backup_service/object_stores/posix_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "backup_service/common/uuid.h"
#include "backup_service/object_stores/object_name.h"

namespace bb {
namespace {

// errno -> Status with the store's retry contract: transient I/O conditions are Unavailable.
Status FsError(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return Status::NotFound(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return Status(StatusCode::kPermissionDenied, msg);
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(msg);
    case EIO:
    case EAGAIN:
    case EINTR:
    case EBUSY:
    case ETIMEDOUT:
    case ESTALE:
      return Status::Unavailable(msg);
    case EISDIR:
    case EEXIST:
    case ENOTEMPTY:
      // A name used both as an object and as a "directory" prefix of another object.
      return Status::FailedPrecondition(msg);
    default:
      return Status::Internal(msg);
  }
}

// Closes an fd on scope exit unless released.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status FsyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return FsError("open dir " + dir, errno);
  if (::fsync(fd.get()) != 0) return FsError("fsync dir " + dir, errno);
  return Status::Ok();
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p for `rel` (relative, already validated) under the existing directory `base`. Every
// directory this call creates is made durable by fsyncing its parent.
Status MakeDirs(const std::string& base, const std::string& rel) {
  std::string path = base;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string parent = path;
    path += "/" + rel.substr(start, end - start);
    if (::mkdir(path.c_str(), 0755) == 0) {
      RETURN_IF_ERROR(FsyncDir(parent));
    } else if (errno != EEXIST) {
      return FsError("mkdir " + path, errno);
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FsError("write " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Recursive walk of `dir` (whose name relative to the container is `rel`, "" for the container
// itself) collecting object names that start with `prefix`. Subtrees that cannot contain a match
// are pruned. Entries vanishing mid-walk (concurrent Delete) are skipped, not errors.
Status Walk(const std::string& dir, const std::string& rel, const std::string& prefix,
            std::vector<std::string>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return FsError("opendir " + dir, errno);
  }
  Status status;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) status = FsError("readdir " + dir, errno);
      break;
    }
    std::string_view leaf = e->d_name;
    if (leaf == "." || leaf == ".." || leaf.starts_with(kReservedTempPrefix)) continue;
    std::string name = rel.empty() ? std::string(leaf) : rel + "/" + std::string(leaf);
    std::string path = dir + "/" + std::string(leaf);
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN || type == DT_LNK) {
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      // Descend only when "name/..." can still match the prefix.
      std::string as_dir = name + "/";
      size_t n = std::min(as_dir.size(), prefix.size());
      if (as_dir.compare(0, n, prefix, 0, n) != 0) continue;
      status = Walk(path, name, prefix, out);
      if (!status.ok()) break;
    } else if (type == DT_REG && name.starts_with(prefix)) {
      out->push_back(std::move(name));
    }
  }
  ::closedir(d);
  return status;
}

}  // namespace

PosixStore::PosixStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string PosixStore::ContainerPath(const std::string& container) const {
  return root_ + "/" + container;
}

Status PosixStore::CheckContainer(const std::string& container) const {
  RETURN_IF_ERROR(ValidateContainerName(container));
  struct stat st;
  std::string path = ContainerPath(container);
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("container " + container + " not found under " + root_);
  }
  return Status::Ok();
}

Status PosixStore::EnsureContainer(const std::string& container) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  if (::mkdir(root_.c_str(), 0755) != 0 && errno != EEXIST) {
    return FsError("mkdir " + root_, errno);
  }
  return MakeDirs(root_, container);
}

Status PosixStore::Put(const std::string& container, const std::string& name,
                       std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectName(name));
  RETURN_IF_ERROR(CheckContainer(container));
  std::string base = ContainerPath(container);
  std::string final_path = base + "/" + name;
  std::string dir = Parent(final_path);
  if (size_t slash = name.rfind('/'); slash != std::string::npos) {
    RETURN_IF_ERROR(MakeDirs(base, name.substr(0, slash)));
  }
  std::string tmp = dir + "/" + std::string(kReservedTempPrefix) + "-" + NewUuid();
  // Unnamed until complete: a crash (a SIGKILLed backupd) mid-write leaves no file behind.
  int raw = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  bool unnamed = raw >= 0;
  if (!unnamed) {
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
      return FsError("create an unnamed file in " + dir, errno);
    }
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (raw < 0) return FsError("create " + tmp, errno);
  }
  Fd fd(raw);
  Status status = WriteAll(fd.get(), data, tmp);
  if (status.ok() && ::fsync(fd.get()) != 0) status = FsError("fsync " + tmp, errno);
  bool replace = !unnamed;
  if (status.ok() && unnamed) {
    // linkat through /proc needs no privilege (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH).
    std::string self = "/proc/self/fd/" + std::to_string(fd.get());
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, final_path.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno != EEXIST) {
        status = FsError("link " + final_path, errno);
      } else if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
        status = FsError("link " + tmp, errno);
      } else {
        replace = true;  // the object exists: install the new version with a rename
      }
    }
  }
  if (::close(fd.release()) != 0 && status.ok()) status = FsError("close " + tmp, errno);
  if (status.ok() && replace && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    status = FsError("rename to " + final_path, errno);
  }
  if (!status.ok()) {
    if (replace || !unnamed) ::unlink(tmp.c_str());
    return status;
  }
  // The new name is durable only once the directory entry is on disk.
  return FsyncDir(dir);
}

namespace {

// Reads [offset, offset+length) of one object, or all of it when `range` is empty. Get and
// GetRange share it: one open, one fstat, one pread loop.
Result<std::string> ReadObject(const std::string& path, const std::string& object,
                               std::optional<std::pair<int64_t, int64_t>> range) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) {
      return Status::NotFound("object " + object + " not found");
    }
    return FsError("open " + path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return FsError("fstat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound("object " + object + " not found");
  // Objects are never modified in place (Put renames a new inode over the name), so st_size of
  // the opened inode is final.
  auto [offset, length] = range.value_or(std::pair<int64_t, int64_t>{0, st.st_size});
  if (offset < 0 || length < 0 || offset + length > st.st_size) {
    return Status(StatusCode::kOutOfRange,
                  "object " + object + " has " + std::to_string(st.st_size) + " bytes; range " +
                      std::to_string(offset) + "+" + std::to_string(length) + " passes its end");
  }
  std::string data(static_cast<size_t>(length), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd.get(), data.data() + done, data.size() - done,
                        static_cast<off_t>(offset) + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FsError("read " + path, errno);
    }
    if (n == 0) return Status::DataLoss("object " + path + " shorter than its size");
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace

Result<std::string> PosixStore::Get(const std::string& container, const std::string& name) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  return ReadObject(ContainerPath(container) + "/" + name, container + "/" + name, std::nullopt);
}

Result<std::string> PosixStore::GetRange(const std::string& container, const std::string& name,
                                         int64_t offset, int64_t length) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  return ReadObject(ContainerPath(container) + "/" + name, container + "/" + name,
                    std::pair<int64_t, int64_t>{offset, length});
}

Result<bool> PosixStore::Exists(const std::string& container, const std::string& name) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  std::string path = ContainerPath(container) + "/" + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return FsError("stat " + path, errno);
  }
  return S_ISREG(st.st_mode);
}

Status PosixStore::Delete(const std::string& container, const std::string& name) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  std::string path = ContainerPath(container) + "/" + name;
  // Empty parent directories are left in place: removing them would race with a concurrent Put
  // into the same directory, and their number is bounded (e.g. 256 chunk fan-out dirs).
  // No directory fsync: a delete lost in a crash only leaves garbage for the next collection.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR && errno != EISDIR) {
    return FsError("unlink " + path, errno);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> PosixStore::List(const std::string& container,
                                                  const std::string& prefix) {
  RETURN_IF_ERROR(CheckContainer(container));
  if (prefix.find('\0') != std::string::npos) {
    return Status::InvalidArgument("list prefix contains NUL");
  }
  // Start the walk at the deepest directory the prefix names ("manifests/" -> manifests/).
  std::string start_rel;
  if (size_t slash = prefix.rfind('/'); slash != std::string::npos) {
    start_rel = prefix.substr(0, slash);
    Status valid = ValidateObjectName(start_rel);
    if (!valid.ok()) return Status::InvalidArgument("list prefix: " + valid.message());
  }
  std::string start = ContainerPath(container);
  if (!start_rel.empty()) start += "/" + start_rel;
  std::vector<std::string> names;
  RETURN_IF_ERROR(Walk(start, start_rel, prefix, &names));
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> PosixStore::ListContainers(int depth) {
  if (depth < 1) return Status::InvalidArgument("container depth must be at least 1");
  std::vector<std::string> level = {""};
  for (int d = 0; d < depth; ++d) {
    std::vector<std::string> next;
    for (const std::string& rel : level) {
      const std::string dir = rel.empty() ? root_ : root_ + "/" + rel;
      DIR* h = ::opendir(dir.c_str());
      if (h == nullptr) {
        if (errno == ENOENT && rel.empty()) return std::vector<std::string>{};
        return FsError("opendir " + dir, errno);
      }
      while (dirent* e = ::readdir(h)) {
        const std::string entry = e->d_name;
        if (entry == "." || entry == ".." || entry.starts_with(kReservedTempPrefix)) continue;
        struct stat st;
        const std::string path = dir + "/" + entry;
        if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        next.push_back(rel.empty() ? entry : rel + "/" + entry);
      }
      ::closedir(h);
    }
    level = std::move(next);
  }
  std::vector<std::string> out;
  for (std::string& c : level) {
    if (ValidateContainerName(c).ok()) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace bb
