-- Sharing between organizations: share_with / unshare / visible_orgs, and tables isolated with
-- a share_scope. A grantee reads the grantor's rows of that scope while the share is live, and
-- never writes them. Orgs A and B come from context_setup; org E is made here.

CREATE ROLE regress_share_app NOLOGIN;
CREATE ROLE regress_share_owner NOLOGIN;

CREATE FUNCTION public.shr_a() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '0a000000-0000-4000-8000-00000000000a'::uuid $$;
CREATE FUNCTION public.shr_b() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '0b000000-0000-4000-8000-00000000000b'::uuid $$;
CREATE FUNCTION public.shr_e() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '0e000000-0000-4000-8000-00000000000e'::uuid $$;
-- 'A', 'B', 'E' (or the uuid) for display; arrays too.
CREATE FUNCTION public.shr_org(org uuid) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE org WHEN public.shr_a() THEN 'A' WHEN public.shr_b() THEN 'B'
                  WHEN public.shr_e() THEN 'E' ELSE org::text END $$;
CREATE FUNCTION public.shr_orgs(orgs uuid[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '{' || coalesce(string_agg(public.shr_org(o), ',' ORDER BY n), '') || '}'
    FROM unnest(orgs) WITH ORDINALITY AS u(o, n) $$;
-- Sets the tenant context (as the trusted caller) and says which one is in force.
CREATE FUNCTION public.shr_as(org uuid, r tenancy.org_role DEFAULT NULL, usr uuid DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tenancy.set_context(org, usr, r);
  RETURN public.shr_org(tenancy.current_org_id()) || ' ' ||
         coalesce(tenancy.current_org_role()::text, 'read-only');
END $$;

-- A third live organization.
INSERT INTO tenancy.organizations (id, name, slug) VALUES (shr_e(), 'Org E', 'org-e');

-- Three tables with the same rows: one shared by scope 'ledger', one by 'dependencies', one
-- not shared at all.
CREATE TABLE public.shr_ledger (
  organization_id uuid NOT NULL,
  id int NOT NULL,
  note text NOT NULL,
  PRIMARY KEY (organization_id, id)
);
INSERT INTO public.shr_ledger VALUES (shr_a(), 1, 'a-1'), (shr_a(), 2, 'a-2'), (shr_b(), 1, 'b-1'),
                                     (shr_e(), 1, 'e-1');
CREATE TABLE public.shr_deps (LIKE public.shr_ledger INCLUDING ALL);
INSERT INTO public.shr_deps SELECT * FROM public.shr_ledger;
CREATE TABLE public.shr_private (LIKE public.shr_ledger INCLUDING ALL);
INSERT INTO public.shr_private SELECT * FROM public.shr_ledger;
ALTER TABLE public.shr_ledger OWNER TO regress_share_owner;
ALTER TABLE public.shr_deps OWNER TO regress_share_owner;
ALTER TABLE public.shr_private OWNER TO regress_share_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.shr_ledger, public.shr_deps, public.shr_private
  TO regress_share_app;
-- Direct access to org_shares too, to show that its own policies hold.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.org_shares TO regress_share_app;
SET client_min_messages = warning;  -- the generated DDL's DROP POLICY IF EXISTS notices
SET ROLE regress_share_owner;
SELECT tenancy.enable_rls('public.shr_ledger', share_scope => 'ledger') IS NOT NULL AS enabled;
SELECT tenancy.enable_rls('public.shr_deps', share_scope => 'dependencies') IS NOT NULL AS enabled;
SELECT tenancy.enable_rls('public.shr_private') IS NOT NULL AS enabled;
RESET ROLE;
RESET client_min_messages;

-- Rows as every organization sees them (run with a context, as the application role).
CREATE FUNCTION public.shr_seen() RETURNS TABLE (tbl text, orgs text, rows text)
LANGUAGE sql STABLE AS $$
  SELECT 'shr_ledger', shr_orgs(tenancy.visible_orgs('ledger')),
         (SELECT string_agg(note, ',' ORDER BY note) FROM public.shr_ledger)
  UNION ALL
  SELECT 'shr_deps', shr_orgs(tenancy.visible_orgs('dependencies')),
         (SELECT string_agg(note, ',' ORDER BY note) FROM public.shr_deps)
  UNION ALL
  SELECT 'shr_private', NULL, (SELECT string_agg(note, ',' ORDER BY note) FROM public.shr_private)
$$;

--
-- No context: visible_orgs is empty, and nothing is visible.
--
SELECT tenancy.visible_orgs('ledger') AS superuser_no_context, tenancy.visible_orgs(NULL) IS NULL AS strict;
SET ROLE regress_share_app;
SELECT tenancy.visible_orgs('ledger') AS no_context, tenancy.visible_orgs('dependencies') AS no_context_deps;
SELECT * FROM shr_seen() ORDER BY tbl;
RESET ROLE;

--
-- No shares yet: each org sees its own rows only.
--
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM shr_seen() ORDER BY tbl;
ROLLBACK;

--
-- share_with / unshare refuse bad callers and bad arguments, and create nothing.
--
BEGIN;
SELECT shr_as(shr_a(), 'MEMBER');
SET LOCAL ROLE regress_share_app;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), 'ledger')$$) AS member_shares;
SELECT outcome($$SELECT tenancy.unshare(shr_b(), 'ledger')$$) AS member_unshares;
ROLLBACK;
BEGIN;
SELECT shr_as(shr_a(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), 'ledger')$$) AS viewer_shares;
ROLLBACK;
BEGIN;
SELECT shr_as(shr_a());
SET LOCAL ROLE regress_share_app;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), 'ledger')$$) AS read_only_shares;
ROLLBACK;
SET ROLE regress_share_app;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), 'ledger')$$) AS no_context_shares;
SELECT outcome($$SELECT tenancy.unshare(shr_b(), 'ledger')$$) AS no_context_unshares;
RESET ROLE;
BEGIN;
SELECT shr_as(shr_a(), 'ADMIN');
SET LOCAL ROLE regress_share_app;
SELECT outcome($$SELECT tenancy.share_with(shr_a(), 'ledger')$$) AS self;
SELECT outcome($$SELECT tenancy.share_with('ffffffff-0000-4000-8000-0000000000ff', 'ledger')$$) AS unknown_grantee;
SELECT outcome($$SELECT tenancy.share_with('0c000000-0000-4000-8000-00000000000c', 'ledger')$$) AS deleted_grantee;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), 'everything')$$) AS bad_scope;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), 'Ledger')$$) AS bad_scope_case;
SELECT outcome($$SELECT tenancy.share_with(NULL, 'ledger')$$) AS null_grantee;
SELECT outcome($$SELECT tenancy.share_with(shr_b(), NULL)$$) AS null_scope;
SELECT outcome($$SELECT tenancy.unshare(NULL, 'ledger')$$) AS unshare_null_grantee;
SELECT outcome($$SELECT tenancy.unshare(shr_b(), NULL)$$) AS unshare_null_scope;
-- Unsharing what was never shared is a no-op.
SELECT outcome($$SELECT tenancy.unshare(shr_b(), 'ledger')$$) AS unshare_nothing;
ROLLBACK;
SELECT count(*) AS shares FROM tenancy.org_shares;

--
-- A (ADMIN) shares its ledger with B. share_with is idempotent: the same id again, one live row.
--
BEGIN;
SELECT shr_as(shr_a(), 'ADMIN');
SET LOCAL ROLE regress_share_app;
SELECT tenancy.share_with(shr_b(), 'ledger') AS share_ab \gset
SELECT tenancy.share_with(shr_b(), 'ledger') = :'share_ab' AS same_id;
COMMIT;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope,
       id = :'share_ab' AS is_share_ab, revoked_at IS NULL AS live
  FROM tenancy.org_shares ORDER BY grantor, grantee, scope;

-- B now reads A's ledger rows, but not A's dependencies or private rows; visible_orgs lists
-- B's own org first.
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM shr_seen() ORDER BY tbl;
SELECT shr_org(organization_id) AS org, id, note FROM shr_ledger ORDER BY org, id;
ROLLBACK;
-- Sharing is one-way: A still sees only its own rows; E sees nothing of A or B.
BEGIN;
SELECT shr_as(shr_a(), 'OWNER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM shr_seen() ORDER BY tbl;
ROLLBACK;
BEGIN;
SELECT shr_as(shr_e(), 'OWNER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM shr_seen() ORDER BY tbl;
ROLLBACK;

--
-- B never writes A's rows, whatever its role: inserts and moves are refused, updates and
-- deletes of A's rows touch nothing.
--
BEGIN;
SELECT shr_as(shr_b(), 'OWNER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM outcomes(
  $$INSERT INTO shr_ledger VALUES (shr_a(), 10, 'from-b')$$,
  $$INSERT INTO shr_ledger VALUES (shr_a(), 1, 'from-b') ON CONFLICT (organization_id, id) DO UPDATE SET note = excluded.note$$,
  $$INSERT INTO shr_ledger VALUES (shr_a(), 1, 'from-b') ON CONFLICT DO NOTHING$$,
  $$UPDATE shr_ledger SET note = note || '!' WHERE organization_id = shr_a()$$,
  $$UPDATE shr_ledger SET note = note || '!'$$,
  $$UPDATE shr_ledger SET organization_id = shr_a() WHERE id = 1$$,
  $$DELETE FROM shr_ledger WHERE organization_id = shr_a()$$,
  $$DELETE FROM shr_ledger WHERE id = 2$$,
  $$INSERT INTO shr_ledger SELECT shr_b(), id + 100, note FROM shr_ledger WHERE organization_id = shr_a()$$);
-- Row locks need the UPDATE policy: A's rows cannot be locked by B.
SELECT shr_org(organization_id) AS org, id FROM shr_ledger ORDER BY org, id FOR UPDATE;
-- B reads A's rows and its own copies of them (the INSERT ... SELECT above).
SELECT shr_org(organization_id) AS org, id, note FROM shr_ledger ORDER BY org, id;
RESET ROLE;
SELECT shr_org(organization_id) AS org, id, note FROM shr_ledger ORDER BY org, id;
ROLLBACK;
-- A B MEMBER (service context) likewise.
BEGIN;
SELECT shr_as(shr_b(), 'MEMBER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM outcomes(
  $$UPDATE shr_ledger SET note = 'x' WHERE organization_id = shr_a()$$,
  $$DELETE FROM shr_ledger$$);
ROLLBACK;

--
-- org_shares: rows are visible to grantor and grantee only, and writable by the grantor's
-- ADMINs only. E shares its ledger with B as well.
--
BEGIN;
SELECT shr_as(shr_e(), 'ADMIN');
SET LOCAL ROLE regress_share_app;
SELECT tenancy.share_with(shr_b(), 'ledger') IS NOT NULL AS shared;
COMMIT;
BEGIN;
SELECT shr_as(shr_a(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope FROM tenancy.org_shares ORDER BY 1, 2, 3;
RESET ROLE;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope FROM tenancy.org_shares ORDER BY 1, 2, 3;
-- B sees both grantors, own org first, the others in id order.
SELECT * FROM shr_seen() ORDER BY tbl;
RESET ROLE;
SELECT shr_as(shr_e(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope FROM tenancy.org_shares ORDER BY 1, 2, 3;
ROLLBACK;
-- Forging or editing shares directly: refused or no effect.
BEGIN;
SELECT shr_as(shr_a(), 'ADMIN');
SET LOCAL ROLE regress_share_app;
SELECT * FROM outcomes(
  $$INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope) VALUES (shr_e(), shr_a(), 'ledger')$$,
  $$INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope) VALUES (shr_b(), shr_a(), 'ledger')$$,
  $$UPDATE tenancy.org_shares SET grantee_org_id = shr_a() WHERE organization_id = shr_e()$$,
  $$DELETE FROM tenancy.org_shares WHERE organization_id = shr_e()$$);
ROLLBACK;
BEGIN;
SELECT shr_as(shr_b(), 'OWNER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM outcomes(
  $$UPDATE tenancy.org_shares SET revoked_at = now()$$,
  $$UPDATE tenancy.org_shares SET organization_id = shr_b() WHERE grantee_org_id = shr_b()$$,
  $$DELETE FROM tenancy.org_shares$$,
  $$INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope) VALUES (shr_a(), shr_b(), 'dependencies')$$);
ROLLBACK;
BEGIN;
SELECT shr_as(shr_a(), 'MEMBER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM outcomes(
  $$INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope) VALUES (shr_a(), shr_e(), 'ledger')$$,
  $$UPDATE tenancy.org_shares SET revoked_at = now()$$,
  $$DELETE FROM tenancy.org_shares$$);
ROLLBACK;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope,
       revoked_at IS NULL AS live
  FROM tenancy.org_shares ORDER BY grantor, grantee, scope;

-- A soft-deleted grantor's shares stop counting.
UPDATE tenancy.organizations SET deleted_at = now() WHERE id = shr_e();
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
SELECT * FROM shr_seen() ORDER BY tbl;
ROLLBACK;
UPDATE tenancy.organizations SET deleted_at = NULL WHERE id = shr_e();

--
-- Revoking takes effect at once: in the same transaction's next statement, and for a
-- prepared statement with a cached generic plan.
--
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_share_app;
PREPARE ledger_q AS SELECT shr_org(organization_id) AS org, id, note FROM shr_ledger ORDER BY org, id;
RESET ROLE;
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
EXECUTE ledger_q;
RESET ROLE;
SELECT shr_as(shr_a(), 'ADMIN');
SET LOCAL ROLE regress_share_app;
SELECT tenancy.unshare(shr_b(), 'ledger');
RESET ROLE;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
EXECUTE ledger_q;
SELECT shr_orgs(tenancy.visible_orgs('ledger')) AS visible;
ROLLBACK;
-- The same with the revocation committed in between.
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
EXECUTE ledger_q;
COMMIT;
BEGIN;
SELECT shr_as(shr_a(), 'ADMIN');
SET LOCAL ROLE regress_share_app;
SELECT tenancy.unshare(shr_b(), 'ledger');
SELECT tenancy.unshare(shr_b(), 'ledger') AS again;
COMMIT;
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
EXECUTE ledger_q;
SELECT * FROM shr_seen() ORDER BY tbl;
COMMIT;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope,
       id = :'share_ab' AS is_share_ab, revoked_at IS NULL AS live
  FROM tenancy.org_shares ORDER BY grantor, grantee, scope, live;

-- Sharing again makes a new share; B sees A's ledger again.
BEGIN;
SELECT shr_as(shr_a(), 'OWNER');
SET LOCAL ROLE regress_share_app;
SELECT tenancy.share_with(shr_b(), 'ledger') <> :'share_ab' AS new_id;
COMMIT;
BEGIN;
SELECT shr_as(shr_b(), 'VIEWER');
SET LOCAL ROLE regress_share_app;
EXECUTE ledger_q;
COMMIT;
DEALLOCATE ledger_q;
RESET plan_cache_mode;
SELECT shr_org(organization_id) AS grantor, shr_org(grantee_org_id) AS grantee, scope,
       count(*) AS shares, count(*) FILTER (WHERE revoked_at IS NULL) AS live
  FROM tenancy.org_shares GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Clean up: no shares, no org E, no test objects are left for later tests.
DELETE FROM tenancy.org_shares WHERE organization_id IN (shr_a(), shr_b(), shr_e());
DELETE FROM tenancy.organizations WHERE id = shr_e();
REVOKE ALL ON tenancy.org_shares FROM regress_share_app;
DROP TABLE public.shr_ledger, public.shr_deps, public.shr_private;
DROP FUNCTION public.shr_seen(), public.shr_as(uuid, tenancy.org_role, uuid),
  public.shr_orgs(uuid[]), public.shr_org(uuid), public.shr_a(), public.shr_b(), public.shr_e();
DROP ROLE regress_share_app, regress_share_owner;
SELECT count(*) AS shares_left FROM tenancy.org_shares;
