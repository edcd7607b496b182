-- tenancy.distribute(): scale-out with Citus (API.md section 8). The tenant tables become hash-
-- distributed tables, co-located by organization_id (dependencies by source_org_id), and the
-- identity and platform tables become reference tables (a copy on every node). What Citus
-- requires of the schema (checked statically by the schema_admin test): every primary key and
-- unique index of a tenant table includes the distribution column; a foreign key between
-- tenant tables includes it at the same position on both sides; a foreign key that includes
-- it never uses SET NULL / SET DEFAULT (nor ON UPDATE CASCADE); reference tables reference
-- only reference tables. Nothing updates organization_id: the policies' WITH CHECK keeps an
-- application role from moving a row to another organization, and once distributed Citus
-- refuses to change a distribution column for everyone, superusers included.
--
-- Running the application on a Citus cluster:
-- * Every node needs the tenancy library and extension files; Citus creates the extension on
--   the workers when the first table is distributed.
-- * The tenant context must reach the workers, where the shards' policies are evaluated too.
--   Only SET commands travel there, and only SET LOCAL inside a transaction block with
--   citus.propagate_set_commands = 'local' (a per-session or per-role setting, not something
--   distribute() can set for the application). So use signed context tokens:
--     SET citus.propagate_set_commands = 'local';   -- or ALTER ROLE app SET ...
--     BEGIN; SET LOCAL tenancy.context_token = '<jwt>'; ...; COMMIT;
--   with the same tenancy.context_public_keys on every node. set_context() is a function
--   call, which Citus does not forward; and it reads memberships from the coordinator's local
--   tables, which distribute() empties (their rows now live in the shards), so it fails
--   closed there (42501) rather than answering from a stale copy.
-- * The tables' triggers (updated_at, append-only, last OWNER, time zone checks) run on the
--   shards, so distribute() turns citus.enable_unsafe_triggers on for its own transaction.
--   They only read the row itself, reference tables, or rows of the same organization (which
--   are co-located), so they stay correct per shard.
-- * auto_rls_schemas stays a local table of the coordinator: only the DDL event trigger
--   reads it, where the DDL runs.

-- The order in which distribute() converts the tables, and how. Reference tables first, in
-- foreign-key order (a referenced table before the tables that reference it), then the tenant
-- tables: organization_members starts a co-location group ('none') and every other tenant
-- table joins it, again in foreign-key order; local tables last (distribute() skips them).
-- Within one round of the foreign-key order, tables come by name.
CREATE FUNCTION tenancy.distribution_plan()
RETURNS TABLE (step integer, table_name regclass, method text, distribution_column name,
               colocate_with regclass)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  anchor CONSTANT regclass := 'tenancy.organization_members';
  local_tables CONSTANT regclass[] := ARRAY['tenancy.auto_rls_schemas'::regclass];
  kind text;
  pending regclass[];
  ready regclass[];
  tbl regclass;
BEGIN
  step := 0;
  FOREACH kind IN ARRAY ARRAY['reference', 'distributed'] LOOP
    -- The tables of this kind: distributed ones have a tenant column.
    SELECT coalesce(array_agg(c.oid::regclass ORDER BY c.relname COLLATE "C"), '{}') INTO pending
      FROM pg_class c
     WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND c.oid <> ALL (local_tables)
       AND (kind = 'distributed') = EXISTS (SELECT 1 FROM pg_attribute a
                                             WHERE a.attrelid = c.oid AND NOT a.attisdropped
                                               AND a.attname IN ('organization_id', 'source_org_id'));
    IF kind = 'distributed' AND anchor = ANY (pending) THEN
      step := step + 1;
      table_name := anchor;
      method := 'distributed';
      distribution_column := 'organization_id';
      colocate_with := NULL;
      RETURN NEXT;
      pending := array_remove(pending, anchor);
    END IF;
    WHILE cardinality(pending) > 0 LOOP
      -- This round: the pending tables that reference no other pending table.
      SELECT coalesce(array_agg(p.t ORDER BY p.ord), '{}') INTO ready
        FROM unnest(pending) WITH ORDINALITY AS p(t, ord)
       WHERE NOT EXISTS (SELECT 1 FROM pg_constraint f
                          WHERE f.contype = 'f' AND f.conrelid = p.t AND f.confrelid <> p.t
                            AND f.confrelid = ANY (pending));
      IF cardinality(ready) = 0 THEN
        RAISE EXCEPTION 'the foreign keys of % form a cycle, so they cannot be distributed one by one',
          array_to_string(pending::text[], ', ')
          USING ERRCODE = '55000';
      END IF;
      FOREACH tbl IN ARRAY ready LOOP
        step := step + 1;
        table_name := tbl;
        method := kind;
        distribution_column := NULL;
        colocate_with := NULL;
        IF kind = 'distributed' THEN
          SELECT a.attname INTO distribution_column
            FROM pg_attribute a
           WHERE a.attrelid = tbl AND NOT a.attisdropped AND a.attname IN ('organization_id', 'source_org_id')
           ORDER BY a.attname = 'organization_id' DESC
           LIMIT 1;
          colocate_with := anchor;
        END IF;
        RETURN NEXT;
      END LOOP;
      pending := ARRAY(SELECT p.t FROM unnest(pending) AS p(t) WHERE p.t <> ALL (ready));
    END LOOP;
  END LOOP;
  FOREACH tbl IN ARRAY local_tables LOOP
    step := step + 1;
    table_name := tbl;
    method := 'local';
    distribution_column := NULL;
    colocate_with := NULL;
    RETURN NEXT;
  END LOOP;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.distribution_plan() FROM PUBLIC;
COMMENT ON FUNCTION tenancy.distribution_plan() IS
  'What tenancy.distribute() does, in order: reference tables, then tenant tables co-located by organization_id, then local tables.';

-- Distributes the schema with Citus, following distribution_plan(). Tables that are already
-- Citus tables are skipped, so a second call (or one after a failure) finishes the job. The
-- citus calls go through EXECUTE: this function is created whether or not Citus exists.
CREATE FUNCTION tenancy.distribute() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  plan record;
  converted regclass[] := '{}';
  is_citus_table boolean;
  tbl regclass;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = current_user AND r.rolsuper) THEN
    RAISE EXCEPTION 'only a superuser can distribute the tenancy tables' USING ERRCODE = '42501';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'citus') THEN
    RAISE EXCEPTION 'the citus extension is not installed in this database'
      USING ERRCODE = '55000',
            DETAIL = 'tenancy.distribute() turns the tenancy tables into Citus distributed and reference tables.',
            HINT = 'Install Citus on every node, add it to shared_preload_libraries, and CREATE EXTENSION citus first.';
  END IF;
  -- Reference tables and the tables with foreign keys to them are created in one transaction:
  -- Citus needs sequential shard operations for that. The triggers: see the top of this file.
  PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
  FOR plan IN SELECT p.* FROM tenancy.distribution_plan() p WHERE p.method <> 'local' ORDER BY p.step LOOP
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition d WHERE d.logicalrelid = $1)'
      INTO is_citus_table USING plan.table_name;
    CONTINUE WHEN is_citus_table;
    IF plan.method = 'reference' THEN
      EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING plan.table_name;
    ELSE
      EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
        USING plan.table_name, plan.distribution_column::text, coalesce(plan.colocate_with::text, 'none');
    END IF;
    converted := converted || plan.table_name;
  END LOOP;
  -- Citus copied the rows into the shards and left them in the local tables, where nothing
  -- reads them any more but set_context's direct lookups would: empty the local tables.
  FOREACH tbl IN ARRAY converted LOOP
    EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)' USING tbl;
  END LOOP;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.distribute() FROM PUBLIC;
COMMENT ON FUNCTION tenancy.distribute() IS
  'Distributes the tenancy tables with Citus (tenant tables by organization_id, co-located; identity and platform tables as reference tables). Superuser only; 55000 without the citus extension.';
