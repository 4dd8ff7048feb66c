// Record conversion: model records (backup_service/model/records.h) -> wire messages (bb.v1).
// Only fields the API documents are copied; provider_location, provider_auth (an export
// credential), temporary ids and manifest names stay inside the service.
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "backup.pb.h"
#include "backup_service/model/records.h"
#include "volume.pb.h"

namespace bb {

// attachments: the volume's attachments (the volume record itself does not carry them).
v1::Volume ToProto(const Volume& volume, const std::vector<Attachment>& attachments = {});
v1::Attachment ToProto(const Attachment& attachment);
v1::Snapshot ToProto(const Snapshot& snapshot);
v1::Backup ToProto(const Backup& backup);

}  // namespace bb
