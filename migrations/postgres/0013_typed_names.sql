-- A grant shows the number and the name its granter typed; a person's own name shows in a
-- company only once they have signed in to it (nothing of another company's users leaks).
ALTER TABLE grants ADD COLUMN holder_name TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN joined_at BIGINT;
-- Members so far who are known to their company: admins the operator made, and whoever signed
-- in to it. Others invited by a grant show the granter's name for them, like new invitations.
UPDATE memberships SET joined_at = created_at
WHERE role = 'admin'
   OR EXISTS (SELECT 1 FROM audit_log a
              WHERE a.actor_id = memberships.user_id AND a.company_id = memberships.company_id
                AND a.action IN ('session.login', 'session.company'));
-- A person this company's grant brought in was named by its granter: that name stays theirs.
UPDATE memberships SET display_name = (SELECT u.full_name FROM users u WHERE u.id = memberships.user_id)
WHERE joined_at IS NULL
  AND EXISTS (SELECT 1 FROM users u WHERE u.id = memberships.user_id
              AND u.created_at BETWEEN memberships.created_at - 60000 AND memberships.created_at + 60000);
UPDATE grants SET holder_name = COALESCE((SELECT m.display_name FROM memberships m
                                          WHERE m.user_id = grants.user_id AND m.company_id = grants.company_id), '')
WHERE user_id IS NOT NULL;

-- A first sign-in to a company changes no rights: only role and block changes reload them.
DROP TRIGGER memberships_bump ON memberships;
CREATE TRIGGER memberships_bump AFTER INSERT OR DELETE OR UPDATE OF role, blocked_at ON memberships
FOR EACH STATEMENT EXECUTE FUNCTION policy_bump_version();

-- A change key remembers what it was used for: the same key sent with another line or another
-- change is refused, not answered as already done.
ALTER TABLE change_keys ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
