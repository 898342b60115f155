-- A second factor (TOTP, RFC 6238) with recovery codes, the company's rule that its admins
-- must have one, and blocking a member without removing them.

-- The authenticator's shared secret (base32). Unconfirmed while being set up; `last_step` is
-- the last 30-second step accepted, so a code works once.
CREATE TABLE totp_secrets (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id),
    secret       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0
);

-- Single-use codes for a lost authenticator, stored as SHA-256.
CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at   INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A sign-in that passed the first factor and waits for the second (a cookie token, hashed).
CREATE TABLE second_factor_attempts (
    attempt_hash TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    tries        INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER
);

ALTER TABLE companies ADD COLUMN admins_need_totp INTEGER NOT NULL DEFAULT 0;
-- The session was opened (or later confirmed) with the second factor.
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
-- A blocked member keeps their role and grants but cannot act for the company.
ALTER TABLE memberships ADD COLUMN blocked_at INTEGER;
