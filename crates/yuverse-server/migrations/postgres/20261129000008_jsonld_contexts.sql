-- @context documents hosted by the broker (POST /jsonldContexts), kept across restarts.
-- Cached downloads are not stored: they are a cache and are downloaded again when needed.
CREATE TABLE twin_jsonld_contexts (
    local_id   TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
