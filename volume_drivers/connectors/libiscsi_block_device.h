// LibiscsiBlockDevice: a BlockDevice that is one iSCSI session of libiscsi, the userspace
// initiator (Debian libiscsi-dev). No kernel module, no /dev node: every ReadAt/WriteAt is a
// READ(16)/WRITE(16) over TCP to the target, straight into/out of the caller's buffer.
//
// Open: iscsi_create_context(initiator name) -> CHAP (iscsi_set_initiator_username_pwd) ->
//   iscsi_connect_sync (TCP) -> iscsi_login_sync -> READ CAPACITY(16) for size and block size
//   (which also proves the LUN is there). Errors name the step: a refused login is PermissionDenied
//   ("Authentication failure": wrong CHAP), an unknown target NotFound (tgt answers the same to an
//   initiator its ACL does not list), no answer at the portal Unavailable.
// I/O: split into commands of at most `max_transfer_bytes`, `queue_depth` of them in flight.
//   libiscsi's automatic reconnect is off and every command has a timeout (`io_timeout`), so a
//   target that closes the session (tgtadm conn delete, RemoveExport) or stops answering fails the
//   call with Unavailable instead of hanging or silently logging in again; the handle is then
//   broken and later calls fail at once.
// Close: SYNCHRONIZE CACHE(16) when writable, logout, disconnect. Idempotent.
// Secrets: the CHAP secret goes to libiscsi; this object keeps it only to remove it from every
//   error message (libiscsi's own included).
// Thread-safety: one session serves one command at a time; ReadAt/WriteAt/Flush take a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "volume_drivers/connectors/block_device.h"
#include "volume_drivers/connectors/iscsi_address.h"

struct iscsi_context;

namespace bb {

struct LibiscsiOptions {
  std::string initiator_name;  // this host's IQN, which the target's ACL may list
  std::chrono::seconds io_timeout{30};
  int64_t max_transfer_bytes = 1 << 20;
  // Commands in flight at once within one ReadAt/WriteAt (tgtd serves them in parallel; on this
  // machine 4 x 1 MiB reads twice as fast as 1 at a time).
  int queue_depth = 4;
};

class LibiscsiBlockDevice : public BlockDevice {
 public:
  static Result<std::unique_ptr<BlockDevice>> Open(const IscsiTargetAddress& address,
                                                   const LibiscsiOptions& options, AccessMode mode);
  ~LibiscsiBlockDevice() override;

  int64_t Size() const override { return size_; }
  int64_t BlockSize() const override { return block_size_; }
  Status ReadAt(int64_t offset, std::span<char> out) override;
  Status WriteAt(int64_t offset, std::span<const char> data) override;
  Status Flush() override;
  Status Close() override;
  std::string Describe() const override { return url_; }

 private:
  struct PendingCommand;

  LibiscsiBlockDevice(iscsi_context* ctx, std::string url, int lun, AccessMode mode, int64_t size,
                      int64_t block_size, int64_t max_transfer, int queue_depth,
                      std::string secret);
  // READ(16)s or WRITE(16)s of at most max_transfer_ bytes covering [offset, offset + length),
  // queue_depth_ of them in flight; mu_ held. The first failure wins; sent commands are drained.
  Status Transfer(bool write, int64_t offset, char* buf, int64_t length);
  Status CommandStatus(bool write, const PendingCommand& c, const std::string& error_before);
  Status FlushLocked();
  // Marks the session lost (mu_ held) and returns Unavailable with `what` and libiscsi's reason
  // when it differs from `error_before` (its message before the command).
  Status Broken(const std::string& what, const std::string& error_before);
  std::string ErrorNow() const;  // libiscsi's last error message; mu_ held

  std::mutex mu_;
  iscsi_context* ctx_;  // guarded by mu_; null once closed
  const std::string url_;
  const int lun_;
  const AccessMode mode_;
  const int64_t size_;
  const int64_t block_size_;
  const int64_t max_transfer_;
  const int queue_depth_;
  const std::string secret_;  // only to redact libiscsi's messages
  std::string broken_;        // guarded by mu_: why the session is lost, empty while it is fine
  // Commands a lost session left in libiscsi's queues; freed after the context (mu_).
  std::vector<std::unique_ptr<PendingCommand>> orphans_;
};

}  // namespace bb
