-- Changing lines: why a line is suspended or blocked, what happens at the spend limit,
-- the SIMs a number had before, and the keys that make a second submit of a change a no-op.

ALTER TABLE lines ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE lines ADD COLUMN limit_action TEXT CHECK (limit_action IS NULL OR limit_action IN ('bar', 'employee_pays'));
ALTER TABLE lines ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE line_sims (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id     INTEGER NOT NULL REFERENCES lines(id),
    iccid       TEXT NOT NULL,
    replaced_at INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX line_sims_line ON line_sims (line_id, replaced_at);

CREATE TABLE change_keys (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    key        TEXT NOT NULL,
    line_id    INTEGER NOT NULL REFERENCES lines(id),
    action     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, key)
);
