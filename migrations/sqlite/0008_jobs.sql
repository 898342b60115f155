-- Durable jobs: long work (imports, bulk changes, reports) queued in the database and run by
-- any instance. A runner holds a job by a lease it renews while working (heartbeat); a job
-- whose runner died is picked up again when the lease runs out. Progress is written with each
-- unit of work in the unit's own transaction, so a resumed job starts after the last unit
-- done and never does one twice.
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id     INTEGER REFERENCES companies(id),
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL DEFAULT '{}',
    status         TEXT NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress_done  INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    result         TEXT,
    error          TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    lease_owner    TEXT,
    lease_until    INTEGER,
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER
);
CREATE INDEX jobs_waiting ON jobs (status, lease_until, id);
CREATE INDEX jobs_company ON jobs (company_id, id);
