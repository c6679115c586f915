-- History keyed the way every temporal read takes it: by (tenant, entity, attribute) and the
-- instance's default time `t` (its observedAt, else when it was recorded), which the SQLite
-- twin of this migration clusters on. One key instead of the (tenant, instance_id) key plus
-- the time index: an instance costs one index insert instead of two. Instances are looked up by
-- entity, attribute and instance id together, as the temporal API addresses them.
ALTER TABLE twin_history ADD COLUMN t TEXT;
UPDATE twin_history SET t = COALESCE(observed_at, created_at);
ALTER TABLE twin_history ALTER COLUMN t SET NOT NULL;
ALTER TABLE twin_history DROP CONSTRAINT twin_history_pkey;
ALTER TABLE twin_history ADD PRIMARY KEY (tenant, entity_id, attr, t, instance_id);
DROP INDEX twin_history_entity_time;
