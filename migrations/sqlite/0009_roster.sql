-- Roster imports: the uploaded file is kept (previews and the commit read it again, so the
-- commit applies exactly what the preview showed), and the columns an admin mapped by hand are
-- remembered for the company's next upload.
CREATE TABLE roster_uploads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    file_name  TEXT NOT NULL,
    content    BLOB NOT NULL,
    -- The job applying a large import.
    job_id     INTEGER REFERENCES jobs(id),
    -- Set when the import was applied.
    applied_at INTEGER,
    result     TEXT
);
CREATE INDEX roster_uploads_company ON roster_uploads (company_id, id);

CREATE TABLE roster_mappings (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    header_key TEXT NOT NULL,
    field      TEXT NOT NULL,
    PRIMARY KEY (company_id, header_key)
);
