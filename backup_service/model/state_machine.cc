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

// The restart rule of each non-terminal status is written above its edges. Volume operations
// (create, delete, attach, detach) run inside a request, so a restart means nobody waits for
// them any more; their cleanup is VolumeManager::RecoverHost (volume_manager/volume_recovery.cc),
// which runs after the backups' (manager/recovery.cc) and touches only records whose host is this
// daemon's (volumes.host, snapshots.host) and not held by a backup that is still creating or
// restoring (the backups' cleanup owns those). Temporary snapshots and clones belong to their
// backup and are removed by its cleanup.
bool IsLegalTransition(VolumeStatus from, VolumeStatus to) {
  using V = VolumeStatus;
  return Listed<V>(
      {
          // creating: restart -> error, the driver volume removed first (the driver may or may
          // not have made it, and Delete is idempotent). Roll back, not resume: the request that
          // asked for it has failed, and an error record tells the user so; it can be deleted.
          {V::kCreating, V::kAvailable},
          {V::kCreating, V::kError},
          // attaching: restart -> roll back to where it came from (available, or in-use when
          // other attachments remain): the device is disconnected (the recorded one, or any the
          // connector finds for the volume that no other attachment records: a crash right after
          // connecting leaves a device whose path was never written) and the attaching row is
          // removed. Not resumed: the caller never got the device path, so nobody would use it.
          {V::kAvailable, V::kAttaching},
          {V::kAttaching, V::kInUse},
          {V::kAttaching, V::kAvailable},
          {V::kInUse, V::kAttaching},  // a second attachment
          {V::kInUse, V::kDetaching},
          // detaching: restart -> resume: the detaching attachment's device is disconnected
          // (idempotent: it may be gone already) and its row removed; in-use if other
          // attachments remain, else available. Not rolled back: the device may be gone
          // already, and the caller asked to let go of it.
          {V::kDetaching, V::kAvailable},
          {V::kDetaching, V::kInUse},
          // backing-up lasts only while the temporary snapshot/clone is made; restart -> back
          // to previous_status (available or in-use), temporaries removed (backup cleanup, with
          // the backup going to error). One that no creating backup holds any more (a release
          // that failed) -> previous_status too (volume cleanup).
          {V::kAvailable, V::kBackingUp},
          {V::kInUse, V::kBackingUp},
          {V::kBackingUp, V::kAvailable},
          {V::kBackingUp, V::kInUse},
          // restoring-backup (exported to the backup host while a remote restore writes it; the
          // export is removed first on every path and at restart):
          // restart -> error_restoring (or error when made for the restore),
          // with the backup back to available (backup cleanup). One that no restoring backup
          // holds (created for a restore that never began, or a release that failed) ->
          // error_restoring: what it contains is unknown (volume cleanup).
          {V::kAvailable, V::kRestoringBackup},
          {V::kCreating, V::kRestoringBackup},
          {V::kRestoringBackup, V::kAvailable},
          {V::kRestoringBackup, V::kErrorRestoring},
          {V::kRestoringBackup, V::kError},
          // deleting: restart -> resume the delete (the driver's delete is idempotent; the
          // checks that allowed it were made when it began).
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
          // creating: restart -> error, the driver snapshot removed first (as for volumes).
          {S::kCreating, S::kAvailable},
          {S::kCreating, S::kError},
          // backing-up: a user snapshot being read by a backup, or a temporary one exported to
          // the backup host (the remote-attach path: backing-up is persisted before the export,
          // and the export's provider_location/provider_auth are stored with an event row whose
          // status does not change); restart -> the export removed by the snapshot's id
          // (idempotent, recorded or not), then available (backup cleanup; volume cleanup for
          // one that no creating backup holds any more); a temporary one is then deleted.
          {S::kAvailable, S::kBackingUp},
          {S::kBackingUp, S::kAvailable},
          // deleting: restart -> resume the delete (idempotent).
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
