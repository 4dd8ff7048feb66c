-- 0005: snapshots record the host whose volume manager works on them, as volumes already do
-- (volumes.host), so that restart cleanup touches only its own host's snapshots. Existing rows
-- take their volume's host.
ALTER TABLE snapshots ADD COLUMN host text NOT NULL DEFAULT '';
UPDATE snapshots SET host = volumes.host FROM volumes WHERE volumes.id = snapshots.volume_id;
ALTER TABLE snapshots ALTER COLUMN host DROP DEFAULT;
-- Restart cleanup looks for its host's snapshots in a transitional status.
CREATE INDEX snapshots_host_status ON snapshots (host, status);
