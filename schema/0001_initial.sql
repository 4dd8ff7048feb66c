-- 0001: volumes, attachments, snapshots, backups and the events table of status transitions.
-- Status columns are CHECK-constrained to the values of backup_service/model/states.cc.
-- Times are timestamptz; the repositories convert them to/from Unix epoch microseconds.

CREATE TABLE volumes (
    id                uuid PRIMARY KEY,
    project_id        text NOT NULL,
    name              text NOT NULL DEFAULT '' CHECK (length(name) <= 255),
    description       text NOT NULL DEFAULT '' CHECK (length(description) <= 255),
    size_gib          bigint NOT NULL CHECK (size_gib > 0),
    status            text NOT NULL CHECK (status IN ('creating', 'available', 'attaching',
                          'in-use', 'detaching', 'backing-up', 'restoring-backup', 'deleting',
                          'error', 'error_restoring')),
    previous_status   text CHECK (previous_status IN ('available', 'in-use', 'creating')),
    host              text NOT NULL,
    provider_location text NOT NULL DEFAULT '',
    -- Temporary volumes (backup clones) are not listed to users and not counted.
    is_temporary      boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volumes_project_created ON volumes (project_id, created_at DESC, id);
CREATE INDEX volumes_host_status ON volumes (host, status);

CREATE TABLE volume_attachments (
    id            uuid PRIMARY KEY,
    volume_id     uuid NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,
    instance_uuid text NOT NULL DEFAULT '',
    attached_host text NOT NULL,
    device        text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('attaching', 'attached', 'detaching')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volume_attachments_volume ON volume_attachments (volume_id);

CREATE TABLE snapshots (
    id                uuid PRIMARY KEY,
    project_id        text NOT NULL,
    volume_id         uuid NOT NULL REFERENCES volumes (id),
    name              text NOT NULL DEFAULT '' CHECK (length(name) <= 255),
    description       text NOT NULL DEFAULT '' CHECK (length(description) <= 255),
    size_gib          bigint NOT NULL CHECK (size_gib > 0),
    status            text NOT NULL CHECK (status IN ('creating', 'available', 'backing-up',
                          'deleting', 'error')),
    is_temporary      boolean NOT NULL DEFAULT false,
    provider_location text NOT NULL DEFAULT '',
    provider_auth     text NOT NULL DEFAULT '' CHECK (length(provider_auth) <= 255),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snapshots_volume ON snapshots (volume_id);
CREATE INDEX snapshots_project_created ON snapshots (project_id, created_at DESC, id);

CREATE TABLE backups (
    id                    uuid PRIMARY KEY,
    project_id            text NOT NULL,
    volume_id             uuid NOT NULL,  -- no FK: a backup outlives its volume
    snapshot_id           uuid,
    name                  text NOT NULL DEFAULT '' CHECK (length(name) <= 255),
    description           text NOT NULL DEFAULT '' CHECK (length(description) <= 255),
    status                text NOT NULL CHECK (status IN ('creating', 'available', 'deleting',
                              'deleted', 'restoring', 'error', 'error_deleting')),
    fail_reason           text NOT NULL DEFAULT '',
    parent_id             uuid REFERENCES backups (id),
    temp_volume_id        uuid,
    temp_snapshot_id      uuid,
    restore_volume_id     uuid,
    container             text NOT NULL,
    manifest_object       text NOT NULL DEFAULT '',
    service               text NOT NULL DEFAULT '',
    host                  text NOT NULL,
    size_gib              bigint NOT NULL CHECK (size_gib > 0),
    object_count          bigint NOT NULL DEFAULT 0,
    stored_bytes          bigint NOT NULL DEFAULT 0,
    bytes_done            bigint NOT NULL DEFAULT 0,
    bytes_total           bigint NOT NULL DEFAULT 0,
    source_kind           text NOT NULL DEFAULT '' CHECK (source_kind IN ('', 'volume',
                              'temp-snapshot-local', 'temp-clone-local', 'snapshot-local')),
    source_reason         text NOT NULL DEFAULT '',
    num_dependent_backups bigint NOT NULL DEFAULT 0 CHECK (num_dependent_backups >= 0),
    data_timestamp        timestamptz,
    started_at            timestamptz,
    finished_at           timestamptz,
    deleted_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backups_project_created ON backups (project_id, created_at DESC, id)
    WHERE status <> 'deleted';
CREATE INDEX backups_volume_timestamp ON backups (volume_id, data_timestamp DESC)
    WHERE status = 'available';
CREATE INDEX backups_host_status ON backups (host, status) WHERE status <> 'deleted';
CREATE INDEX backups_parent ON backups (parent_id) WHERE parent_id IS NOT NULL;

-- One row per status transition, written in the same transaction as the compare-and-swap.
CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    resource_type text NOT NULL CHECK (resource_type IN ('volume', 'snapshot', 'backup',
                      'attachment')),
    resource_id   uuid NOT NULL,
    from_status   text NOT NULL DEFAULT '',
    to_status     text NOT NULL,
    reason        text NOT NULL DEFAULT '',
    host          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_resource ON events (resource_type, resource_id, id);
