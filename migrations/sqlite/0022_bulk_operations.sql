-- Bulk operations: one change (`change`, as JSON) over a list of lines resolved at confirm
-- (`bulk_lines`, taken in id order), run as a durable job. Each line reached gets its outcome
-- (`bulk_results`): changed (with the change as its audit entry recorded it, for undo),
-- skipped or failed, with the problem (JSON).
CREATE TABLE bulk_operations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER NOT NULL REFERENCES companies(id),
    -- Who asked (a person, or an API token), re-checked before each chunk.
    requester    TEXT NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    confirm_key  TEXT NOT NULL,
    change       TEXT NOT NULL,
    -- How the lines were chosen, as the page says it.
    chosen       TEXT NOT NULL,
    total        INTEGER NOT NULL,
    job_id       INTEGER REFERENCES jobs(id),
    retry_of     INTEGER REFERENCES bulk_operations(id),
    cancelled_at INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (company_id, confirm_key)
);
CREATE INDEX bulk_operations_company ON bulk_operations (company_id, id);

CREATE TABLE bulk_lines (
    operation_id INTEGER NOT NULL REFERENCES bulk_operations(id),
    line_id      INTEGER NOT NULL REFERENCES lines(id),
    msisdn       TEXT NOT NULL,
    -- The line's own value where the list gives one per line (a tariff, a limit, a department).
    value        TEXT,
    PRIMARY KEY (operation_id, line_id)
);

-- What the run did to each line it reached; a line without a row was not reached (yet, or
-- ever: a cancel). A change sent to the network and not yet answered is in pending_changes.
CREATE TABLE bulk_results (
    operation_id INTEGER NOT NULL REFERENCES bulk_operations(id),
    line_id      INTEGER NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('changed', 'skipped', 'failed')),
    problem      TEXT,
    change       TEXT,
    PRIMARY KEY (operation_id, line_id)
);
CREATE INDEX bulk_results_outcome ON bulk_results (operation_id, outcome, line_id);

-- Jobs of one queue run one after the other, in the order they were queued (a company's bulk
-- operations: two that touch the same lines never interleave).
ALTER TABLE jobs ADD COLUMN queue TEXT;
CREATE INDEX jobs_queue ON jobs (queue, id);

-- A change a bulk job sent to the network is the job's to finish; the sweep finishes it only
-- if the job was given up.
ALTER TABLE pending_changes ADD COLUMN job_id INTEGER REFERENCES jobs(id);
