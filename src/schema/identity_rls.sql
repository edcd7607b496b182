-- Row-level security of the global identity tables (SCHEMA.md): organizations are visible to
-- their members and in their own context; users see themselves and the members of the current
-- organization. (organization_members is a tenant table, isolated with enable_rls.) The
-- policies are hand-written, so they are not named tenancy_*: that prefix marks the ones the
-- generators own (and rls_audit treats tables carrying them as tenant tables).

-- The organizations where the context's user has a live membership. SECURITY DEFINER: the
-- memberships of other organizations are not visible to the caller, but the user's own
-- organization ids are exactly what the caller may know.
CREATE FUNCTION tenancy.user_org_ids() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  SELECT ARRAY(SELECT m.organization_id FROM tenancy.organization_members m
                WHERE m.user_id OPERATOR(pg_catalog.=) tenancy.current_user_id()
                  AND m.deleted_at IS NULL
                ORDER BY m.organization_id)
$$;
COMMENT ON FUNCTION tenancy.user_org_ids() IS 'Organizations in which the context''s user is a live member.';

ALTER TABLE tenancy.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_visible ON tenancy.organizations FOR SELECT
  USING (id OPERATOR(pg_catalog.=) tenancy.current_org_id()
         OR id OPERATOR(pg_catalog.=) ANY ((SELECT tenancy.user_org_ids())::pg_catalog.uuid[]));
CREATE POLICY organizations_admin_update ON tenancy.organizations FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('ADMIN'))
  WITH CHECK (id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('ADMIN'));
-- No INSERT or DELETE policy: organizations are created by tenancy.create_organization and
-- create_user, and soft-deleted (deleted_at) by an ADMIN's UPDATE.

ALTER TABLE tenancy.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_visible ON tenancy.users FOR SELECT
  USING (id OPERATOR(pg_catalog.=) tenancy.current_user_id()
         OR EXISTS (SELECT 1 FROM tenancy.organization_members m
                     WHERE m.user_id OPERATOR(pg_catalog.=) users.id
                       AND m.organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id()
                       AND m.deleted_at IS NULL));
CREATE POLICY users_self_update ON tenancy.users FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) tenancy.current_user_id())
  WITH CHECK (id OPERATOR(pg_catalog.=) tenancy.current_user_id());
-- No INSERT or DELETE policy: users are created by tenancy.create_user and soft-deleted.
