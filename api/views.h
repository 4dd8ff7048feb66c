// JSON views of the records, shaped as Cinder v3 returns them (field names, ISO 8601 times,
// `links`), for the microversion of the request. Our own fields that Cinder lacks are not
// added; fields Cinder has and we do not model get Cinder's neutral value (availability_zone
// "nova", metadata {}, volume_type null, ...).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/api_request.h"
#include "backup_service/model/records.h"

namespace bb::api {

// Epoch microseconds -> "2026-11-21T22:59:03.123456" (UTC, Cinder's format); 0 -> null.
nlohmann::json IsoTime(int64_t micros);

// [{"href": BASE/v3/PROJECT/COLLECTION/ID, "rel": "self"}, {"href": BASE/PROJECT/..., "rel":
// "bookmark"}].
nlohmann::json Links(const ApiRequest& request, const std::string& project,
                     std::string_view collection, const std::string& id);

nlohmann::json BackupSummary(const ApiRequest& request, const Backup& backup);
nlohmann::json BackupDetail(const ApiRequest& request, const Backup& backup);
nlohmann::json VolumeSummary(const ApiRequest& request, const Volume& volume);
nlohmann::json VolumeDetail(const ApiRequest& request, const Volume& volume,
                            const std::vector<Attachment>& attachments);
nlohmann::json SnapshotSummary(const ApiRequest& request, const Snapshot& snapshot);
nlohmann::json SnapshotDetail(const ApiRequest& request, const Snapshot& snapshot);
// The v3.27 attachment. connection_info is given for a live attachment with a device.
nlohmann::json AttachmentView(const Attachment& attachment);

}  // namespace bb::api
