// Record conversion: model records (backup_service/model/records.h) -> wire messages (bb.v1),
// and back (FromProto: what a client of the services, role api, reads; fields the wire does not
// carry stay at their defaults).
// Only fields the API documents are copied; provider_location, provider_auth (an export
// credential), temporary ids and manifest names stay inside the service.
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "backup.pb.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/quotas.h"
#include "backup_service/model/records.h"
#include "volume.pb.h"

namespace bb {

// attachments: the volume's attachments (the volume record itself does not carry them).
v1::Volume ToProto(const Volume& volume, const std::vector<Attachment>& attachments = {});
v1::Attachment ToProto(const Attachment& attachment);
v1::Snapshot ToProto(const Snapshot& snapshot);
v1::Backup ToProto(const Backup& backup);

v1::QuotaSet ToProto(const QuotaLimits& limits);
v1::ProjectQuota ToProto(const std::string& project_id, const ProjectQuota& quota);

// Wire -> records (record_from_proto.cc). InvalidArgument naming the field when a status or
// source kind is not one this build knows (a newer peer).
Result<Volume> FromProto(const v1::Volume& volume);
Result<Attachment> FromProto(const v1::Attachment& attachment);
Result<Snapshot> FromProto(const v1::Snapshot& snapshot);
Result<Backup> FromProto(const v1::Backup& backup);
QuotaLimits FromProto(const v1::QuotaSet& set);
ProjectQuota FromProto(const v1::ProjectQuota& quota);
// The ListOptions a PageRequest is sent as (the inverse of FromProto(ListOptions)).
v1::ListOptions ToProto(const PageRequest& page);

// Paging: the wire's ListOptions as the managers take them (validated there), and a page's
// PageInfo (next_marker empty on the last page, count -1 when not asked, the limit applied).
PageRequest FromProto(const v1::ListOptions& options);
v1::PageInfo PageInfoProto(const std::string& next_marker, int64_t count, int limit);
template <typename T>
v1::PageInfo PageInfoProto(const Page<T>& page) {
  return PageInfoProto(page.next_marker, page.count, page.limit);
}

}  // namespace bb
