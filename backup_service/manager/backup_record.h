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
// How a backup is stored is Backup::storage_format (the `service` column): "chunked-v1" records
// carry manifest_version 1, "packed-v2" records manifest_version 2 (README "Versioning"); a
// record of any other storage format is refused.

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
