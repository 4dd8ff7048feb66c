// The failpoint table. Order follows each flow; names are "<operation>.<place>".
#include "backup_service/model/failpoints.h"

namespace bb {

const std::vector<FailpointInfo>& AllFailpoints() {
  static const std::vector<FailpointInfo> kTable = {
      // create: backup creating + volume backing-up are one transaction (BeginBackup).
      {"create.after_begin", "create", "backup row + volume backing-up committed; job queued"},
      {"create.after_temp_recorded", "create", "temp id recorded on the backup; nothing made"},
      {"create.after_temp_row", "create", "temp snapshot/clone row inserted; driver not called"},
      {"create.after_temp_made", "create", "driver made the temporary; its row not available"},
      {"create.after_volume_released", "create", "volume back to previous status; copy not begun"},
      {"create.mid_upload", "create", "some chunks stored, others not"},
      {"create.before_manifest", "create", "all chunks stored; manifest not written"},
      {"create.after_manifest", "create", "manifest written; temporaries not removed"},
      {"create.before_db_available", "create", "temporaries removed; backup still creating"},

      // A backup kept its snapshot as the volume's incremental base (incremental_base.cc), in
      // the transaction that made it available; the base it replaced is deleting, not removed.
      // Not in the create matrix (a "base" point: only a backup that keeps its snapshot as a
      // base reaches it, the default on a driver reporting changed extents):
      // backupctl_changed_extents_test kills the daemon here and checks restart cleanup.
      {"base.after_commit", "base",
       "backup available with its snapshot as the new base; the old base deleting, not removed"},

      // restore: backup restoring + volume restoring-backup are one transaction (BeginRestore).
      {"restore.after_begin", "restore", "backup restoring + volume restoring-backup committed"},
      {"restore.mid_write", "restore", "some chunks written to the volume"},
      {"restore.before_volume_available", "restore", "all data written; volume restoring-backup"},
      {"restore.before_backup_available", "restore", "volume available; backup still restoring"},
      // delete: backup deleting committed before any object is removed.
      {"delete.after_begin", "delete", "backup deleting committed; nothing removed"},
      {"delete.after_manifest_removed", "delete", "manifest removed; chunks not collected"},
      {"delete.before_db_deleted", "delete", "chunks collected; backup still deleting"},
      // gc: the v2 collector a delete (or a failed backup's cleanup) runs (pack_collector.h).
      // tests/integration/pack_gc_test.cc kills the daemon at each and checks that restart
      // finishes the delete, every survivor restores bit-exact and nothing is left behind.
      {"gc.after_fence", "gc", "condemned list written, fence released; nothing repacked"},
      {"gc.after_repacked_pack", "gc", "a repacked pack is durable; no index names it yet"},
      {"gc.after_new_index", "gc",
       "new index written; superseded index objects and condemned packs still there"},
      {"gc.before_condemned_removed", "gc",
       "condemned packs and superseded indexes deleted; condemned list still there"},
      // cancel: a force delete moved a creating backup to deleting (cancel_backup.cc). Not in
      // the create matrix (a plain create never reaches it): backupctl_jobs_test and
      // backupctl_reflink_test kill the daemon here and check that restart finishes the cancel.
      {"cancel.after_job_stopped", "cancel",
       "the backup job saw the cancel and stopped; volume, temporaries, chunks still held"},
      // volume and snapshot operations (volume_manager/): each transition is committed before
      // the driver or connector call it guards.
      {"volume.create.after_begin", "volume.create", "row creating committed; driver not called"},
      {"volume.create.after_driver", "volume.create", "driver volume made; row still creating"},
      {"volume.delete.after_begin", "volume.delete", "deleting committed; driver volume intact"},
      {"volume.delete.after_driver", "volume.delete", "driver volume removed; row still deleting"},
      {"volume.attach.after_begin", "volume.attach",
       "volume attaching + attachment row committed; nothing connected"},
      {"volume.attach.after_connect", "volume.attach",
       "device connected (loop device exists); its path not recorded"},
      {"volume.detach.after_begin", "volume.detach",
       "volume + attachment detaching committed; device still connected"},
      {"volume.detach.after_disconnect", "volume.detach",
       "device disconnected; attachment row and volume still detaching"},
      {"snapshot.create.after_begin", "snapshot.create", "row creating; driver not called"},
      {"snapshot.create.after_driver", "snapshot.create", "snapshot made; row still creating"},
      {"snapshot.delete.after_begin", "snapshot.delete", "deleting committed; snapshot intact"},
      {"snapshot.delete.after_driver", "snapshot.delete", "snapshot removed; row still deleting"},
      // exports to the backup host (volume_manager/volume_exports.cc): a snapshot for a
      // remote-attach backup, a volume for a remote restore (or a backup's temporary clone).
      // Restart cleanup removes the export by the object's id and clears provider_auth
      // (tests/integration/export_crash_test.cc, root: tgtd).
      {"export.snapshot.after_create_export", "export.snapshot",
       "target made; provider_location/provider_auth not recorded"},
      {"export.snapshot.after_initialize_connection", "export.snapshot",
       "export recorded, connection info made; not logged in"},
      {"unexport.snapshot.after_terminate_connection", "unexport.snapshot",
       "logged out, connection terminated; target and provider_auth still there"},
      {"unexport.snapshot.after_remove_export", "unexport.snapshot",
       "target removed; provider_auth not cleared"},
      {"export.volume.after_create_export", "export.volume",
       "target made; provider_location/provider_auth not recorded"},
      {"export.volume.after_initialize_connection", "export.volume",
       "export recorded, connection info made; not logged in"},
      {"unexport.volume.after_terminate_connection", "unexport.volume",
       "logged out, connection terminated; target and provider_auth still there"},
      {"unexport.volume.after_remove_export", "unexport.volume",
       "target removed; provider_auth not cleared"},
  };
  return kTable;
}

std::vector<std::string> AllFailpointNames() {
  std::vector<std::string> names;
  for (const auto& f : AllFailpoints()) names.emplace_back(f.name);
  return names;
}

}  // namespace bb
