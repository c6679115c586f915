-- Entities deleted from the current state, for the temporal API: their history stays, and its
-- temporal representation still needs the entity's types (mandatory in every representation)
-- and the entity-level `deletedAt`. One row per entity: its last deletion. Removed with the
-- entity's history (`DELETE /temporal/entities/{id}`).
CREATE TABLE twin_deleted_entities (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    types      TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
