// FIEMAP extent maps and their difference; see fiemap_diff.h.
#include "volume_drivers/file/fiemap_diff.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "volume_drivers/extent_ranges.h"

namespace bb::fiemap {
namespace {

// Flags under which the physical address says nothing reliable about the data.
constexpr uint32_t kUnreliable = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
                                 FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
                                 FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE |
                                 FIEMAP_EXTENT_DATA_TAIL;
constexpr uint32_t kExtentsPerCall = 512;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The extent of `extents` covering `pos` (index), or the index of the first one after it.
size_t Seek(const std::vector<Extent>& extents, size_t from, int64_t pos) {
  while (from < extents.size() && extents[from].logical + extents[from].length <= pos) ++from;
  return from;
}

}  // namespace

Result<std::vector<Extent>> ReadExtents(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " not found");
    return ErrnoStatus("open " + path, errno);
  }
  const size_t bytes = sizeof(struct fiemap) + kExtentsPerCall * sizeof(struct fiemap_extent);
  auto buffer = std::make_unique<uint64_t[]>((bytes + 7) / 8);
  auto* fm = reinterpret_cast<struct fiemap*>(buffer.get());
  std::vector<Extent> out;
  uint64_t start = 0;
  uint32_t flags = FIEMAP_FLAG_SYNC;
  for (;;) {
    std::fill_n(buffer.get(), (bytes + 7) / 8, 0);
    fm->fm_start = start;
    fm->fm_length = FIEMAP_MAX_OFFSET - start;
    fm->fm_flags = flags;
    fm->fm_extent_count = kExtentsPerCall;
    if (ioctl(fd.get(), FS_IOC_FIEMAP, fm) != 0) {
      const int err = errno;
      if (err == EOPNOTSUPP || err == ENOTTY) {
        return Status::FailedPrecondition("the file system of " + path + " has no FIEMAP");
      }
      return ErrnoStatus("FS_IOC_FIEMAP " + path, err);
    }
    flags = 0;  // synced once is enough
    if (fm->fm_mapped_extents == 0) break;
    bool last = false;
    for (uint32_t i = 0; i < fm->fm_mapped_extents; ++i) {
      const struct fiemap_extent& e = fm->fm_extents[i];
      out.push_back({static_cast<int64_t>(e.fe_logical), static_cast<int64_t>(e.fe_physical),
                     static_cast<int64_t>(e.fe_length), e.fe_flags});
      last = last || (e.fe_flags & FIEMAP_EXTENT_LAST) != 0;
      start = e.fe_logical + e.fe_length;
    }
    if (last) break;
  }
  return out;
}

std::vector<ByteRange> DiffExtents(const std::vector<Extent>& base, int64_t base_size,
                                   const std::vector<Extent>& next, int64_t new_size) {
  std::vector<ByteRange> changed;
  const int64_t common = std::min(base_size, new_size);
  size_t bi = 0, ni = 0;
  int64_t pos = 0;
  while (pos < common) {
    bi = Seek(base, bi, pos);
    ni = Seek(next, ni, pos);
    const bool b_in = bi < base.size() && base[bi].logical <= pos;
    const bool n_in = ni < next.size() && next[ni].logical <= pos;
    // The next boundary of either map.
    int64_t end = common;
    if (bi < base.size())
      end = std::min(end, b_in ? base[bi].logical + base[bi].length : base[bi].logical);
    if (ni < next.size())
      end = std::min(end, n_in ? next[ni].logical + next[ni].length : next[ni].logical);
    bool differs;
    if (!b_in && !n_in) {
      differs = false;  // a hole in both: zeros in both
    } else if (b_in != n_in) {
      differs = true;
    } else {
      const Extent& b = base[bi];
      const Extent& n = next[ni];
      differs = ((b.flags | n.flags) & kUnreliable) != 0 ||
                (b.flags & FIEMAP_EXTENT_UNWRITTEN) != (n.flags & FIEMAP_EXTENT_UNWRITTEN) ||
                b.physical - b.logical != n.physical - n.logical;
    }
    if (differs) changed.push_back({pos, end - pos});
    pos = end;
  }
  if (new_size > common) changed.push_back({common, new_size - common});
  return NormalizeRanges(std::move(changed), new_size);
}

Result<std::vector<ByteRange>> ChangedRanges(const std::string& base_path,
                                             const std::string& new_path) {
  struct stat bst {
  }, nst{};
  if (stat(base_path.c_str(), &bst) != 0) {
    if (errno == ENOENT) return Status::NotFound(base_path + " not found");
    return ErrnoStatus("stat " + base_path, errno);
  }
  if (stat(new_path.c_str(), &nst) != 0) {
    if (errno == ENOENT) return Status::NotFound(new_path + " not found");
    return ErrnoStatus("stat " + new_path, errno);
  }
  ASSIGN_OR_RETURN(std::vector<Extent> base, ReadExtents(base_path));
  ASSIGN_OR_RETURN(std::vector<Extent> next, ReadExtents(new_path));
  return DiffExtents(base, bst.st_size, next, nst.st_size);
}

}  // namespace bb::fiemap
