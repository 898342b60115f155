-- Tokens for the company's systems (the JSON API, `Authorization: Bearer`): a role, or rights
-- of their own through a grant (with its departments and lines); stored as SHA-256 only.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER NOT NULL REFERENCES companies(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'accountant', 'manager')),
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_company ON api_tokens (company_id);

-- Delegated rights: a company's admin grants a person a set of rights over chosen departments
-- (with everything under them) and single lines, until a date or until revoked.
CREATE TABLE grants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    -- A person, or an API token whose rights these are.
    user_id     INTEGER REFERENCES users(id),
    token_id    INTEGER REFERENCES api_tokens(id),
    granted_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    CHECK ((user_id IS NULL) <> (token_id IS NULL))
);
CREATE INDEX grants_user ON grants (user_id, company_id);
CREATE INDEX grants_company ON grants (company_id);

CREATE TABLE grant_rights (
    grant_id   INTEGER NOT NULL REFERENCES grants(id),
    right_code TEXT NOT NULL,
    PRIMARY KEY (grant_id, right_code)
);
CREATE TABLE grant_departments (
    grant_id      INTEGER NOT NULL REFERENCES grants(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    PRIMARY KEY (grant_id, department_id)
);
CREATE TABLE grant_lines (
    grant_id INTEGER NOT NULL REFERENCES grants(id),
    line_id  INTEGER NOT NULL REFERENCES lines(id),
    PRIMARY KEY (grant_id, line_id)
);

-- Bumped by triggers whenever roles or grants change: every instance reloads its enforcer on
-- the next request that reads a newer number with the session.
CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO policy_version (id, version) VALUES (1, 0);

CREATE TRIGGER memberships_bump_insert AFTER INSERT ON memberships BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER memberships_bump_update AFTER UPDATE ON memberships BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER memberships_bump_delete AFTER DELETE ON memberships BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER grants_bump_insert AFTER INSERT ON grants BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER grants_bump_update AFTER UPDATE ON grants BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER api_tokens_bump_insert AFTER INSERT ON api_tokens BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER api_tokens_bump_update AFTER UPDATE OF role, expires_at, revoked_at ON api_tokens BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER grant_rights_bump_insert AFTER INSERT ON grant_rights BEGIN
    UPDATE policy_version SET version = version + 1;
END;
CREATE TRIGGER grant_rights_bump_delete AFTER DELETE ON grant_rights BEGIN
    UPDATE policy_version SET version = version + 1;
END;
