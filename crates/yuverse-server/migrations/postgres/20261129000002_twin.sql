-- The digital twin (PostgreSQL twin of the SQLite migration): tenants, entities (one JSON
-- document each, in normalised expanded form) and the temporal history (one row per attribute instance).
CREATE TABLE twin_tenants (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

CREATE TABLE twin_entities (
    tenant TEXT NOT NULL,
    id     TEXT NOT NULL,
    doc    TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE twin_history (
    tenant      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    attr        TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    dataset_id  TEXT,
    observed_at TEXT,
    created_at  TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (tenant, instance_id)
);
CREATE INDEX twin_history_entity_observed ON twin_history (tenant, entity_id, attr, observed_at);
CREATE INDEX twin_history_entity_created ON twin_history (tenant, entity_id, attr, created_at);
