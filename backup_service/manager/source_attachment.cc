// SourceAttachment: see source_attachment.h.
#include "backup_service/manager/source_attachment.h"

#include "backup_service/common/log.h"

namespace bb {

Result<std::unique_ptr<SourceAttachment>> SourceAttachment::OpenLocal(const std::string& path,
                                                                      AccessMode mode) {
  std::unique_ptr<SourceAttachment> a(new SourceAttachment());
  ASSIGN_OR_RETURN(a->device_, FileBlockDevice::Open(path, mode));
  a->name_ = path;
  return a;
}

Result<std::unique_ptr<SourceAttachment>> SourceAttachment::Attach(const ConnectionInfo& info,
                                                                   CommandRunner& runner,
                                                                   const ConnectorOptions& options,
                                                                   AccessMode mode) {
  std::unique_ptr<SourceAttachment> a(new SourceAttachment());
  ASSIGN_OR_RETURN(a->connector_, CreateConnector(info.driver_volume_type, runner, options));
  a->info_ = info;
  auto name = a->connector_->Connect(info);
  if (!name.ok()) return name.status().WithContext("connecting (" + info.driver_volume_type + ")");
  a->name_ = *name;
  auto device = a->connector_->Open(info, a->name_, mode);
  if (!device.ok()) {
    (void)a->connector_->Disconnect(info, a->name_);
    a->detached_ = true;
    return device.status().WithContext("opening " + a->name_);
  }
  a->device_ = std::move(device).value();
  return a;
}

SourceAttachment::~SourceAttachment() {
  Status st = Detach();
  if (!st.ok()) BB_LOG(kWarning) << "detaching " << name_ << ": " << st.ToString();
}

void SourceAttachment::LimitReadsTo(std::vector<ByteRange> allocated) {
  device_ = std::make_unique<AllocatedRangesDevice>(std::move(device_), std::move(allocated));
}

Status SourceAttachment::Detach() {
  if (detached_) return Status::Ok();
  detached_ = true;
  Status closed = device_ ? device_->Close() : Status::Ok();
  Status disconnected = connector_ ? connector_->Disconnect(info_, name_) : Status::Ok();
  return closed.ok() ? disconnected : closed;
}

}  // namespace bb
