-- Signing in by SMS code, counting wrong passwords, and limiting password changes.

-- What the default SMS gateway "sends": the demo and the tests read codes here.
CREATE TABLE sms_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    msisdn     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sms_outbox_msisdn ON sms_outbox (msisdn, id);

-- One-time codes. A code belongs to the sign-in attempt it was issued for (a random token in a
-- cookie, stored as its hash) and is stored as SHA-256 of token and code, so the table alone
-- gives no code. Rows are kept for the resend limits; a number nobody has gets a row too.
CREATE TABLE sign_in_codes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_hash TEXT NOT NULL UNIQUE,
    purpose      TEXT NOT NULL CHECK (purpose IN ('login', 'reset')),
    msisdn       TEXT NOT NULL,
    user_id      INTEGER REFERENCES users(id),
    code_hash    TEXT NOT NULL,
    ip           TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    tries        INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER
);
CREATE INDEX sign_in_codes_msisdn ON sign_in_codes (msisdn, created_at);
CREATE INDEX sign_in_codes_ip ON sign_in_codes (ip, created_at);

-- Wrong passwords, by number and by address, for the lock and the throttle.
CREATE TABLE login_failures (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    msisdn TEXT NOT NULL,
    ip     TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX login_failures_msisdn ON login_failures (msisdn, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE password_changes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    at      INTEGER NOT NULL
);
CREATE INDEX password_changes_user ON password_changes (user_id, at);
