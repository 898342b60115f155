-- An operation asked for through an API token is that token's: a delegated token sees the
-- operations it asked for, as a person sees theirs.
ALTER TABLE bulk_operations ADD COLUMN token_id BIGINT REFERENCES api_tokens(id);
