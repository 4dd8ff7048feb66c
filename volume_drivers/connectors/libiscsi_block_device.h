// LibiscsiBlockDevice: a BlockDevice that is one iSCSI session of libiscsi, the userspace
// initiator (Debian libiscsi-dev). No kernel module, no /dev node: every ReadAt/WriteAt is a
// READ(16)/WRITE(16) over TCP to the target, straight into/out of the caller's buffer.
//
// Open: iscsi_create_context(initiator name) -> CHAP (iscsi_set_initiator_username_pwd) ->
//   iscsi_connect_sync (TCP) -> iscsi_login_sync -> READ CAPACITY(16) for size and block size
//   (which also proves the LUN is there). Errors name the step: a refused login is PermissionDenied
//   ("Authentication failure": wrong CHAP), an unknown target NotFound (tgt answers the same to an
//   initiator its ACL does not list), no answer at the portal Unavailable.
// I/O: split into commands of at most `max_transfer_bytes`; one command in flight at a time.
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

#include "volume_drivers/connectors/block_device.h"
#include "volume_drivers/volume_driver.h"

struct iscsi_context;

namespace bb {

// Where an iSCSI LUN is and how to log in: os-brick's connection_info keys.
struct IscsiTargetAddress {
  std::string portal;  // "ip:port" (":3260" is not assumed)
  std::string iqn;
  int lun = 0;
  std::string chap_username;  // empty: no CHAP
  std::string chap_secret;

  // "iscsi://127.0.0.1:3260/iqn.../1": the device's name in logs; never carries credentials.
  std::string Url() const;
};

// From ConnectionInfo data: target_portal, target_iqn, target_lun, and auth_method "CHAP" with
// auth_username and auth_password (no auth_method: no CHAP). InvalidArgument names the missing or
// malformed key; an auth_method other than CHAP is Unimplemented.
Result<IscsiTargetAddress> IscsiAddressFromInfo(const ConnectionInfo& info);

struct LibiscsiOptions {
  std::string initiator_name;  // this host's IQN, which the target's ACL may list
  std::chrono::seconds io_timeout{30};
  int64_t max_transfer_bytes = 1 << 20;
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
  LibiscsiBlockDevice(iscsi_context* ctx, std::string url, int lun, AccessMode mode, int64_t size,
                      int64_t block_size, int64_t max_transfer, std::string secret);
  // One READ(16) or WRITE(16) of `length` bytes at `offset`; mu_ held.
  Status Transfer(bool write, int64_t offset, char* buf, int64_t length);
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
  const std::string secret_;  // only to redact libiscsi's messages
  std::string broken_;        // guarded by mu_: why the session is lost, empty while it is fine
};

}  // namespace bb
