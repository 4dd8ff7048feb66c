#include "backup_service/model/state_machine.h"

#include <initializer_list>
#include <utility>

namespace bb {
namespace {

template <typename E>
bool Listed(std::initializer_list<std::pair<E, E>> edges, E from, E to) {
  for (const auto& [f, t] : edges) {
    if (f == from && t == to) return true;
  }
  return false;
}

}  // namespace

bool IsLegalTransition(VolumeStatus from, VolumeStatus to) {
  using V = VolumeStatus;
  return Listed<V>(
      {
          // creating: restart -> error (the driver may or may not have made it).
          {V::kCreating, V::kAvailable},
          {V::kCreating, V::kError},
          {V::kAvailable, V::kAttaching},
          // attaching/detaching: restart -> back to where it came from (previous_status).
          {V::kAttaching, V::kInUse},
          {V::kAttaching, V::kAvailable},
          {V::kInUse, V::kAttaching},  // a second attachment
          {V::kInUse, V::kDetaching},
          {V::kDetaching, V::kAvailable},
          {V::kDetaching, V::kInUse},
          // backing-up lasts only while the temporary snapshot/clone is made; restart -> back
          // to previous_status (available or in-use), temporaries removed.
          {V::kAvailable, V::kBackingUp},
          {V::kInUse, V::kBackingUp},
          {V::kBackingUp, V::kAvailable},
          {V::kBackingUp, V::kInUse},
          // restoring-backup: restart -> error_restoring (or error when made for the restore).
          {V::kAvailable, V::kRestoringBackup},
          {V::kCreating, V::kRestoringBackup},
          {V::kRestoringBackup, V::kAvailable},
          {V::kRestoringBackup, V::kErrorRestoring},
          {V::kRestoringBackup, V::kError},
          // deleting: restart -> resume the delete.
          {V::kAvailable, V::kDeleting},
          {V::kError, V::kDeleting},
          {V::kErrorRestoring, V::kDeleting},
          {V::kDeleting, V::kError},
      },
      from, to);
}

bool IsLegalTransition(SnapshotStatus from, SnapshotStatus to) {
  using S = SnapshotStatus;
  return Listed<S>(
      {
          {S::kCreating, S::kAvailable},
          {S::kCreating, S::kError},
          // backing-up: a user snapshot being read by a backup; restart -> available.
          {S::kAvailable, S::kBackingUp},
          {S::kBackingUp, S::kAvailable},
          {S::kAvailable, S::kDeleting},
          {S::kError, S::kDeleting},
          {S::kDeleting, S::kError},
      },
      from, to);
}

// Backup rows start as creating (BackupRepository::BeginBackup), with one exception that is not
// an edge of this table: an imported backup record (BackupRepository::InsertImported) is inserted
// directly as available, because its data and manifest already exist in the object store (the
// import checks the manifest first). Its first event reads "" -> available.
bool IsLegalTransition(BackupStatus from, BackupStatus to) {
  using B = BackupStatus;
  return Listed<B>(
      {
          // creating: restart -> error, volume back to previous_status, temporaries removed.
          {B::kCreating, B::kAvailable},
          {B::kCreating, B::kError},
          // restoring: restart -> available (the backup is intact), target volume -> error.
          {B::kAvailable, B::kRestoring},
          {B::kRestoring, B::kAvailable},
          // deleting: restart -> resume (chunk deletes are idempotent). A force delete of a
          // creating backup cancels its job (cancel_backup.cc); the delete then also gives back
          // the volume/snapshot and temporaries the cancelled backup may still hold.
          {B::kCreating, B::kDeleting},
          {B::kAvailable, B::kDeleting},
          {B::kError, B::kDeleting},
          {B::kErrorDeleting, B::kDeleting},
          {B::kDeleting, B::kDeleted},
          {B::kDeleting, B::kErrorDeleting},
      },
      from, to);
}

bool IsLegalReset(BackupStatus from, BackupStatus to) {
  return from != BackupStatus::kDeleted &&
         (to == BackupStatus::kAvailable || to == BackupStatus::kError);
}

}  // namespace bb
