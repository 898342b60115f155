-- Browsers a user has signed in from (a random token in a long-lived cookie, stored hashed):
-- a sign-in from one not on the list sends the user an e-mail.
CREATE TABLE known_devices (
    user_id      BIGINT NOT NULL REFERENCES users(id),
    device_hash  TEXT NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    first_ip     TEXT NOT NULL DEFAULT '',
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);
