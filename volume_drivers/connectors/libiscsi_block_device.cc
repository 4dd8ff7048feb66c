// LibiscsiBlockDevice: BlockDevice over one libiscsi session; see libiscsi_block_device.h.
#include "volume_drivers/connectors/libiscsi_block_device.h"

// libiscsi's C headers use uint*_t and size_t without including <stdint.h> and <stddef.h>.
// clang-format off
#include <stddef.h>
#include <stdint.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
// clang-format on

#include <algorithm>
#include <charconv>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/log.h"

namespace bb {
namespace {

// The reason libiscsi gives for the last failure, with the secret removed.
std::string LibiscsiError(iscsi_context* ctx, const std::string& secret) {
  const char* e = ctx != nullptr ? iscsi_get_error(ctx) : nullptr;
  std::string reason = (e != nullptr && *e != '\0') ? e : "no reason given";
  return RedactSecrets(reason, {secret});
}

// Frees a scsi_task when it goes out of scope.
struct TaskDeleter {
  void operator()(scsi_task* t) const { scsi_free_scsi_task(t); }
};
using TaskPtr = std::unique_ptr<scsi_task, TaskDeleter>;

// A login failure as a Status of the right kind (libiscsi's login.c wording).
Status LoginError(const std::string& url, const std::string& reason) {
  std::string message = "iSCSI login to " + url + " failed: " + reason;
  if (reason.find("Authentication failure") != std::string::npos ||
      reason.find("CHAP") != std::string::npos) {
    return Status::PermissionDenied(message + " (wrong CHAP user or secret?)");
  }
  if (reason.find("Target not found") != std::string::npos ||
      reason.find("Target removed") != std::string::npos ||
      reason.find("Authorization failure") != std::string::npos) {
    return Status::NotFound(message +
                            " (no such target, or this initiator is not in its access list)");
  }
  // tgtd closes the connection at login for a target it does not have; libiscsi then says it
  // cannot reconnect (automatic reconnects are off). TCP was connected, so the target is there.
  if (reason.find("reconnect") != std::string::npos) {
    return Status::NotFound(message +
                            " (the target closed the connection during login: tgtd does so for "
                            "a target it does not have)");
  }
  if (reason.find("onnect") != std::string::npos || reason.find("refused") != std::string::npos ||
      reason.find("timed out") != std::string::npos ||
      reason.find("Timeout") != std::string::npos) {
    return Status::Unavailable(message);
  }
  return Status::Internal(message);
}

// Why a command got no SCSI status: the connection's fate, as far as the task tells.
std::string FailureKind(const scsi_task* task) {
  if (task == nullptr) return " got no answer (connection closed)";
  switch (task->status) {
    case SCSI_STATUS_TIMEOUT:
      return " timed out";
    case SCSI_STATUS_CANCELLED:
      return " was cancelled (connection closed)";
    default:
      return " failed (connection error)";
  }
}

bool ParseLun(const std::string& s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0 && out < 16384;
}

}  // namespace

std::string IscsiTargetAddress::Url() const {
  return "iscsi://" + portal + "/" + iqn + "/" + std::to_string(lun);
}

Result<IscsiTargetAddress> IscsiAddressFromInfo(const ConnectionInfo& info) {
  auto get = [&](const char* key) -> std::string {
    auto it = info.data.find(key);
    return it == info.data.end() ? std::string() : it->second;
  };
  IscsiTargetAddress a;
  a.portal = get("target_portal");
  a.iqn = get("target_iqn");
  std::string lun = get("target_lun");
  size_t colon = a.portal.rfind(':');
  if (a.portal.empty() || colon == std::string::npos || colon == 0 ||
      colon + 1 == a.portal.size()) {
    return Status::InvalidArgument("iscsi connection info needs target_portal as ip:port, not \"" +
                                   a.portal + "\"");
  }
  if (a.iqn.empty()) return Status::InvalidArgument("iscsi connection info needs target_iqn");
  if (!ParseLun(lun, a.lun)) {
    return Status::InvalidArgument("iscsi connection info needs target_lun as a number, not \"" +
                                   lun + "\"");
  }
  std::string method = get("auth_method");
  if (method.empty()) return a;
  if (method != "CHAP") {
    return Status::Unimplemented("iscsi auth_method \"" + method + "\" (only CHAP is supported)");
  }
  a.chap_username = get("auth_username");
  a.chap_secret = get("auth_password");
  if (a.chap_username.empty() || a.chap_secret.empty()) {
    return Status::InvalidArgument(
        "iscsi connection info with auth_method CHAP needs auth_username and auth_password");
  }
  return a;
}

Result<std::unique_ptr<BlockDevice>> LibiscsiBlockDevice::Open(const IscsiTargetAddress& address,
                                                               const LibiscsiOptions& options,
                                                               AccessMode mode) {
  const std::string url = address.Url();
  if (options.initiator_name.empty()) {
    return Status::InvalidArgument("connecting to " + url +
                                   " needs this host's iSCSI initiator name (an IQN)");
  }
  iscsi_context* ctx = iscsi_create_context(options.initiator_name.c_str());
  if (ctx == nullptr) return Status::Internal("iscsi_create_context failed for " + url);
  auto fail = [&](Status s) {
    iscsi_destroy_context(ctx);  // also closes the socket and frees what login allocated
    return s;
  };
  const int timeout_s = static_cast<int>(std::max<int64_t>(1, options.io_timeout.count()));
  // Fail instead of reconnecting: a session the target closed means the export is gone, and a
  // silent re-login would race with the target's removal.
  iscsi_set_noautoreconnect(ctx, 1);
  iscsi_set_timeout(ctx, timeout_s);
  iscsi_set_tcp_user_timeout(ctx, timeout_s * 1000);  // unacknowledged data: the peer is gone
  iscsi_set_tcp_syncnt(ctx, 3);                       // an unreachable portal: ~15 s, not ~2 min
  if (iscsi_set_targetname(ctx, address.iqn.c_str()) != 0 ||
      iscsi_set_session_type(ctx, ISCSI_SESSION_NORMAL) != 0 ||
      iscsi_set_header_digest(ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C) != 0) {
    return fail(Status::InvalidArgument("iSCSI session setup for " + url + ": " +
                                        LibiscsiError(ctx, address.chap_secret)));
  }
  if (!address.chap_username.empty() &&
      iscsi_set_initiator_username_pwd(ctx, address.chap_username.c_str(),
                                       address.chap_secret.c_str()) != 0) {
    return fail(Status::InvalidArgument("iSCSI CHAP setup for " + url + ": " +
                                        LibiscsiError(ctx, address.chap_secret)));
  }
  // TCP first, then the login, so that nobody listening (Unavailable) and a login the target
  // refuses (PermissionDenied, NotFound) are told apart: libiscsi words both the same way.
  if (iscsi_connect_sync(ctx, address.portal.c_str()) != 0) {
    return fail(Status::Unavailable("no iSCSI target answers at " + address.portal + " for " + url +
                                    ": " + LibiscsiError(ctx, address.chap_secret)));
  }
  if (iscsi_login_sync(ctx) != 0) {
    return fail(LoginError(url, LibiscsiError(ctx, address.chap_secret)));
  }
  // The first commands of a new session may report UNIT ATTENTION (power on, reset): the LUN is
  // fine, the condition is only news. READ CAPACITY is retried past it.
  TaskPtr cap;
  for (int attempt = 0; attempt < 5; ++attempt) {
    cap.reset(iscsi_readcapacity16_sync(ctx, address.lun));
    if (cap == nullptr || cap->status != SCSI_STATUS_CHECK_CONDITION ||
        cap->sense.key != SCSI_SENSE_UNIT_ATTENTION) {
      break;
    }
  }
  if (cap == nullptr || cap->status != SCSI_STATUS_GOOD) {
    std::string why = cap == nullptr ? LibiscsiError(ctx, address.chap_secret)
                                     : std::string(scsi_sense_key_str(cap->sense.key)) + ", " +
                                           scsi_sense_ascq_str(cap->sense.ascq);
    iscsi_logout_sync(ctx);
    return fail(Status::Unavailable("READ CAPACITY(16) of " + url + " failed: " + why));
  }
  auto* rc16 = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(cap.get()));
  if (rc16 == nullptr || rc16->block_length == 0) {
    iscsi_logout_sync(ctx);
    return fail(Status::Internal("READ CAPACITY(16) of " + url + " returned no block size"));
  }
  const int64_t block_size = rc16->block_length;
  const int64_t size = static_cast<int64_t>(rc16->returned_lba + 1) * block_size;
  // Whole blocks per command, at least one.
  const int64_t max_transfer =
      std::max<int64_t>(block_size, options.max_transfer_bytes / block_size * block_size);
  BB_LOG(kInfo) << "logged in to " << url << " as " << options.initiator_name
                << (address.chap_username.empty() ? "" : " with CHAP") << ": " << size
                << " bytes, block size " << block_size;
  return std::unique_ptr<BlockDevice>(new LibiscsiBlockDevice(
      ctx, url, address.lun, mode, size, block_size, max_transfer, address.chap_secret));
}

LibiscsiBlockDevice::LibiscsiBlockDevice(iscsi_context* ctx, std::string url, int lun,
                                         AccessMode mode, int64_t size, int64_t block_size,
                                         int64_t max_transfer, std::string secret)
    : ctx_(ctx),
      url_(std::move(url)),
      lun_(lun),
      mode_(mode),
      size_(size),
      block_size_(block_size),
      max_transfer_(max_transfer),
      secret_(std::move(secret)) {}

LibiscsiBlockDevice::~LibiscsiBlockDevice() {
  Status s = Close();
  if (!s.ok()) BB_LOG(kWarning) << "closing " << url_ << ": " << s.ToString();
}

Status LibiscsiBlockDevice::Broken(const std::string& what, const std::string& error_before) {
  // libiscsi keeps its last error until the next one: only a new message says why this failed.
  std::string reason = LibiscsiError(ctx_, secret_);
  broken_ = what;
  if (reason != RedactSecrets(error_before, {secret_})) broken_ += ": " + reason;
  return Status::Unavailable("iSCSI session to " + url_ + " lost: " + broken_);
}

std::string LibiscsiBlockDevice::ErrorNow() const {
  const char* e = iscsi_get_error(ctx_);
  return e != nullptr ? e : "";
}

Status LibiscsiBlockDevice::Transfer(bool write, int64_t offset, char* buf, int64_t length) {
  const uint64_t lba = static_cast<uint64_t>(offset / block_size_);
  const uint32_t len = static_cast<uint32_t>(length);
  const int bs = static_cast<int>(block_size_);
  scsi_iovec iov{buf, static_cast<size_t>(length)};
  const std::string error_before = ErrorNow();
  // The _iov_ variants move the data straight between the socket and the caller's buffer.
  TaskPtr task(
      write ? iscsi_write16_iov_sync(ctx_, lun_, lba, nullptr, len, bs, 0, 0, 0, 0, 0, &iov, 1)
            : iscsi_read16_iov_sync(ctx_, lun_, lba, len, bs, 0, 0, 0, 0, 0, &iov, 1));
  const std::string what =
      std::string(write ? "WRITE(16)" : "READ(16)") + " at " + std::to_string(offset);
  if (task == nullptr || task->status == SCSI_STATUS_ERROR ||
      task->status == SCSI_STATUS_CANCELLED || task->status == SCSI_STATUS_TIMEOUT) {
    return Broken(what + FailureKind(task.get()), error_before);
  }
  if (task->status == SCSI_STATUS_CHECK_CONDITION) {
    std::string sense = std::string(scsi_sense_key_str(task->sense.key)) + ", " +
                        scsi_sense_ascq_str(task->sense.ascq);
    if (task->sense.key == SCSI_SENSE_DATA_PROTECTION) {
      return Status::PermissionDenied(url_ + " refused " + what + ": " + sense);
    }
    return Status::DataLoss(url_ + " " + what + ": " + sense);
  }
  if (task->status != SCSI_STATUS_GOOD) {
    return Status::Unavailable(url_ + " " + what + ": SCSI status " + std::to_string(task->status));
  }
  if (!write && task->residual_status == SCSI_RESIDUAL_UNDERFLOW && task->residual > 0) {
    return Status::DataLoss(url_ + " " + what + " returned " + std::to_string(task->residual) +
                            " bytes fewer than asked");
  }
  return Status::Ok();
}

Status LibiscsiBlockDevice::ReadAt(int64_t offset, std::span<char> out) {
  std::lock_guard lock(mu_);
  if (ctx_ == nullptr) return Status::FailedPrecondition(url_ + " is closed");
  if (!broken_.empty())
    return Status::Unavailable("iSCSI session to " + url_ + " lost: " + broken_);
  RETURN_IF_ERROR(CheckBlockRange(*this, offset, static_cast<int64_t>(out.size())));
  for (int64_t done = 0; done < static_cast<int64_t>(out.size());) {
    int64_t n = std::min<int64_t>(max_transfer_, static_cast<int64_t>(out.size()) - done);
    RETURN_IF_ERROR(Transfer(false, offset + done, out.data() + done, n));
    done += n;
  }
  return Status::Ok();
}

Status LibiscsiBlockDevice::WriteAt(int64_t offset, std::span<const char> data) {
  std::lock_guard lock(mu_);
  if (ctx_ == nullptr) return Status::FailedPrecondition(url_ + " is closed");
  if (mode_ == AccessMode::kReadOnly) {
    return Status::FailedPrecondition(url_ + " was opened read-only");
  }
  if (!broken_.empty())
    return Status::Unavailable("iSCSI session to " + url_ + " lost: " + broken_);
  RETURN_IF_ERROR(CheckBlockRange(*this, offset, static_cast<int64_t>(data.size())));
  for (int64_t done = 0; done < static_cast<int64_t>(data.size());) {
    int64_t n = std::min<int64_t>(max_transfer_, static_cast<int64_t>(data.size()) - done);
    // libiscsi only reads from the buffer of a write; its iovec type is not const.
    RETURN_IF_ERROR(Transfer(true, offset + done, const_cast<char*>(data.data()) + done, n));
    done += n;
  }
  return Status::Ok();
}

Status LibiscsiBlockDevice::FlushLocked() {
  if (!broken_.empty())
    return Status::Unavailable("iSCSI session to " + url_ + " lost: " + broken_);
  const std::string error_before = ErrorNow();
  TaskPtr task(iscsi_synchronizecache16_sync(ctx_, lun_, 0, 0, 0, 0));
  if (task == nullptr || task->status == SCSI_STATUS_ERROR ||
      task->status == SCSI_STATUS_CANCELLED || task->status == SCSI_STATUS_TIMEOUT) {
    return Broken("SYNCHRONIZE CACHE(16)" + FailureKind(task.get()), error_before);
  }
  if (task->status != SCSI_STATUS_GOOD) {
    return Status::DataLoss(url_ +
                            " SYNCHRONIZE CACHE(16): " + scsi_sense_key_str(task->sense.key) +
                            ", " + scsi_sense_ascq_str(task->sense.ascq));
  }
  return Status::Ok();
}

Status LibiscsiBlockDevice::Flush() {
  std::lock_guard lock(mu_);
  if (ctx_ == nullptr) return Status::FailedPrecondition(url_ + " is closed");
  return FlushLocked();
}

Status LibiscsiBlockDevice::Close() {
  std::lock_guard lock(mu_);
  if (ctx_ == nullptr) return Status::Ok();
  Status s;
  if (broken_.empty()) {
    if (mode_ == AccessMode::kReadWrite) s = FlushLocked();
    // A logout the target does not answer ends with the command timeout; the socket closes anyway.
    if (broken_.empty() && iscsi_logout_sync(ctx_) != 0) {
      BB_LOG(kWarning) << "iSCSI logout from " << url_ << ": " << LibiscsiError(ctx_, secret_);
    }
  }
  iscsi_destroy_context(ctx_);
  ctx_ = nullptr;
  BB_LOG(kInfo) << (broken_.empty() ? "logged out of " : "closed the lost session to ") << url_;
  return s;
}

}  // namespace bb
