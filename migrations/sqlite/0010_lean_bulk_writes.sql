-- Tables an import writes hundreds of thousands of rows into, made cheaper to write:
--
-- * An employee's name words are looked up by (company, word prefix) only: the table is its
--   own primary key (WITHOUT ROWID), one B-tree fewer per word. The words are written and
--   deleted with their employee by the same code, in the same transaction; no foreign key.
-- * The audit log is an append-only record that outlives what it names (people are erased,
--   not deleted): its ids are kept as written, without foreign keys to check on every entry.
CREATE TABLE employee_name_words_new (
    company_id  INTEGER NOT NULL,
    word        TEXT NOT NULL,
    employee_id INTEGER NOT NULL,
    PRIMARY KEY (company_id, word, employee_id)
) WITHOUT ROWID;
INSERT INTO employee_name_words_new (company_id, word, employee_id)
    SELECT company_id, word, employee_id FROM employee_name_words;
DROP TABLE employee_name_words;
ALTER TABLE employee_name_words_new RENAME TO employee_name_words;
CREATE INDEX employee_name_words_employee ON employee_name_words (employee_id);

CREATE TABLE audit_log_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    company_id  INTEGER,
    actor_id    INTEGER,
    actor_label TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    ip          TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_log_new (id, at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip)
    SELECT id, at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip
    FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_company_at ON audit_log (company_id, at);
CREATE INDEX audit_log_object ON audit_log (company_id, object_type, object_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
