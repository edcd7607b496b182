-- Sharing between organizations (API.md section 4): an organization grants another one read
-- access to a scope of its data; policies built with share_scope read through visible_orgs().

CREATE TABLE tenancy.org_shares (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  grantee_org_id uuid NOT NULL REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  scope text NOT NULL CHECK (scope IN ('ledger', 'dependencies')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CHECK (grantee_org_id <> organization_id)
);
CREATE UNIQUE INDEX org_shares_live_key ON tenancy.org_shares (organization_id, grantee_org_id, scope)
  WHERE revoked_at IS NULL;
CREATE INDEX org_shares_grantee_idx ON tenancy.org_shares (grantee_org_id, scope) WHERE revoked_at IS NULL;
CREATE INDEX org_shares_grantee_org_id_idx ON tenancy.org_shares (grantee_org_id);
CREATE TRIGGER org_shares_touch_updated_at BEFORE UPDATE ON tenancy.org_shares
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.org_shares IS 'Read access that one organization grants another for a scope of its data.';
COMMENT ON COLUMN tenancy.org_shares.organization_id IS 'The granting organization (tenant key).';
COMMENT ON COLUMN tenancy.org_shares.id IS 'Share id (uuid).';
COMMENT ON COLUMN tenancy.org_shares.grantee_org_id IS 'The organization that may read.';
COMMENT ON COLUMN tenancy.org_shares.scope IS 'What is shared: ledger or dependencies.';
COMMENT ON COLUMN tenancy.org_shares.created_at IS 'When the share was granted.';
COMMENT ON COLUMN tenancy.org_shares.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.org_shares.revoked_at IS 'When the share was revoked; NULL while live.';
SELECT pg_catalog.pg_extension_config_dump('tenancy.org_shares', '');

-- Writes: the granting organization, ADMIN+. Reads: both the grantor and the grantee.
SELECT tenancy.enable_rls('tenancy.org_shares', write_role => 'ADMIN', delete_role => 'ADMIN');
ALTER POLICY tenancy_select ON tenancy.org_shares
  USING (organization_id OPERATOR(pg_catalog.=) tenancy.current_org_id()
         OR grantee_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id());

-- The current organization plus those with a live share of scope to it (soft-deleted
-- organizations excluded). Empty without a context. SECURITY DEFINER so that it needs no grant
-- on org_shares; it only ever reveals organization ids that shared with the caller.
CREATE FUNCTION tenancy.visible_orgs(scope text) RETURNS uuid[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  SELECT CASE WHEN tenancy.current_org_id() IS NULL THEN '{}'::uuid[]
         ELSE pg_catalog.array_prepend(tenancy.current_org_id(), ARRAY(
           SELECT s.organization_id
             FROM tenancy.org_shares s
             JOIN tenancy.organizations o ON o.id OPERATOR(pg_catalog.=) s.organization_id
            WHERE s.grantee_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id()
              AND s.scope OPERATOR(pg_catalog.=) visible_orgs.scope
              AND s.revoked_at IS NULL AND o.deleted_at IS NULL
            ORDER BY s.organization_id))
         END
$$;
COMMENT ON FUNCTION tenancy.visible_orgs(text) IS 'The current organization plus the organizations sharing scope with it.';

-- The checks share_with and unshare have in common; returns the acting (current) organization.
CREATE FUNCTION tenancy.sharing_org(grantee uuid, scope text) RETURNS uuid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  owner_org uuid := tenancy.require_org_id();
BEGIN
  IF grantee IS NULL OR scope IS NULL THEN
    RAISE EXCEPTION 'grantee and scope must not be NULL' USING ERRCODE = '22023';
  END IF;
  IF NOT tenancy.has_role('ADMIN') THEN
    RAISE EXCEPTION 'sharing needs the ADMIN role in the current organization' USING ERRCODE = '42501';
  END IF;
  IF scope NOT IN ('ledger', 'dependencies') THEN
    RAISE EXCEPTION 'scope must be ledger or dependencies' USING ERRCODE = '22023';
  END IF;
  RETURN owner_org;
END;
$$;
COMMENT ON FUNCTION tenancy.sharing_org(uuid, text) IS 'Validates a share request and returns the acting organization (ADMIN+).';

-- Grants the grantee read access to scope, for the current organization (ADMIN+). Idempotent:
-- returns the live share's id when there is one.
CREATE FUNCTION tenancy.share_with(grantee uuid, scope text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  owner_org uuid := tenancy.sharing_org(grantee, scope);
  share_id uuid;
BEGIN
  IF grantee = owner_org THEN
    RAISE EXCEPTION 'an organization cannot share with itself' USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM tenancy.organizations o WHERE o.id = grantee AND o.deleted_at IS NULL) THEN
    RAISE EXCEPTION 'organization % does not exist', grantee USING ERRCODE = '22023';
  END IF;
  SELECT s.id INTO share_id FROM tenancy.org_shares s
   WHERE s.organization_id = owner_org AND s.grantee_org_id = grantee
     AND s.scope = share_with.scope AND s.revoked_at IS NULL;
  IF share_id IS NULL THEN
    INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope)
    VALUES (owner_org, grantee, share_with.scope)
    ON CONFLICT (organization_id, grantee_org_id, scope) WHERE revoked_at IS NULL DO NOTHING
    RETURNING id INTO share_id;
    IF share_id IS NULL THEN  -- a concurrent share_with won the race
      SELECT s.id INTO share_id FROM tenancy.org_shares s
       WHERE s.organization_id = owner_org AND s.grantee_org_id = grantee
         AND s.scope = share_with.scope AND s.revoked_at IS NULL;
    END IF;
  END IF;
  RETURN share_id;
END;
$$;
COMMENT ON FUNCTION tenancy.share_with(uuid, text) IS 'Shares scope of the current organization with grantee (ADMIN+); returns the share id.';

-- Revokes the current organization's live share of scope with grantee (ADMIN+); no-op if none.
CREATE FUNCTION tenancy.unshare(grantee uuid, scope text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  owner_org uuid := tenancy.sharing_org(grantee, scope);
BEGIN
  UPDATE tenancy.org_shares s SET revoked_at = pg_catalog.now()
   WHERE s.organization_id = owner_org AND s.grantee_org_id = grantee
     AND s.scope = unshare.scope AND s.revoked_at IS NULL;
END;
$$;
COMMENT ON FUNCTION tenancy.unshare(uuid, text) IS 'Revokes the current organization''s share of scope with grantee (ADMIN+).';

-- Memberships are tenant rows: members see their organization's, ADMIN+ manage them.
-- (set_context reads them directly by index, so its checks do not depend on these policies.)
SELECT tenancy.enable_rls('tenancy.organization_members', write_role => 'ADMIN', delete_role => 'ADMIN');
