-- One history index instead of two: temporal reads select by (tenant, entity, attribute) and
-- order or window by the instance's time, which for the default `timeproperty` (observedAt)
-- is `COALESCE(observed_at, created_at)`. Indexing that expression serves the default reads in
-- order; `createdAt`/`modifiedAt` windows use the same (tenant, entity, attribute) prefix. Each
-- history row now costs one index less to write, which is most of the ingestion path.
DROP INDEX twin_history_entity_observed;
DROP INDEX twin_history_entity_created;
CREATE INDEX twin_history_entity_time ON twin_history (tenant, entity_id, attr, (COALESCE(observed_at, created_at)));
