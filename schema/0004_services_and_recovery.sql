-- 0004: one row per backupd host identity (heartbeat, for `backupctl service list`; liveness
-- itself is the PostgreSQL advisory lock the daemon holds, see backup_service/db/host_identity.h),
-- and whether a restore's target volume was created for it (restart puts such a volume to error
-- rather than error_restoring: nobody had data in it).
CREATE TABLE services (
    host         text PRIMARY KEY CHECK (length(host) BETWEEN 1 AND 255),
    pid          integer NOT NULL,
    version      text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    stopped_at   timestamptz
);

ALTER TABLE backups ADD COLUMN restore_volume_created boolean NOT NULL DEFAULT false;
