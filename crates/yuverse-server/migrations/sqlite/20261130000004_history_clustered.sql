-- History stored in the order every temporal read takes it: by (tenant, entity, attribute) and
-- the instance's default time `t` (its observedAt, else when it was recorded). A WITHOUT ROWID
-- table keeps each row in that one b-tree, so an instance costs one b-tree insert instead of
-- three (the rows, the (tenant, instance_id) key and the time index). Instances are looked up by
-- entity, attribute and instance id together, as the temporal API addresses them.
CREATE TABLE twin_history_clustered (
    tenant      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    attr        TEXT NOT NULL,
    t           TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    dataset_id  TEXT,
    observed_at TEXT,
    created_at  TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (tenant, entity_id, attr, t, instance_id)
) WITHOUT ROWID;
INSERT INTO twin_history_clustered
    SELECT tenant, entity_id, attr, COALESCE(observed_at, created_at), instance_id, dataset_id,
           observed_at, created_at, modified_at, doc
    FROM twin_history;
DROP TABLE twin_history;
ALTER TABLE twin_history_clustered RENAME TO twin_history;
