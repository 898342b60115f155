-- Files kept for a while, in chunks, so that any instance serves them: a list of numbers
-- uploaded for a bulk change (kept between its preview and its confirm), an ended bulk
-- operation's results file. Each expires.
CREATE TABLE files (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    created_by INTEGER REFERENCES users(id),
    token_id   INTEGER REFERENCES api_tokens(id),
    -- What it is for: a list uploaded for a bulk change, an ended operation's results.
    purpose    TEXT NOT NULL CHECK (purpose IN ('bulk_list', 'bulk_results')),
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX files_company ON files (company_id, purpose, name);
CREATE INDEX files_expiry ON files (expires_at);

CREATE TABLE file_chunks (
    file_id INTEGER NOT NULL REFERENCES files(id),
    seq     INTEGER NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (file_id, seq)
);
