-- 0009: incremental bases. A backup that read a temporary snapshot of a volume whose driver
-- reports changed extents keeps that snapshot as the volume's incremental base: the next
-- incremental asks the driver what changed since it and reads only that
-- (backup_service/datapath/README.md, "Changed-extent incrementals"). incremental_base_of names the
-- backup whose data the snapshot holds. At most one live base per volume; the one it replaces is
-- marked deleting in the same transaction (it keeps incremental_base_of, so restart cleanup of
-- that backup's host can find and finish it). Bases stay temporary snapshots: never listed to
-- users, never deletable by them; a volume's delete removes its base first.
ALTER TABLE snapshots ADD COLUMN incremental_base_of uuid REFERENCES backups (id);
CREATE UNIQUE INDEX snapshots_one_incremental_base ON snapshots (volume_id)
    WHERE incremental_base_of IS NOT NULL AND status <> 'deleting';
