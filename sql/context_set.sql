-- The trusted setter and the readers: membership checks, roles, NULL and bad input.
SET SESSION AUTHORIZATION regress_tenancy_auth;

-- No context: every reader answers NULL/false, require_org_id refuses with 42501.
SELECT tenancy.current_org_id(), tenancy.current_user_id(), tenancy.current_org_role(),
       tenancy.has_role('VIEWER'), tenancy.context();
SELECT outcome($$SELECT tenancy.require_org_id()$$);

-- A member takes their membership role when none is asked for.
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'b0b00000-0000-4000-8000-000000000b0b');
SELECT tenancy.current_org_id(), tenancy.current_user_id(), tenancy.current_org_role(),
       tenancy.require_org_id() = tenancy.current_org_id() AS require_matches;
SELECT r AS min_role, tenancy.has_role(r) FROM unnest(enum_range(NULL::tenancy.org_role)) AS r;
SELECT tenancy.has_role(NULL) IS NULL AS has_role_is_strict;
SELECT tenancy.context();
COMMIT;

-- A lower role may be asked for; an equal one too; a higher one is refused (42501).
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', 'VIEWER');
SELECT tenancy.current_org_role(), tenancy.has_role('MEMBER') AS can_write;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'b0b00000-0000-4000-8000-000000000b0b', 'MEMBER');
SELECT tenancy.current_org_role();
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'b0b00000-0000-4000-8000-000000000b0b', 'ADMIN')$$);
SELECT outcome($$SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1', 'MEMBER')$$);
-- The refused calls left the previous context in place.
SELECT tenancy.current_user_id(), tenancy.current_org_role();
COMMIT;

-- Non-members, unknown organizations, deleted organizations, inactive or deleted users and
-- ended memberships are all refused with 42501, and a foreign org reads like a missing one.
SELECT outcome($$SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'b0b00000-0000-4000-8000-000000000b0b')$$) AS not_a_member;
SELECT outcome($$SELECT tenancy.set_context('0d000000-0000-4000-8000-00000000000d', 'b0b00000-0000-4000-8000-000000000b0b')$$) AS unknown_org;
SELECT outcome($$SELECT tenancy.set_context('0c000000-0000-4000-8000-00000000000c', 'a1000000-0000-4000-8000-0000000000a1')$$) AS deleted_org;
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'ca000000-0000-4000-8000-0000000000ca')$$) AS inactive_user;
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'ee000000-0000-4000-8000-0000000000ee')$$) AS deleted_user;
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'da000000-0000-4000-8000-0000000000da')$$) AS ended_membership;
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'ffffffff-0000-4000-8000-0000000000ff')$$) AS unknown_user;

-- A service context (no user) gets exactly the role given; no role means read-only.
BEGIN;
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', role => 'ADMIN');
SELECT tenancy.current_org_id(), tenancy.current_user_id(), tenancy.current_org_role(), tenancy.has_role('ADMIN');
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b');
SELECT tenancy.current_org_role(), tenancy.has_role('VIEWER') AS read_only_has_no_role, tenancy.context();
SELECT outcome($$SELECT tenancy.set_context('0c000000-0000-4000-8000-00000000000c')$$) AS deleted_org_service;
SELECT outcome($$SELECT tenancy.set_context('0d000000-0000-4000-8000-00000000000d', role => 'OWNER')$$) AS unknown_org_service;
COMMIT;

-- NULL and bad input.
SELECT outcome($$SELECT tenancy.set_context(NULL)$$);
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', is_local => NULL)$$);
SELECT outcome($$SELECT tenancy.set_context('not-a-uuid')$$);
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', role => 'KING')$$);

-- Session scope survives the transaction; clear_context removes it.
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
SELECT tenancy.current_org_role(), tenancy.context() ->> 'scope' AS scope;
SELECT tenancy.clear_context();
SELECT tenancy.current_org_id(), tenancy.context();
RESET SESSION AUTHORIZATION;

-- The readers are open to the application role; the setter is not.
SET SESSION AUTHORIZATION regress_tenancy_app;
SELECT tenancy.current_org_id(), tenancy.clear_context();
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1')$$);
RESET SESSION AUTHORIZATION;

-- With tenancy.require_signed_context on, only superusers may still use set_context.
SET tenancy.require_signed_context = on;
SET SESSION AUTHORIZATION regress_tenancy_auth;
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1')$$);
RESET SESSION AUTHORIZATION;
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1')$$) AS superuser_still_can;
RESET tenancy.require_signed_context;

-- Membership answers are cached per backend, yet any change to the identity tables empties
-- the cache of every backend: removals, demotions and deactivations take effect at once.
CREATE FUNCTION pg_temp.bob_switch(role tenancy.org_role DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
  SELECT outcome(format('SELECT tenancy.set_context(%L, %L, %L)', '0a000000-0000-4000-8000-00000000000a',
                        'b0b00000-0000-4000-8000-000000000b0b', role))
$$;
SELECT pg_temp.bob_switch() AS cached_member;
UPDATE tenancy.organization_members SET deleted_at = now() WHERE user_id = 'b0b00000-0000-4000-8000-000000000b0b';
SELECT pg_temp.bob_switch() AS after_removal;
UPDATE tenancy.organization_members SET deleted_at = NULL WHERE user_id = 'b0b00000-0000-4000-8000-000000000b0b';
SELECT pg_temp.bob_switch() AS after_restore;
UPDATE tenancy.organization_members SET role = 'VIEWER' WHERE user_id = 'b0b00000-0000-4000-8000-000000000b0b';
SELECT pg_temp.bob_switch('MEMBER') AS after_demotion;
UPDATE tenancy.organization_members SET role = 'MEMBER' WHERE user_id = 'b0b00000-0000-4000-8000-000000000b0b';
UPDATE tenancy.users SET is_active = false WHERE id = 'b0b00000-0000-4000-8000-000000000b0b';
SELECT pg_temp.bob_switch() AS after_deactivation;
UPDATE tenancy.users SET is_active = true WHERE id = 'b0b00000-0000-4000-8000-000000000b0b';
UPDATE tenancy.organizations SET deleted_at = now() WHERE id = '0a000000-0000-4000-8000-00000000000a';
SELECT pg_temp.bob_switch() AS after_org_deletion;
UPDATE tenancy.organizations SET deleted_at = NULL WHERE id = '0a000000-0000-4000-8000-00000000000a';
SELECT pg_temp.bob_switch() AS all_restored;
-- A removal inside a transaction that rolls back leaves the membership in force afterwards.
BEGIN;
DELETE FROM tenancy.organization_members WHERE user_id = 'b0b00000-0000-4000-8000-000000000b0b';
SELECT pg_temp.bob_switch() AS inside_removing_transaction;
ROLLBACK;
SELECT pg_temp.bob_switch() AS after_rollback;
-- The invalidation triggers fire once per statement, in every replication role (ALWAYS).
SELECT tgname, pg_get_triggerdef(oid) ~ 'FOR EACH STATEMENT' AS per_statement, tgenabled
  FROM pg_trigger WHERE tgname LIKE '%identity_changed' ORDER BY tgname;
SELECT outcome($$SELECT tenancy.identity_changed()$$) AS not_as_trigger;

-- Function labels are what the contract says.
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict, p.prosecdef,
       has_function_privilege('regress_tenancy_app', p.oid, 'EXECUTE') AS app_can_execute
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'tenancy' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND p.proname IN ('set_context', 'set_context_token', 'clear_context', 'current_org_id',
                     'current_user_id', 'current_org_role', 'has_role', 'require_org_id', 'context',
                     'generate_context_keypair', 'sign_context_token', 'identity_changed')
 ORDER BY p.proname;
