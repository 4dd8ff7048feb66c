-- 0003: indexes for paged listing (backup_service/db/keyset_page.cc). A page is an index range
-- that starts at the marker's sort values, so the first page and a page 100,000 rows deep cost
-- the same. 0001 already has (project_id, created_at DESC, id) on each table: a project's
-- default listing (newest first, id the tie-breaker). These add the filters and the other
-- default-sorted listing the API documents; rows that are never listed (deleted backups,
-- temporary volumes and snapshots) are left out of them.

-- Backups.
-- All projects (operator), newest first.
CREATE INDEX backups_created ON backups (created_at DESC, id) WHERE status <> 'deleted';
-- Filtered by status, newest first.
CREATE INDEX backups_project_status_created ON backups (project_id, status, created_at DESC, id)
    WHERE status <> 'deleted';
-- One volume's backups, newest first (a volume belongs to one project).
CREATE INDEX backups_volume_created ON backups (volume_id, created_at DESC, id)
    WHERE status <> 'deleted';
-- Filtered by name, newest first; sorted by name (ties: an incremental sort inside one name).
CREATE INDEX backups_project_name_created ON backups (project_id, name, created_at DESC, id)
    WHERE status <> 'deleted';

-- Volumes.
CREATE INDEX volumes_created ON volumes (created_at DESC, id) WHERE NOT is_temporary;
CREATE INDEX volumes_project_status_created ON volumes (project_id, status, created_at DESC, id)
    WHERE NOT is_temporary;

-- Snapshots (0001's snapshots_volume (volume_id) still serves the delete guard's count).
CREATE INDEX snapshots_created ON snapshots (created_at DESC, id) WHERE NOT is_temporary;
CREATE INDEX snapshots_volume_created ON snapshots (volume_id, created_at DESC, id)
    WHERE NOT is_temporary;
