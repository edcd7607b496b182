-- The RLS lint (API.md section 2): every gap in the isolation of the given schemas.
-- A tenant table is one with an organization_id column, or one carrying tenancy_* policies.

CREATE FUNCTION tenancy.rls_audit(schemas name[] DEFAULT NULL)
RETURNS TABLE (table_name regclass, check_name text, severity text, detail text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH audited_schemas AS (
  SELECT n.oid, n.nspname
    FROM pg_namespace n
   WHERE (schemas IS NULL AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%')
      OR n.nspname = ANY (schemas)
),
tables AS (
  SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relkind,
         (SELECT a.attnum FROM pg_attribute a
           WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped) AS tenant_attnum
    FROM pg_class c JOIN audited_schemas s ON s.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p')
),
tenant_tables AS (
  SELECT t.* FROM tables t
   WHERE t.tenant_attnum IS NOT NULL
      OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid AND p.polname LIKE 'tenancy\_%')
),
commands(cmd, label) AS (
  VALUES ('r'::"char", 'SELECT'), ('a', 'INSERT'), ('w', 'UPDATE'), ('d', 'DELETE')
)
-- 1. A tenant column but row level security is off: every row of every tenant is visible.
SELECT t.oid::regclass, 'rls_disabled', 'error',
       'has a tenant column but row level security is not enabled; run tenancy.enable_rls()'
  FROM tenant_tables t WHERE NOT t.relrowsecurity
UNION ALL
-- 2. Enabled but not forced: the table owner bypasses the policies.
SELECT t.oid::regclass, 'rls_not_forced', 'error',
       'row level security is enabled but not forced, so the table owner bypasses it'
  FROM tenant_tables t WHERE t.relrowsecurity AND NOT t.relforcerowsecurity
UNION ALL
-- 3. A command no policy allows: it is refused for everyone (default deny), usually a gap.
SELECT t.oid::regclass, 'command_without_policy', 'warning',
       format('no policy allows %s, so it is refused for every role', c.label)
  FROM tenant_tables t CROSS JOIN commands c
 WHERE t.relrowsecurity
   AND NOT EXISTS (SELECT 1 FROM pg_policy p
                    WHERE p.polrelid = t.oid AND p.polpermissive AND p.polcmd IN (c.cmd, '*'))
UNION ALL
-- 4. No index leads with the tenant column: every tenant-filtered query scans the table.
SELECT t.oid::regclass, 'tenant_column_not_indexed', 'warning',
       'no index starts with organization_id, so tenant-filtered queries cannot use an index'
  FROM tenant_tables t
 WHERE t.tenant_attnum IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indkey[0] = t.tenant_attnum)
UNION ALL
-- 5. A unique constraint without the tenant column: another tenant's values leak through
--    unique violations, and the table cannot be distributed by tenant.
SELECT t.oid::regclass, 'unique_without_tenant_column', 'warning',
       format('unique index %s does not include organization_id', i.indexrelid::regclass)
  FROM tenant_tables t JOIN pg_index i ON i.indrelid = t.oid
 WHERE t.tenant_attnum IS NOT NULL AND i.indisunique
   AND NOT (t.tenant_attnum = ANY (i.indkey::int2[]))
UNION ALL
-- 6. A view over an RLS table that runs with its owner's rights.
SELECT v.oid::regclass, 'view_without_security_invoker', 'error',
       format('view reads %s with its owner''s rights; recreate it WITH (security_invoker = true)',
              string_agg(DISTINCT d.refobjid::regclass::text, ', '))
  FROM pg_class v
  JOIN audited_schemas s ON s.oid = v.relnamespace
  JOIN pg_rewrite r ON r.ev_class = v.oid
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                  AND d.refclassid = 'pg_class'::regclass
  JOIN pg_class base ON base.oid = d.refobjid AND base.relrowsecurity AND base.oid <> v.oid
 WHERE v.relkind = 'v'
   AND NOT coalesce((SELECT o.option_value::boolean FROM pg_options_to_table(v.reloptions) o
                      WHERE o.option_name = 'security_invoker'), false)
 GROUP BY v.oid
UNION ALL
-- 7. SECURITY DEFINER functions without a pinned search_path can be hijacked.
SELECT NULL::regclass, 'security_definer_without_search_path', 'error',
       format('function %s is SECURITY DEFINER without SET search_path', p.oid::regprocedure)
  FROM pg_proc p JOIN audited_schemas s ON s.oid = p.pronamespace
 WHERE p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) cfg WHERE cfg LIKE 'search\_path=%')
ORDER BY 1, 2, 4
$$;
COMMENT ON FUNCTION tenancy.rls_audit(name[]) IS
  'Lints isolation in the given schemas (default: all user schemas). Zero rows means clean.';
