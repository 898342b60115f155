-- Every wrong second-factor code, across sign-ins, restarts and instances: 10 for a user in
-- 15 minutes stop the second step for that user, 20 from one address make the address wait.
CREATE TABLE second_factor_failures (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    ip      TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX second_factor_failures_user ON second_factor_failures (user_id, at);
CREATE INDEX second_factor_failures_ip ON second_factor_failures (ip, at);
