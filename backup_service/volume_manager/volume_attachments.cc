// VolumeManager: attach (the volume becomes in-use with a real block device on this host),
// detach, and the flush that makes a following snapshot crash-consistent.
#include <algorithm>
#include <cctype>

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "backup_service/common/validation.h"
#include "backup_service/volume_manager/volume_manager.h"
#include "volume_drivers/connectors/connector.h"

namespace bb {
namespace {

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Result<Attachment> VolumeManager::AttachVolume(const std::string& project_id,
                                               const std::string& volume_id,
                                               const std::string& instance_uuid) {
  RETURN_IF_ERROR(ValidateUuid("volume_id", volume_id));
  RETURN_IF_ERROR(ValidateUuid("instance_uuid", instance_uuid));
  ASSIGN_OR_RETURN(Volume v, volumes_.Get(volume_id, project_id));
  if (v.status != VolumeStatus::kAvailable) {
    return Status::FailedPrecondition("volume " + v.id +
                                      " must be available to attach, but it is " +
                                      std::string(ToString(v.status)));
  }
  Attachment a;
  a.id = NewUuid();
  a.volume_id = v.id;
  a.instance_uuid = instance_uuid;
  a.attached_host = host_;
  a.status = AttachmentStatus::kAttaching;
  // Recorded (with the volume's transition) before the device exists, so a crash leaves a
  // record naming what to clean up.
  VolumeChange begin;
  begin.previous_status = VolumeStatus::kAvailable;
  begin.attachment = AttachmentChange{AttachmentChange::Kind::kInsert, a};
  RETURN_IF_ERROR(volumes_.Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching,
                                      "attach to instance " + instance_uuid, begin));
  Status st = failpoint::Hit("volume.attach.after_begin");
  Result<std::string> device = Status::Internal("not attempted");
  std::optional<ConnectionInfo> info;
  std::unique_ptr<Connector> connector;
  if (st.ok()) {
    auto i = driver_.InitializeConnection(Ref(v), HostConnector());
    auto c = i.ok() ? CreateConnector(i->driver_volume_type, runner_)
                    : Result<std::unique_ptr<Connector>>(i.status());
    if (c.ok()) {
      info = *i;
      connector = std::move(c).value();
      device = connector->Connect(*info);
    } else {
      device = c.status();
    }
    st = device.status();
  }
  if (st.ok()) st = failpoint::Hit("volume.attach.after_connect");
  // The device path and in-use are recorded together. If that fails (database gone), the device
  // is removed again, so nothing is left attached that no record describes as attached.
  if (st.ok()) {
    a.device = *device;
    a.status = AttachmentStatus::kAttached;
    VolumeChange done;
    done.previous_status = std::optional<VolumeStatus>();
    done.attachment = AttachmentChange{AttachmentChange::Kind::kUpdate, a};
    st = volumes_.Transition(v.id, VolumeStatus::kAttaching, VolumeStatus::kInUse,
                             "attached at " + *device, done);
  }
  if (!st.ok()) {
    BB_LOG(kError) << "attach of volume " << v.id << " failed: " << st.ToString();
    if (device.ok()) (void)connector->Disconnect(*info, *device);
    if (info) (void)driver_.TerminateConnection(Ref(v), HostConnector());
    VolumeChange undo;
    undo.previous_status = std::optional<VolumeStatus>();
    undo.attachment = AttachmentChange{AttachmentChange::Kind::kDelete, a};
    (void)volumes_.Transition(v.id, VolumeStatus::kAttaching, VolumeStatus::kAvailable,
                              "attach failed: " + st.message(), undo);
    return st.WithContext("attaching volume " + v.id);
  }
  BB_LOG(kInfo) << "volume " << v.id << " attached at " << *device;
  return a;
}

Result<Volume> VolumeManager::DetachVolume(const std::string& project_id,
                                           const std::string& volume_id,
                                           const std::string& attachment_id) {
  RETURN_IF_ERROR(ValidateUuid("volume_id", volume_id));
  RETURN_IF_ERROR(ValidateOptionalUuid("attachment_id", attachment_id));
  ASSIGN_OR_RETURN(Volume v, volumes_.Get(volume_id, project_id));
  if (v.status != VolumeStatus::kInUse) {
    return Status::FailedPrecondition("volume " + v.id + " must be in-use to detach, but it is " +
                                      std::string(ToString(v.status)));
  }
  ASSIGN_OR_RETURN(std::vector<Attachment> attachments, volumes_.ListAttachments(v.id));
  const Attachment* found = nullptr;
  for (const auto& x : attachments) {
    // Ids are stored lower-case; a caller may send the same UUID in upper case.
    if (attachment_id.empty() ? attachments.size() == 1 : EqualsIgnoreCase(x.id, attachment_id)) {
      found = &x;
    }
  }
  if (found == nullptr) {
    return attachment_id.empty()
               ? Status::InvalidArgument("volume " + v.id + " has " +
                                         std::to_string(attachments.size()) +
                                         " attachments; say which with attachment_id")
               : Status::NotFound("attachment " + attachment_id + " of volume " + v.id +
                                  " not found");
  }
  Attachment a = *found;
  a.status = AttachmentStatus::kDetaching;
  VolumeChange begin;
  begin.attachment = AttachmentChange{AttachmentChange::Kind::kUpdate, a};
  RETURN_IF_ERROR(volumes_.Transition(v.id, VolumeStatus::kInUse, VolumeStatus::kDetaching,
                                      "detach " + a.id, begin));
  Status st = failpoint::Hit("volume.detach.after_begin");
  if (st.ok()) st = DisconnectDevice(v, a.device);
  if (!st.ok()) {
    a.status = AttachmentStatus::kAttached;
    VolumeChange undo;
    undo.attachment = AttachmentChange{AttachmentChange::Kind::kUpdate, a};
    (void)volumes_.Transition(v.id, VolumeStatus::kDetaching, VolumeStatus::kInUse,
                              "detach failed: " + st.message(), undo);
    return st.WithContext("detaching volume " + v.id);
  }
  // The device is gone, so whatever fails from here the detach is recorded as done: the volume
  // never goes back to in-use without its device. Only when that write fails too does it stay
  // detaching, and restart cleanup finishes the detach.
  Status after = failpoint::Hit("volume.detach.after_disconnect");
  RETURN_IF_ERROR(FinishDetach(v, a.id, "detached " + a.device));
  RETURN_IF_ERROR(after.WithContext("detached volume " + v.id + ", then"));
  return volumes_.Get(v.id);
}

Status VolumeManager::FinishDetach(const Volume& v, const std::string& attachment_id,
                                   const std::string& reason) {
  ASSIGN_OR_RETURN(std::vector<Attachment> attachments, volumes_.ListAttachments(v.id));
  bool others = false;
  for (const auto& x : attachments) others = others || x.id != attachment_id;
  VolumeChange done;
  if (!attachment_id.empty()) {
    Attachment gone;
    gone.id = attachment_id;
    done.attachment = AttachmentChange{AttachmentChange::Kind::kDelete, gone};
  }
  return volumes_.Transition(v.id, VolumeStatus::kDetaching,
                             others ? VolumeStatus::kInUse : VolumeStatus::kAvailable, reason,
                             done);
}

Status VolumeManager::DisconnectDevice(const Volume& v, const std::string& device) {
  if (!device.empty()) {
    ASSIGN_OR_RETURN(ConnectionInfo info, driver_.InitializeConnection(Ref(v), HostConnector()));
    ASSIGN_OR_RETURN(auto connector, CreateConnector(info.driver_volume_type, runner_));
    RETURN_IF_ERROR(connector->Disconnect(info, device));
  }
  return driver_.TerminateConnection(Ref(v), HostConnector());
}

Result<std::vector<std::string>> VolumeManager::UnrecordedDevices(
    const Volume& v, const std::vector<Attachment>& keep) {
  auto info = driver_.InitializeConnection(Ref(v), HostConnector());
  if (info.status().code() == StatusCode::kNotFound) return std::vector<std::string>{};
  if (!info.ok()) return info.status();
  ASSIGN_OR_RETURN(auto connector, CreateConnector(info->driver_volume_type, runner_));
  ASSIGN_OR_RETURN(std::vector<std::string> devices, connector->Devices(*info));
  std::vector<std::string> out;
  for (const auto& d : devices) {
    bool recorded = false;
    for (const auto& a : keep) recorded = recorded || a.device == d;
    if (!recorded) out.push_back(d);
  }
  return out;
}

Result<std::vector<Attachment>> VolumeManager::ListAttachments(const std::string& volume_id) {
  return volumes_.ListAttachments(volume_id);
}

Result<Attachment> VolumeManager::GetAttachment(const std::string& project_id,
                                                const std::string& attachment_id) {
  Status not_found = Status::NotFound("attachment " + attachment_id + " not found");
  if (!IsUuid(attachment_id)) return not_found;
  auto attachment = volumes_.GetAttachment(attachment_id);
  if (!attachment.ok()) return attachment.status();
  auto volume = volumes_.Get(attachment->volume_id, project_id);
  if (!volume.ok()) {
    return volume.status().code() == StatusCode::kNotFound ? not_found : volume.status();
  }
  return attachment;
}

Status VolumeManager::FlushAttachedDevices(const Volume& volume) {
  ASSIGN_OR_RETURN(std::vector<Attachment> attachments, volumes_.ListAttachments(volume.id));
  for (const auto& a : attachments) {
    if (a.attached_host != host_ || a.device.empty()) continue;
    auto info = driver_.InitializeConnection(Ref(volume), HostConnector());
    if (!info.ok()) return info.status();
    ASSIGN_OR_RETURN(auto connector, CreateConnector(info->driver_volume_type, runner_));
    RETURN_IF_ERROR(connector->Flush(a.device).WithContext("flushing " + a.device));
  }
  return Status::Ok();
}

}  // namespace bb
