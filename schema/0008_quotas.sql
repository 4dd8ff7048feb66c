-- 0008: per-project quota limits set by an admin (Cinder's `quotas` table, for the backup keys).
-- A project without a row has the daemon's defaults (Cinder's quota_backups = 10 and
-- quota_backup_gigabytes = 1000); -1 is unlimited. Usage is not stored: it is counted from the
-- backups table under a per-project advisory lock in the transaction that inserts a backup
-- (backup_service/db/quota_repository.h), so it can never drift from the rows it counts.
CREATE TABLE project_quotas (
    project_id text NOT NULL CHECK (length(project_id) BETWEEN 1 AND 255),
    resource   text NOT NULL CHECK (resource IN ('backups', 'backup_gigabytes')),
    hard_limit bigint NOT NULL CHECK (hard_limit >= -1),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, resource)
);
