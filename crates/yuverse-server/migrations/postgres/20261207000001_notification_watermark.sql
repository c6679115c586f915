-- How far the notifier has come: every entity change stamped before `caught_up_to` has been
-- notified to its subscriptions (or given up on after its retries). At start, the changes
-- made since are notified again, so that a crash loses none. One row.
CREATE TABLE twin_notified (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    caught_up_to TEXT NOT NULL
);
