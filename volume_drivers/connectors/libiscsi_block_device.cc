// LibiscsiBlockDevice: BlockDevice over one libiscsi session; see libiscsi_block_device.h.
#include "volume_drivers/connectors/libiscsi_block_device.h"

// libiscsi's C headers use uint*_t and size_t without including <stdint.h> and <stddef.h>.
// clang-format off
#include <stddef.h>
#include <stdint.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
// clang-format on

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

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

}  // namespace

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
  return std::unique_ptr<BlockDevice>(
      new LibiscsiBlockDevice(ctx, url, address.lun, mode, size, block_size, max_transfer,
                              std::max(1, options.queue_depth), address.chap_secret));
}

LibiscsiBlockDevice::LibiscsiBlockDevice(iscsi_context* ctx, std::string url, int lun,
                                         AccessMode mode, int64_t size, int64_t block_size,
                                         int64_t max_transfer, int queue_depth, std::string secret)
    : ctx_(ctx),
      url_(std::move(url)),
      lun_(lun),
      mode_(mode),
      size_(size),
      block_size_(block_size),
      max_transfer_(max_transfer),
      queue_depth_(queue_depth),
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

// One READ(16)/WRITE(16) in flight: where its data goes and what became of it. Owned by the
// device, not the call, because libiscsi may still complete (cancel) it when the context is
// destroyed after a lost session.
struct LibiscsiBlockDevice::PendingCommand {
  int64_t offset = 0;
  scsi_iovec iov{};  // libiscsi keeps a pointer to it until completion
  bool done = false;
  int status = 0;
  int sense_key = 0;
  int ascq = 0;
  size_t underflow = 0;  // bytes a read returned fewer than asked

  static void OnDone(iscsi_context* /*ctx*/, int status, void* command_data, void* private_data) {
    auto* self = static_cast<PendingCommand*>(private_data);
    auto* task = static_cast<scsi_task*>(command_data);
    self->status = status;
    if (task != nullptr) {
      self->sense_key = task->sense.key;
      self->ascq = task->sense.ascq;
      if (task->residual_status == SCSI_RESIDUAL_UNDERFLOW) self->underflow = task->residual;
      scsi_free_scsi_task(task);
    }
    self->done = true;
  }
};

Status LibiscsiBlockDevice::CommandStatus(bool write, const PendingCommand& c,
                                          const std::string& error_before) {
  const std::string what =
      std::string(write ? "WRITE(16)" : "READ(16)") + " at " + std::to_string(c.offset);
  switch (c.status) {
    case SCSI_STATUS_GOOD:
      if (!write && c.underflow > 0) {
        return Status::DataLoss(url_ + " " + what + " returned " + std::to_string(c.underflow) +
                                " bytes fewer than asked");
      }
      return Status::Ok();
    case SCSI_STATUS_CHECK_CONDITION: {
      std::string sense =
          std::string(scsi_sense_key_str(c.sense_key)) + ", " + scsi_sense_ascq_str(c.ascq);
      if (c.sense_key == SCSI_SENSE_DATA_PROTECTION) {
        return Status::PermissionDenied(url_ + " refused " + what + ": " + sense);
      }
      return Status::DataLoss(url_ + " " + what + ": " + sense);
    }
    case SCSI_STATUS_TIMEOUT:
      return Broken(what + " timed out", error_before);
    case SCSI_STATUS_CANCELLED:
      return Broken(what + " was cancelled (connection closed)", error_before);
    case SCSI_STATUS_ERROR:
      return Broken(what + " failed (connection error)", error_before);
    default:
      return Status::Unavailable(url_ + " " + what + ": SCSI status " + std::to_string(c.status));
  }
}

Status LibiscsiBlockDevice::Transfer(bool write, int64_t offset, char* buf, int64_t length) {
  const int bs = static_cast<int>(block_size_);
  std::vector<std::unique_ptr<PendingCommand>> commands;
  for (int64_t done = 0; done < length; done += max_transfer_) {
    auto c = std::make_unique<PendingCommand>();
    c->offset = offset + done;
    c->iov = {buf + done, static_cast<size_t>(std::min(max_transfer_, length - done))};
    commands.push_back(std::move(c));
  }
  const std::string error_before = ErrorNow();
  Status first_error;
  size_t next = 0;   // the next command to send
  size_t first = 0;  // commands before it have completed and been checked
  while (first < next || (next < commands.size() && first_error.ok())) {
    // Keep queue_depth_ commands in flight; after an error, only drain what was sent.
    while (first_error.ok() && next < commands.size() &&
           next - first < static_cast<size_t>(queue_depth_)) {
      PendingCommand& c = *commands[next];
      const uint64_t lba = static_cast<uint64_t>(c.offset / block_size_);
      const uint32_t len = static_cast<uint32_t>(c.iov.iov_len);
      scsi_task* task = write ? iscsi_write16_iov_task(ctx_, lun_, lba, nullptr, len, bs, 0, 0, 0,
                                                       0, 0, &PendingCommand::OnDone, &c, &c.iov, 1)
                              : iscsi_read16_iov_task(ctx_, lun_, lba, len, bs, 0, 0, 0, 0, 0,
                                                      &PendingCommand::OnDone, &c, &c.iov, 1);
      if (task == nullptr) {
        first_error = Broken("queueing a command at " + std::to_string(c.offset), error_before);
        break;
      }
      ++next;
    }
    // Completed commands, in order, are checked and dropped.
    while (first < next && commands[first]->done) {
      Status s = CommandStatus(write, *commands[first], error_before);
      if (first_error.ok() && !s.ok()) first_error = s;
      ++first;
    }
    if (first == next) continue;
    if (!broken_.empty()) break;  // a lost session completes nothing more
    // libiscsi's own sync calls wait the same way: poll its socket, let it work, and on a quiet
    // second let it check its command timeouts (iscsi_service with no events).
    pollfd pfd{iscsi_get_fd(ctx_), static_cast<short>(iscsi_which_events(ctx_)), 0};
    int ready = ::poll(&pfd, 1, 1000);
    if (ready < 0 && errno != EINTR) {
      first_error = Broken("poll: " + std::string(std::strerror(errno)), error_before);
      break;
    }
    if (iscsi_service(ctx_, ready > 0 ? pfd.revents : 0) < 0) {
      std::string why = "connection lost with commands in flight";
      Status s = Broken(why, error_before);
      if (first_error.ok()) first_error = s;
    }
  }
  // Commands libiscsi still holds must outlive this call: the context completes (cancels) them
  // when Close destroys it.
  for (size_t i = first; i < next; ++i) {
    if (!commands[i]->done) orphans_.push_back(std::move(commands[i]));
  }
  return first_error;
}

Status LibiscsiBlockDevice::ReadAt(int64_t offset, std::span<char> out) {
  std::lock_guard lock(mu_);
  if (ctx_ == nullptr) return Status::FailedPrecondition(url_ + " is closed");
  if (!broken_.empty())
    return Status::Unavailable("iSCSI session to " + url_ + " lost: " + broken_);
  RETURN_IF_ERROR(CheckBlockRange(*this, offset, static_cast<int64_t>(out.size())));
  return Transfer(false, offset, out.data(), static_cast<int64_t>(out.size()));
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
  // libiscsi only reads from the buffer of a write; its iovec type is not const.
  return Transfer(true, offset, const_cast<char*>(data.data()), static_cast<int64_t>(data.size()));
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
  orphans_.clear();  // the context completed (cancelled) them as it went
  BB_LOG(kInfo) << (broken_.empty() ? "logged out of " : "closed the lost session to ") << url_;
  return s;
}

}  // namespace bb
