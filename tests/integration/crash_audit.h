// CrashAudit: what a crash-safety test checks on the REAL system after an operation ended (or a
// killed daemon was restarted): nothing transitional, nothing leaked, nothing lost.
//   database      no volume, snapshot, backup or attachment of the project in a transitional
//                 status; no backup still recording a temporary; no temporary snapshot/clone row
//                 but a volume's live incremental base (kLiveIncrementalBase)
//   volumes dir   exactly one file per volume and snapshot row (no leaked temp file, no lost one);
//                 a row in error may have none (a failed create removed what it made)
//   loop devices  `losetup --list`: the devices backed by files of the volumes dir are exactly
//                 the recorded attachments
//   object store  a manifest for every available backup and for no failed or deleted one; every
//                 chunk an available backup's manifest names is stored (nothing lost); every
//                 stored chunk is named by a manifest (nothing leaked), unless a backup of the
//                 container is error_deleting (its unfinished delete still owns its chunks);
//                 format v2 (manifests/<id>.bbm, by the row's recorded format): every pack an
//                 index object names is stored, and every stored pack is named by an index object
//                 (a killed job's index-less packs must have been swept by restart cleanup)
// The database is read with psql (the test's own server); the store through PosixStore.
// Thread-safety: none needed (test thread only).
#pragma once

#include <string>
#include <vector>

#include "tests/integration/backupd_harness.h"  // QueryRows

namespace bb::it {

struct AuditScope {
  std::string conninfo;     // the test database
  std::string project;      // [a-z0-9_] only: inlined into the audit's SQL
  std::string volumes_dir;  // the daemon's (file driver) volumes directory, this project's only
  std::string store_dir;    // the posix object store's root
  std::string container = "backups";
};

// SQL condition on a snapshots row aliased `s`: it is its volume's live incremental base
// (backup_service/datapath/README.md "Changed-extent incrementals"), the one temporary snapshot
// a volume may keep after its backups ended: available, recorded as holding an available or
// restoring backup of the same volume. A base in any other state is a leak once nothing runs.
inline constexpr const char* kLiveIncrementalBase =
    "(s.incremental_base_of IS NOT NULL AND s.status = 'available' AND EXISTS (SELECT 1 FROM"
    " backups b WHERE b.id = s.incremental_base_of AND b.volume_id = s.volume_id AND b.status IN"
    " ('available', 'restoring')))";

// One line per problem found; empty when everything is consistent.
std::vector<std::string> AuditNothingLeaked(const AuditScope& scope);

}  // namespace bb::it
