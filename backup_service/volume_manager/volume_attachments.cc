// VolumeManager: attach (the volume becomes in-use with a real block device on this host),
// detach, and the flush that makes a following snapshot crash-consistent.
#include <algorithm>
#include <cctype>

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
  VolumeChange prev;
  prev.previous_status = VolumeStatus::kAvailable;
  RETURN_IF_ERROR(volumes_.Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching,
                                      "attach to instance " + instance_uuid, prev));
  Attachment a;
  a.id = NewUuid();
  a.volume_id = v.id;
  a.instance_uuid = instance_uuid;
  a.attached_host = host_;
  a.status = AttachmentStatus::kAttaching;
  // Recorded before the device exists, so a crash leaves a record naming what to clean up.
  Status st = volumes_.InsertAttachment(a);
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
  // Each record step after the device exists can still fail (database gone): then the device is
  // removed again, so nothing is left attached that no record describes as attached.
  if (st.ok()) st = volumes_.UpdateAttachment(a.id, AttachmentStatus::kAttached, *device);
  if (st.ok()) {
    VolumeChange clear;
    clear.previous_status = std::optional<VolumeStatus>();
    st = volumes_.Transition(v.id, VolumeStatus::kAttaching, VolumeStatus::kInUse,
                             "attached at " + *device, clear);
  }
  if (!st.ok()) {
    BB_LOG(kError) << "attach of volume " << v.id << " failed: " << st.ToString();
    if (device.ok()) (void)connector->Disconnect(*info, *device);
    if (info) (void)driver_.TerminateConnection(Ref(v), HostConnector());
    (void)volumes_.DeleteAttachment(a.id);
    (void)volumes_.Transition(v.id, VolumeStatus::kAttaching, VolumeStatus::kAvailable,
                              "attach failed: " + st.message());
    return st.WithContext("attaching volume " + v.id);
  }
  a.device = *device;
  a.status = AttachmentStatus::kAttached;
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
  const Attachment* a = nullptr;
  for (const auto& x : attachments) {
    // Ids are stored lower-case; a caller may send the same UUID in upper case.
    if (attachment_id.empty() ? attachments.size() == 1 : EqualsIgnoreCase(x.id, attachment_id)) {
      a = &x;
    }
  }
  if (a == nullptr) {
    return attachment_id.empty()
               ? Status::InvalidArgument("volume " + v.id + " has " +
                                         std::to_string(attachments.size()) +
                                         " attachments; say which with attachment_id")
               : Status::NotFound("attachment " + attachment_id + " of volume " + v.id +
                                  " not found");
  }
  RETURN_IF_ERROR(
      volumes_.Transition(v.id, VolumeStatus::kInUse, VolumeStatus::kDetaching, "detach " + a->id));
  RETURN_IF_ERROR(volumes_.UpdateAttachment(a->id, AttachmentStatus::kDetaching, a->device));
  Status st;
  auto info = driver_.InitializeConnection(Ref(v), HostConnector());
  if (info.ok()) {
    auto connector = CreateConnector(info->driver_volume_type, runner_);
    st = connector.ok() ? (*connector)->Disconnect(*info, a->device) : connector.status();
    if (st.ok()) st = driver_.TerminateConnection(Ref(v), HostConnector());
  } else {
    st = info.status();
  }
  if (!st.ok()) {
    (void)volumes_.UpdateAttachment(a->id, AttachmentStatus::kAttached, a->device);
    (void)volumes_.Transition(v.id, VolumeStatus::kDetaching, VolumeStatus::kInUse,
                              "detach failed: " + st.message());
    return st.WithContext("detaching volume " + v.id);
  }
  RETURN_IF_ERROR(volumes_.DeleteAttachment(a->id));
  VolumeStatus to = attachments.size() > 1 ? VolumeStatus::kInUse : VolumeStatus::kAvailable;
  RETURN_IF_ERROR(volumes_.Transition(v.id, VolumeStatus::kDetaching, to, "detached " + a->device));
  return volumes_.Get(v.id);
}

Result<std::vector<Attachment>> VolumeManager::ListAttachments(const std::string& volume_id) {
  return volumes_.ListAttachments(volume_id);
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
