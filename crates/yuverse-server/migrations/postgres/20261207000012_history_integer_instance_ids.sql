-- History rows keyed by an integer the database assigns (an identity column), shown to clients
-- as `urn:ngsi-ld:attribute:instance:<n>`, instead of a 68-byte UUID URN: each history row, the
-- bulk of the ingestion path's writes, is a quarter smaller and its key index holds 8-byte keys.
-- Identity values are never reused. Existing instances are numbered in the order they were
-- recorded (their UUIDv7 ids were time-ordered); their old instanceIds no longer resolve.
-- `modified_at` is stored only when it differs from `created_at`, which it does not until the
-- temporal API modifies an instance.
CREATE TABLE twin_history_keyed (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    attr        TEXT NOT NULL,
    dataset_id  TEXT,
    observed_at TEXT,
    created_at  TEXT NOT NULL,
    modified_at TEXT,
    doc         TEXT NOT NULL
);
INSERT INTO twin_history_keyed
    (tenant, entity_id, attr, dataset_id, observed_at, created_at, modified_at, doc)
SELECT tenant, entity_id, attr, dataset_id, observed_at, created_at,
    NULLIF(modified_at, created_at), doc
FROM twin_history ORDER BY instance_id;
DROP TABLE twin_history;
ALTER TABLE twin_history_keyed RENAME TO twin_history;
ALTER INDEX twin_history_keyed_pkey RENAME TO twin_history_pkey;
CREATE INDEX twin_history_entity_time ON twin_history (tenant, entity_id, attr, (COALESCE(observed_at, created_at)));
