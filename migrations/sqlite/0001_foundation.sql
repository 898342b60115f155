-- simfleet foundation schema (SQLite). Times are UTC unix milliseconds; money is integer kopecks;
-- flags are INTEGER 0/1; search keys are folded in Rust and compared bytewise.

CREATE TABLE regions (
    code    TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE companies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    legal_name      TEXT NOT NULL,
    inn             TEXT NOT NULL,
    kpp             TEXT NOT NULL,
    ogrn            TEXT NOT NULL DEFAULT '',
    legal_address   TEXT NOT NULL DEFAULT '',
    region_code     TEXT NOT NULL REFERENCES regions(code),
    contract_number TEXT NOT NULL,
    account_number  TEXT NOT NULL UNIQUE,
    contact_email   TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    created_at      INTEGER NOT NULL,
    UNIQUE (inn, kpp)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    msisdn        TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    is_staff      INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'accountant', 'employee')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company ON memberships (company_id);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    company_id   INTEGER REFERENCES companies(id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    parent_id   INTEGER REFERENCES departments(id),
    name        TEXT NOT NULL,
    cost_centre TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX departments_company ON departments (company_id, parent_id);

CREATE TABLE employees (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id       INTEGER NOT NULL REFERENCES companies(id),
    department_id    INTEGER REFERENCES departments(id),
    full_name        TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    personnel_number TEXT NOT NULL DEFAULT '',
    position         TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL
);
CREATE INDEX employees_company_name ON employees (company_id, name_key);
CREATE INDEX employees_department ON employees (company_id, department_id);

CREATE TABLE employee_name_words (
    company_id  INTEGER NOT NULL,
    word        TEXT NOT NULL,
    employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, word, employee_id)
);
CREATE INDEX employee_name_words_employee ON employee_name_words (employee_id);

CREATE TABLE tariffs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code        TEXT NOT NULL REFERENCES regions(code),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    monthly_fee_kop    INTEGER NOT NULL CHECK (monthly_fee_kop >= 0),
    minutes            INTEGER NOT NULL,
    sms                INTEGER NOT NULL,
    data_mb            INTEGER NOT NULL,
    minute_over_kop    INTEGER NOT NULL,
    sms_over_kop       INTEGER NOT NULL,
    mb_over_kop        INTEGER NOT NULL,
    for_business       INTEGER NOT NULL DEFAULT 1,
    archived           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE services (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code             TEXT NOT NULL UNIQUE,
    name_ru          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    category         TEXT NOT NULL,
    monthly_fee_kop  INTEGER NOT NULL CHECK (monthly_fee_kop >= 0),
    one_time_fee_kop INTEGER NOT NULL CHECK (one_time_fee_kop >= 0),
    archived         INTEGER NOT NULL DEFAULT 0
);

-- A service fits the tariffs listed here; a service with no rows fits every tariff.
CREATE TABLE service_tariffs (
    service_id INTEGER NOT NULL REFERENCES services(id),
    tariff_id  INTEGER NOT NULL REFERENCES tariffs(id),
    PRIMARY KEY (service_id, tariff_id)
);

CREATE TABLE service_exclusions (
    service_id          INTEGER NOT NULL REFERENCES services(id),
    excluded_service_id INTEGER NOT NULL REFERENCES services(id),
    PRIMARY KEY (service_id, excluded_service_id)
);

CREATE TABLE lines (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id      INTEGER NOT NULL REFERENCES companies(id),
    msisdn          TEXT NOT NULL UNIQUE,
    number_key      TEXT NOT NULL,
    number_rev      TEXT NOT NULL,
    iccid           TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'blocked', 'terminated')),
    tariff_id       INTEGER NOT NULL REFERENCES tariffs(id),
    department_id   INTEGER REFERENCES departments(id),
    employee_id     INTEGER REFERENCES employees(id),
    cost_centre     TEXT,
    spend_limit_kop INTEGER CHECK (spend_limit_kop IS NULL OR spend_limit_kop >= 0),
    activated_on    TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX lines_company_number ON lines (company_id, number_key);
CREATE INDEX lines_company_number_rev ON lines (company_id, number_rev);
CREATE INDEX lines_company_department ON lines (company_id, department_id, number_key);
CREATE INDEX lines_company_status ON lines (company_id, status, number_key);
CREATE INDEX lines_company_tariff ON lines (company_id, tariff_id);
CREATE INDEX lines_employee ON lines (employee_id);

CREATE TABLE line_services (
    line_id    INTEGER NOT NULL REFERENCES lines(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    enabled_at INTEGER NOT NULL,
    PRIMARY KEY (line_id, service_id)
);

CREATE TABLE line_service_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id    INTEGER NOT NULL REFERENCES lines(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    action     TEXT NOT NULL CHECK (action IN ('enabled', 'disabled')),
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users(id)
);
CREATE INDEX line_service_history_line ON line_service_history (line_id, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    company_id  INTEGER REFERENCES companies(id),
    actor_id    INTEGER REFERENCES users(id),
    actor_label TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_company_at ON audit_log (company_id, at);
CREATE INDEX audit_log_object ON audit_log (company_id, object_type, object_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
