// RunRestoreJob: manifest -> `workers` threads each taking the next chunk index, fetching,
// decoding and verifying it (ChunkStore::Get) and pwrite-ing it at its offset -> one fsync.
// Zero chunks: skipped on a zeroed target; otherwise hole-punched (regular files) or written as
// zeros. Thread-safety: each call owns its threads and file descriptor.
#include "backup_service/datapath/restore_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "backup_service/datapath/chunk_store.h"
#include "backup_service/datapath/manifest.h"

namespace bb {
namespace {

constexpr size_t kZeroBufferSize = 1 << 20;

Status PwriteAll(int fd, const char* data, int64_t length, int64_t offset,
                 const std::string& path) {
  int64_t done = 0;
  while (done < length) {
    ssize_t n = ::pwrite(fd, data + done, static_cast<size_t>(length - done), offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path + " at " + std::to_string(offset + done), errno);
    }
    done += n;
  }
  return Status::Ok();
}

Status WriteZeros(int fd, bool regular, int64_t offset, int64_t length, const std::string& path) {
  // A punched hole reads back as zeros and keeps the restored file sparse. Not every file system
  // supports it, hence the fallback.
  if (regular && ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0) {
    return Status::Ok();
  }
  static const std::vector<char> zeros(kZeroBufferSize, 0);
  for (int64_t done = 0; done < length;) {
    int64_t n = std::min<int64_t>(length - done, kZeroBufferSize);
    RETURN_IF_ERROR(PwriteAll(fd, zeros.data(), n, offset + done, path));
    done += n;
  }
  return Status::Ok();
}

}  // namespace

Result<RestoreJobResult> RunRestoreJob(const RestoreJobSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  if (spec.store == nullptr) return Status::InvalidArgument("restore job without a store");
  if (spec.workers < 1 || spec.workers > 64) {
    return Status::InvalidArgument("workers must be 1..64");
  }
  ASSIGN_OR_RETURN(Manifest manifest,
                   LoadManifest(*spec.store, spec.container, spec.manifest_object));
  BlockDevice* device = spec.target_device;
  const std::string target = device != nullptr ? device->Describe() : spec.target_path;
  if (spec.target_size_bytes < manifest.size_bytes) {
    return Status::FailedPrecondition(
        "restore target " + target + " is " + std::to_string(spec.target_size_bytes) +
        " bytes, backup " + manifest.backup_id + " needs " + std::to_string(manifest.size_bytes));
  }
  // Never O_CREAT/O_TRUNC: the target is a volume prepared by the volume driver.
  int fd = -1;
  bool regular = false;
  if (device == nullptr) {
    fd = ::open(spec.target_path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open " + spec.target_path, errno);
    struct stat st;
    regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  }
  // Through the handle: data as is; zeros written unless the range already reads as zeros.
  auto device_write = [&](const ManifestChunk& c, const std::string* data) -> Status {
    if (data != nullptr) return device->WriteAt(c.offset, std::span<const char>(*data));
    if (spec.target_is_zeroed || device->KnownZero(c.offset, c.length)) return Status::Ok();
    static const std::string zeros(kZeroBufferSize, '\0');
    for (int64_t done = 0; done < c.length;) {
      int64_t n = std::min<int64_t>(c.length - done, kZeroBufferSize);
      RETURN_IF_ERROR(device->WriteAt(c.offset + done,
                                      std::span<const char>(zeros.data(), static_cast<size_t>(n))));
      done += n;
    }
    return Status::Ok();
  };

  ChunkStore chunks(spec.store, spec.container);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;  // guards error, bytes_done, and serialises progress/cancel callbacks
  Status error;
  int64_t bytes_done = 0;
  auto fail = [&](Status s) {
    std::lock_guard lock(mu);
    if (error.ok()) error = std::move(s);
    failed = true;
  };

  auto worker = [&] {
    while (!failed) {
      {
        std::lock_guard lock(mu);  // CancelFn need not be thread-safe
        if (spec.cancelled && spec.cancelled()) {
          if (error.ok())
            error = Status::Cancelled("restore of " + manifest.backup_id + " cancelled");
          failed = true;
          return;
        }
      }
      size_t i = next++;
      if (i >= manifest.chunks.size()) return;
      const ManifestChunk& c = manifest.chunks[i];
      Status s;
      if (c.zero) {
        if (device != nullptr) {
          s = device_write(c, nullptr);
        } else if (!spec.target_is_zeroed) {
          s = WriteZeros(fd, regular, c.offset, c.length, spec.target_path);
        }
      } else {
        auto data = chunks.Get(c.hash, c.length);
        if (!data.ok()) {
          s = data.status().WithContext("chunk at offset " + std::to_string(c.offset));
        } else if (device != nullptr) {
          s = device_write(c, &*data);
        } else {
          s = PwriteAll(fd, data->data(), c.length, c.offset, spec.target_path);
        }
      }
      if (!s.ok()) {
        fail(std::move(s));
        return;
      }
      std::lock_guard lock(mu);
      bytes_done += c.length;
      if (spec.progress) spec.progress(bytes_done, manifest.size_bytes);
    }
  };
  std::vector<std::thread> threads;
  int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(spec.workers),
                                                  std::max<size_t>(1, manifest.chunks.size())));
  for (int i = 0; i < workers; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  if (device != nullptr) {
    if (!failed) error = device->Flush();
  } else {
    if (!failed && ::fsync(fd) != 0) error = ErrnoStatus("fsync " + spec.target_path, errno);
    if (::close(fd) != 0 && error.ok()) error = ErrnoStatus("close " + spec.target_path, errno);
  }
  if (!error.ok()) return error;

  RestoreJobResult result;
  result.bytes_written = manifest.size_bytes;
  result.chunks = static_cast<int64_t>(manifest.chunks.size());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace bb
