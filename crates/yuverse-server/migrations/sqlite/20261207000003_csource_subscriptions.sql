-- NGSI-LD context source subscriptions: the document as the client wrote it, the @context it
-- was made with, and its delivery status (counts and times, as JSON).
CREATE TABLE twin_csource_subscriptions (
    tenant  TEXT NOT NULL,
    id      TEXT NOT NULL,
    doc     TEXT NOT NULL,
    context TEXT NOT NULL,
    status  TEXT,
    PRIMARY KEY (tenant, id)
);
