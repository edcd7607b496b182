-- The context is scoped exactly like PostgreSQL's own settings.
SET SESSION AUTHORIZATION regress_tenancy_auth;

-- Transaction-local context is gone after COMMIT and after ROLLBACK.
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'b0b00000-0000-4000-8000-000000000b0b');
SELECT tenancy.current_org_id();
COMMIT;
SELECT tenancy.current_org_id() AS after_commit;
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'b0b00000-0000-4000-8000-000000000b0b');
ROLLBACK;
SELECT tenancy.current_org_id() AS after_rollback;

-- ROLLBACK TO SAVEPOINT restores the previous context; RELEASE keeps the new one.
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1');
SAVEPOINT s1;
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1');
SELECT tenancy.current_org_id(), tenancy.current_org_role();
ROLLBACK TO SAVEPOINT s1;
SELECT tenancy.current_org_id() AS restored_org, tenancy.current_org_role() AS restored_role;
SAVEPOINT s2;
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1');
RELEASE SAVEPOINT s2;
SELECT tenancy.current_org_id() AS released_org;
COMMIT;

-- A session context set inside a transaction that rolls back never existed.
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
ROLLBACK;
SELECT tenancy.current_org_id() AS session_set_rolled_back;

-- RESET ALL and DISCARD ALL clear a session context, also for a plain role.
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
SELECT tenancy.current_org_id() AS session_context;
RESET ALL;
SELECT tenancy.current_org_id() AS after_reset_all;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
DISCARD ALL;
SELECT tenancy.current_org_id() AS after_discard_all;
-- DISCARD ALL also reset the session authorization; take the auth role again.
SET SESSION AUTHORIZATION regress_tenancy_auth;

-- A prepared statement under a generic plan follows a context switch.
SET plan_cache_mode = force_generic_plan;
PREPARE visible_items AS
  SELECT count(*) FROM public.regress_items WHERE organization_id = tenancy.current_org_id();
BEGIN;
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1');
EXECUTE visible_items;
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1');
EXECUTE visible_items;
SELECT tenancy.clear_context();
EXECUTE visible_items;
COMMIT;
DEALLOCATE visible_items;
RESET plan_cache_mode;

-- A parallel worker sees the leader's context (the settings travel with the worker state).
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
BEGIN;
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT tenancy.current_org_id(), tenancy.current_org_role();
SELECT tenancy.current_org_id(), tenancy.current_org_role(), tenancy.has_role('VIEWER');
SELECT count(*) AS visible_in_worker FROM public.regress_items WHERE organization_id = tenancy.current_org_id();
COMMIT;
RESET ALL;
RESET SESSION AUTHORIZATION;
