-- Secrets the instances share (one database, several stateless instances): made by the first
-- instance that needs one, read by every other.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
