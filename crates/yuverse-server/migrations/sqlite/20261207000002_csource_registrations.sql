-- NGSI-LD context source registrations: the document as the client wrote it, the @context it
-- was made with, and its system times.
CREATE TABLE twin_registrations (
    tenant      TEXT NOT NULL,
    id          TEXT NOT NULL,
    doc         TEXT NOT NULL,
    context     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
