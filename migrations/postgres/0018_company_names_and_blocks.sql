-- A company knows each member by the name it gave them: the name its granter typed, or the
-- operator at onboarding. Nothing another company typed for the same number shows in it. Each
-- member keeps the name their company shows for them today.
UPDATE memberships SET display_name = COALESCE((SELECT u.full_name FROM users u
                                                WHERE u.id = memberships.user_id), '')
WHERE display_name = '';

-- A block an admin set is lifted only by an admin (a delegated «Управление пользователями»
-- cannot undo it). Blocks set so far count as an admin's.
ALTER TABLE memberships ADD COLUMN blocked_by_admin BIGINT NOT NULL DEFAULT 0;
UPDATE memberships SET blocked_by_admin = 1 WHERE blocked_at IS NOT NULL;
