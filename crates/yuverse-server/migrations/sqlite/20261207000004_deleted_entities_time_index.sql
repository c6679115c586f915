-- The notifier's catch-up at start reads the entities deleted since its watermark: by time,
-- without reading every deletion ever kept.
CREATE INDEX twin_deleted_entities_deleted_at ON twin_deleted_entities (deleted_at);
