-- 0002: the path a backup read (the snapshot file, the clone, or the volume itself), shown with
-- source_kind and source_reason so operators see which device was chosen and why.
ALTER TABLE backups ADD COLUMN source_device text NOT NULL DEFAULT '';
