-- One row per thing a limit counts for (a number, an address, a company): a check takes its
-- row first, so two requests at once count one after the other on either database.
CREATE TABLE limit_keys (
    key TEXT PRIMARY KEY
);

-- Invitation SMS sent when a grant adds someone new to a company: limited per number and per
-- company, like sign-in codes.
CREATE TABLE invitations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    msisdn     TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX invitations_msisdn ON invitations (msisdn, at);
CREATE INDEX invitations_company ON invitations (company_id, at);
