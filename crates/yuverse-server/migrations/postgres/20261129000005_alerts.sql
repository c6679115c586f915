-- Alerts of the digital twin: rules on entity attributes and geo-fences, the alerts they
-- raise with their life cycle (open → acknowledged → closed), and which (rule, entity) pairs
-- match now, so that alerts are edge-triggered across restarts.
CREATE TABLE twin_alert_rules (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    q           TEXT NOT NULL,
    geofence    TEXT,
    area        TEXT,
    place_name  TEXT,
    severity    TEXT NOT NULL,
    enabled     BIGINT NOT NULL,
    auto_close  BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE twin_alerts (
    id              TEXT PRIMARY KEY,
    rule_id         TEXT NOT NULL,
    rule_name       TEXT NOT NULL,
    severity        TEXT NOT NULL,
    tenant          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    entity_type     TEXT NOT NULL,
    message         TEXT NOT NULL,
    matched_values  TEXT NOT NULL,
    location        TEXT,
    state           TEXT NOT NULL,
    raised_at       TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    closed_at       TEXT,
    closed_by       TEXT,
    close_reason    TEXT,
    version         BIGINT NOT NULL,
    mirrored        BIGINT NOT NULL
);
-- At most one alert that is not closed per (rule, entity), whichever node raises it.
CREATE UNIQUE INDEX twin_alerts_one_active ON twin_alerts (rule_id, tenant, entity_id)
    WHERE state <> 'closed';
CREATE INDEX twin_alerts_state_raised ON twin_alerts (state, raised_at);
CREATE INDEX twin_alerts_raised ON twin_alerts (raised_at, id);
CREATE INDEX twin_alerts_entity ON twin_alerts (entity_id, raised_at);
CREATE INDEX twin_alerts_unmirrored ON twin_alerts (mirrored);

CREATE TABLE twin_alert_matches (
    rule_id   TEXT NOT NULL,
    tenant    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    since     TEXT NOT NULL,
    PRIMARY KEY (rule_id, tenant, entity_id)
);
