// Backup record codec: the portable description of one backup that `backup export` prints and
// `backup import` reads on another installation reaching the same object store (Cinder's
// export_record/import_record). Wire form: {backup_service, backup_url}, where backup_service is
// the object-store kind and backup_url is base64 of a versioned JSON document (format version 1
// in backup_service/datapath/README.md, "Backup record").
//
// The document holds what a restore needs (ids, container, manifest object, sizes, storage and
// manifest format versions) and descriptive fields; never a credential, key, temporary id or
// host-specific path. Decode validates strictly and answers InvalidArgument saying what to fix.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"
#include "backup_service/model/records.h"

namespace bb {

inline constexpr int kBackupRecordVersion = 1;
// How backups are stored: the `service` column BackupRepository writes ("chunked-v1": chunk and
// manifest formats of backup_service/datapath). A record of another storage format is refused.
inline constexpr std::string_view kBackupStorageFormat = "chunked-v1";

struct BackupRecordWire {
  std::string backup_service;  // object-store kind, e.g. "posix"
  std::string backup_url;      // base64 of the JSON document
};

// What an import recreates. `backup` carries the identity, description, location and sizes;
// status, host, temporaries and progress are left at their defaults for the importer to set.
struct ImportedBackup {
  Backup backup;
  std::string store_kind;
};

BackupRecordWire EncodeBackupRecord(const Backup& backup, std::string_view store_kind);
Result<ImportedBackup> DecodeBackupRecord(const BackupRecordWire& record);

}  // namespace bb
