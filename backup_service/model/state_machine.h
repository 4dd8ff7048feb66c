// The one table of legal status transitions for volumes, snapshots and backups.
//
// Repositories refuse any transition not listed here (FailedPrecondition), so a bug in a manager
// cannot move a record along an edge nobody designed. Every transition is persisted as a
// compare-and-swap with an event row before the side effect it guards (see backup_service/db).
//
// What a restart does with each non-terminal state (the recovery table) is documented beside the
// edges in state_machine.cc; the cleanup itself is manager/recovery.cc (backups and what they
// hold) and volume_manager/volume_recovery.cc (volume and snapshot operations).
#pragma once

#include "backup_service/model/states.h"

namespace bb {

bool IsLegalTransition(VolumeStatus from, VolumeStatus to);
bool IsLegalTransition(SnapshotStatus from, SnapshotStatus to);
bool IsLegalTransition(BackupStatus from, BackupStatus to);

// Operator reset-status: any backup that is not deleted may be set to available or error; the
// manager checks what makes it safe (no job of this daemon on it; a manifest for available).
bool IsLegalReset(BackupStatus from, BackupStatus to);

}  // namespace bb
