-- 0006: exports for the remote-attach backup path (volume_drivers/volume_driver.h). A snapshot
-- already has provider_location and provider_auth (0001); a volume gets provider_auth, so a
-- temporary clone or a restore target exported to the backup host keeps its credentials on its
-- row like a snapshot does. provider_auth is a secret: the repositories read it for the driver
-- only; no log line, API answer or backup export record carries it.
ALTER TABLE volumes ADD COLUMN provider_auth text NOT NULL DEFAULT ''
    CHECK (length(provider_auth) <= 255);
-- The sources a backup reads through an export (backup_service/manager/backup_source.h).
ALTER TABLE backups DROP CONSTRAINT backups_source_kind_check;
ALTER TABLE backups ADD CONSTRAINT backups_source_kind_check CHECK (source_kind IN ('', 'volume',
    'temp-snapshot-local', 'temp-clone-local', 'snapshot-local', 'temp-snapshot-attached',
    'temp-clone-attached', 'snapshot-attached'));
