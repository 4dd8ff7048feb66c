// File helpers for the file and fake drivers; see file_ops.h.
#include "volume_drivers/file/file_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"

namespace bb::file_ops {
namespace {

// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string TempPathFor(const std::string& dst) {
  return DirName(dst) + "/" + std::string(kTempPrefix) + BaseName(dst) + "-" + NewUuid();
}

// Byte copy that skips all-zero blocks so that sparse volumes stay sparse.
Status FullCopy(int in, int out, const std::string& src) {
  std::vector<char> buf(1 << 20);
  off_t off = 0;
  for (;;) {
    ssize_t n = pread(in, buf.data(), buf.size(), off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + src, errno);
    }
    if (n == 0) break;
    bool zero = std::all_of(buf.begin(), buf.begin() + n, [](char c) { return c == 0; });
    for (ssize_t done = 0; !zero && done < n;) {
      ssize_t w = pwrite(out, buf.data() + done, static_cast<size_t>(n - done), off + done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write copy of " + src, errno);
      }
      done += w;
    }
    off += n;
  }
  // Trailing holes are not written above; the size must still match.
  if (ftruncate(out, off) != 0) return ErrnoStatus("ftruncate copy of " + src, errno);
  return Status::Ok();
}

constexpr const char* kOwnerXattr = "user.blockbackup.owner";

Status CopyInto(const std::string& src, const std::string& tmp, CopyMode mode, int64_t min_size,
                const std::string& owner) {
  Fd in(open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.ok()) return ErrnoStatus("open " + src, errno);
  Fd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.ok()) return ErrnoStatus("create " + tmp, errno);
  if (mode == CopyMode::kReflink) {
    // FICLONE writes back the source's dirty page cache before sharing extents, so the copy holds
    // every write the source file had acknowledged at this instant.
    if (ioctl(out.get(), FICLONE, in.get()) != 0) return ErrnoStatus("FICLONE " + src, errno);
  } else {
    RETURN_IF_ERROR(FullCopy(in.get(), out.get(), src));
  }
  struct stat st {};
  if (fstat(out.get(), &st) != 0) return ErrnoStatus("stat " + tmp, errno);
  if (min_size > st.st_size && ftruncate(out.get(), min_size) != 0) {
    return ErrnoStatus("ftruncate " + tmp, errno);
  }
  if (!owner.empty() &&
      fsetxattr(out.get(), kOwnerXattr, owner.data(), owner.size(), XATTR_CREATE) != 0) {
    return ErrnoStatus("tag " + tmp + " with its owner", errno);
  }
  // Durable before it gets its final name: after a crash the final name never shows a partial copy.
  if (fsync(out.get()) != 0) return ErrnoStatus("fsync " + tmp, errno);
  return Status::Ok();
}

}  // namespace

Status CreateSparseFile(const std::string& path, int64_t size) {
  if (size <= 0)
    return Status::InvalidArgument("size must be positive, got " + std::to_string(size));
  Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.ok()) return ErrnoStatus("create " + path, errno);
  if (ftruncate(fd.get(), size) != 0 || fsync(fd.get()) != 0) {
    Status s = ErrnoStatus("size " + path, errno);
    unlink(path.c_str());
    return s;
  }
  return FsyncDir(DirName(path));
}

Status GrowFile(const std::string& path, int64_t size) {
  ASSIGN_OR_RETURN(int64_t current, FileSize(path));
  if (size < current) {
    return Status::InvalidArgument("cannot shrink " + path + " from " + std::to_string(current) +
                                   " to " + std::to_string(size) + " bytes");
  }
  if (size == current) return Status::Ok();
  if (truncate(path.c_str(), size) != 0) return ErrnoStatus("truncate " + path, errno);
  return Status::Ok();
}

Result<int64_t> FileSize(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return ErrnoStatus("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition(path + " is not a regular file");
  return static_cast<int64_t>(st.st_size);
}

Status CopyFileAtomically(const std::string& src, const std::string& dst, CopyMode mode,
                          int64_t min_size, const std::string& owner) {
  std::string tmp = TempPathFor(dst);
  Status s = CopyInto(src, tmp, mode, min_size, owner);
  if (s.ok() && renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dst.c_str(), RENAME_NOREPLACE) != 0) {
    s = ErrnoStatus("rename " + tmp + " to " + dst, errno);
  }
  if (!s.ok()) {
    unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(DirName(dst));
}

Result<std::string> OwnerOf(const std::string& path) {
  char buf[256];
  ssize_t n = getxattr(path.c_str(), kOwnerXattr, buf, sizeof(buf));
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP) return std::string();
    return ErrnoStatus("read the owner of " + path, errno);
  }
  return std::string(buf, static_cast<size_t>(n));
}

Result<std::vector<std::string>> FilesOwnedBy(const std::string& dir, std::string_view prefix,
                                              const std::string& owner) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("opendir " + dir, errno);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name.starts_with(prefix)) names.emplace_back(name);
  }
  closedir(d);
  std::vector<std::string> owned;
  for (const auto& name : names) {
    auto tag = OwnerOf(dir + "/" + name);
    if (!tag.ok() && tag.status().code() == StatusCode::kNotFound) continue;  // removed meanwhile
    if (!tag.ok()) return tag.status();
    if (*tag == owner) owned.push_back(name);
  }
  return owned;
}

Status RemoveIfExists(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink " + path, errno);
  return Status::Ok();
}

Result<int> RemoveTempFiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("opendir " + dir, errno);
  std::vector<std::string> leftovers;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name.starts_with(kTempPrefix)) leftovers.emplace_back(name);
  }
  closedir(d);
  for (const auto& name : leftovers) {
    RETURN_IF_ERROR(RemoveIfExists(dir + "/" + name));
    BB_LOG(kInfo) << "removed leftover temp file " << dir << "/" << name;
  }
  return static_cast<int>(leftovers.size());
}

Status FsyncDir(const std::string& dir) {
  Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return ErrnoStatus("open " + dir, errno);
  if (fsync(fd.get()) != 0) return ErrnoStatus("fsync " + dir, errno);
  return Status::Ok();
}

Result<bool> ProbeReflink(const std::string& dir) {
  std::string src = dir + "/" + std::string(kTempPrefix) + "reflink-probe-" + NewUuid();
  std::string dst = src + ".clone";
  bool works = false;
  Status s;
  {
    Fd in(open(src.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!in.ok()) return ErrnoStatus("create probe file in " + dir, errno);
    std::vector<char> block(4096, 'r');
    if (pwrite(in.get(), block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
      s = ErrnoStatus("write probe file " + src, errno);
    } else {
      Fd out(open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!out.ok()) {
        s = ErrnoStatus("create probe file " + dst, errno);
      } else if (ioctl(out.get(), FICLONE, in.get()) == 0) {
        works = true;
      } else {
        // EOPNOTSUPP/ENOTTY/EINVAL/EXDEV all mean "this filesystem cannot share extents here".
        BB_LOG(kInfo) << "FICLONE probe in " << dir << " failed: " << std::strerror(errno);
      }
    }
  }
  unlink(dst.c_str());
  unlink(src.c_str());
  if (!s.ok()) return s;
  return works;
}

}  // namespace bb::file_ops
