-- A line change the operator's network has been asked for and the database not yet written:
-- the request (with its idempotency key), the writes to make, the audit entry and the permit
-- it acts for. One per line at a time: while it is here, other changes to the line are
-- refused. A row whose lease ran out (the process died mid-call) is finished on the next
-- sweep: the request is sent again under the same key and the answer recorded.
CREATE TABLE pending_changes (
    line_id BIGINT PRIMARY KEY REFERENCES lines(id),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL
);
CREATE INDEX pending_changes_lease ON pending_changes (lease_until);
