-- NGSI-LD subscriptions: the document as the client wrote it and the @context it was made with.
CREATE TABLE twin_subscriptions (
    tenant  TEXT NOT NULL,
    id      TEXT NOT NULL,
    doc     TEXT NOT NULL,
    context TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
