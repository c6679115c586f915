-- Plan supervision (督办): the action plan as data.
--
-- `plan_versions` keeps every version of the plan document (goals, tasks, safeguards, units,
-- indicator targets) as JSON: version 1 is the baseline loaded from data/yubei/plan.json, each
-- later change by the office adds one. `plan_tasks`/`plan_task_units` are the current version
-- in relational form (the 11 key tasks and 4 safeguards, first unit leads unless changed).
CREATE TABLE plan_versions (
    version    BIGINT PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    summary    TEXT NOT NULL,
    document   TEXT NOT NULL
);

CREATE TABLE plan_tasks (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    number      BIGINT NOT NULL,
    section     TEXT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    lead_org_id TEXT NOT NULL REFERENCES organisations (id),
    weight      BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    updated_in  BIGINT NOT NULL
);

CREATE TABLE plan_task_units (
    task_id         TEXT NOT NULL REFERENCES plan_tasks (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    position        BIGINT NOT NULL,
    PRIMARY KEY (task_id, organisation_id)
);
CREATE INDEX plan_task_units_organisation ON plan_task_units (organisation_id);

-- Work items: the break-down of a task, owned by one unit with co-units (JSON array of ids).
CREATE TABLE plan_items (
    id           TEXT PRIMARY KEY,
    task_id      TEXT NOT NULL REFERENCES plan_tasks (id),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    owner_org_id TEXT NOT NULL REFERENCES organisations (id),
    co_org_ids   TEXT NOT NULL,
    place_code   TEXT,
    weight       BIGINT NOT NULL,
    start_at     TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    state        TEXT NOT NULL,
    progress     BIGINT NOT NULL,
    done_at      TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX plan_items_task ON plan_items (task_id, created_at);
CREATE INDEX plan_items_owner ON plan_items (owner_org_id, created_at);
CREATE INDEX plan_items_open ON plan_items (state, deadline);

CREATE TABLE plan_milestones (
    id         TEXT PRIMARY KEY,
    item_id    TEXT NOT NULL REFERENCES plan_items (id),
    title      TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    done_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX plan_milestones_item ON plan_milestones (item_id, due_at);

-- Reminders (before a deadline) and escalations (催办, after it) that have fired: one row per
-- item, kind and deadline, so each fires once even across restarts and nodes.
CREATE TABLE plan_item_alerts (
    item_id  TEXT NOT NULL REFERENCES plan_items (id),
    kind     TEXT NOT NULL,
    deadline TEXT NOT NULL,
    fired_at TEXT NOT NULL,
    PRIMARY KEY (item_id, kind, deadline)
);

-- Progress reports. A returned report stays as it was; its resubmission is a new row naming it
-- in `supersedes`, so the history is every row of the item.
CREATE TABLE plan_reports (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL REFERENCES plan_items (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    period          TEXT NOT NULL,
    percentage      BIGINT NOT NULL,
    narrative       TEXT NOT NULL,
    blockers        TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    state           TEXT NOT NULL,
    supersedes      TEXT,
    submitted_by    TEXT NOT NULL,
    submitted_at    TEXT NOT NULL,
    reviewed_by     TEXT,
    reviewed_at     TEXT,
    return_reason   TEXT
);
CREATE INDEX plan_reports_item ON plan_reports (item_id, submitted_at);
CREATE INDEX plan_reports_organisation ON plan_reports (organisation_id, submitted_at);
CREATE INDEX plan_reports_state ON plan_reports (state, submitted_at);

-- Monthly values of every registered indicator, for trends.
CREATE TABLE plan_indicator_snapshots (
    indicator TEXT NOT NULL,
    month     TEXT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    taken_at  TEXT NOT NULL,
    PRIMARY KEY (indicator, month)
);

-- In-app notifications, addressed to an organisation or to every user of a role.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT REFERENCES organisations (id),
    role            TEXT,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    subject         TEXT,
    created_at      TEXT NOT NULL,
    read_at         TEXT
);
CREATE INDEX notifications_organisation ON notifications (organisation_id, created_at);
CREATE INDEX notifications_role ON notifications (role, created_at);
