-- Devices of the digital twin (FIWARE IoT Agent JSON convention): an MQTT device, the NGSI-LD
-- entity its measures go to, the short-name → attribute mapping (JSON text), the platform API
-- key whose id is the `{apikey}` of its topics, and its ingestion status. Counters are added
-- to (never overwritten), so several nodes can report into one row.
CREATE TABLE twin_devices (
    device_id         TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations (id),
    api_key_id        TEXT NOT NULL,
    tenant            TEXT NOT NULL,
    entity_name       TEXT NOT NULL,
    entity_type       TEXT NOT NULL,
    attributes        TEXT NOT NULL,
    explicit_attrs    BIGINT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    messages_received BIGINT NOT NULL DEFAULT 0,
    errors            BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT,
    last_error_at     TEXT,
    last_seen_at      TEXT
);
CREATE INDEX twin_devices_organisation ON twin_devices (organisation_id, device_id);
CREATE INDEX twin_devices_api_key ON twin_devices (api_key_id);
