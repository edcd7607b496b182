-- RLS policy generators (API.md section 2). The DDL is generated in C++ from catalog facts,
-- with every identifier quoted and every name schema-qualified.

CREATE FUNCTION tenancy.rls_policy_sql(tbl regclass, tenant_column name DEFAULT 'organization_id',
                                       write_role tenancy.org_role DEFAULT 'MEMBER',
                                       delete_role tenancy.org_role DEFAULT 'ADMIN',
                                       share_scope text DEFAULT NULL)
RETURNS text LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_rls_policy_sql';
COMMENT ON FUNCTION tenancy.rls_policy_sql(regclass, name, tenancy.org_role, tenancy.org_role, text) IS
  'The DDL that enable_rls would run (ENABLE + FORCE RLS, tenancy_select/insert/update/delete), without running it.';

CREATE FUNCTION tenancy.enable_rls(tbl regclass, tenant_column name DEFAULT 'organization_id',
                                   write_role tenancy.org_role DEFAULT 'MEMBER',
                                   delete_role tenancy.org_role DEFAULT 'ADMIN',
                                   share_scope text DEFAULT NULL)
RETURNS text LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'tenancy_enable_rls';
COMMENT ON FUNCTION tenancy.enable_rls(regclass, name, tenancy.org_role, tenancy.org_role, text) IS
  'Isolates a table by organization: runs the rls_policy_sql DDL (idempotent; replaces only tenancy_* policies) and returns it.';

CREATE FUNCTION tenancy.enable_rls_via(tbl regclass, fk_column name, parent regclass,
                                       parent_key name DEFAULT 'id',
                                       write_role tenancy.org_role DEFAULT 'MEMBER',
                                       delete_role tenancy.org_role DEFAULT 'ADMIN')
RETURNS text LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'tenancy_enable_rls_via';
COMMENT ON FUNCTION tenancy.enable_rls_via(regclass, name, regclass, name, tenancy.org_role, tenancy.org_role) IS
  'Isolates a child table without a tenant column: its policies follow fk_column to a parent row of the current organization.';

CREATE FUNCTION tenancy.disable_rls(tbl regclass)
RETURNS void LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'tenancy_disable_rls';
COMMENT ON FUNCTION tenancy.disable_rls(regclass) IS 'Drops the tenancy_* policies of a table and disables row level security.';
