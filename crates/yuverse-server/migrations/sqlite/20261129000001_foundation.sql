-- Governance and the district data set. Times are fixed-width RFC 3339 UTC text; flags 0/1.
CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    code        TEXT UNIQUE,
    name        TEXT NOT NULL,
    name_en     TEXT,
    kind        TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX organisations_kind ON organisations (kind);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    phone           TEXT,
    email           TEXT,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    disabled        BIGINT NOT NULL DEFAULT 0,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX users_role ON users (role);
CREATE INDEX users_organisation ON users (organisation_id);

-- The identity number exists here only as AES-256-GCM ciphertext and a keyed blind index
-- (HMAC-SHA256) that keeps one identity bound to one account.
CREATE TABLE real_names (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    name           TEXT NOT NULL,
    id_cipher      BLOB NOT NULL,
    id_blind_index TEXT NOT NULL UNIQUE,
    verified_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ip           TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    permissions     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    revoked_at      TEXT,
    last_used_at    TEXT
);
CREATE INDEX api_keys_organisation ON api_keys (organisation_id);

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_user TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_org  TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    ip         TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_user);
CREATE INDEX audit_log_action ON audit_log (action);

CREATE TABLE places (
    id               TEXT PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    name_en          TEXT,
    kind             TEXT NOT NULL,
    parent_code      TEXT,
    clusters         TEXT NOT NULL,
    scenario_domains TEXT NOT NULL,
    operator_code    TEXT,
    geometry         TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

-- Which bundled data sets have been loaded, so a restart never loads one twice.
CREATE TABLE dataset_loads (
    name      TEXT PRIMARY KEY,
    loaded_at TEXT NOT NULL
);
