-- A grant shows the number and the name its granter typed; a person's own name shows in a
-- company only once they have signed in to it (nothing of another company's users leaks).
ALTER TABLE grants ADD COLUMN holder_name TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN joined_at BIGINT;
-- Members so far were made by the operator or signed in already.
UPDATE memberships SET joined_at = created_at;

-- A first sign-in to a company changes no rights: only role and block changes reload them.
DROP TRIGGER memberships_bump ON memberships;
CREATE TRIGGER memberships_bump AFTER INSERT OR DELETE OR UPDATE OF role, blocked_at ON memberships
FOR EACH STATEMENT EXECUTE FUNCTION policy_bump_version();

-- A change key remembers what it was used for: the same key sent with another line or another
-- change is refused, not answered as already done.
ALTER TABLE change_keys ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
