-- Identity core: organizations, users and their memberships (SCHEMA.md). set_context reads
-- these to check that a user is an active member of a live organization.

CREATE TABLE tenancy.organizations (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
  description text,
  org_type text NOT NULL DEFAULT 'team' CHECK (org_type IN ('personal', 'team', 'company', 'nonprofit', 'other')),
  plan text NOT NULL DEFAULT 'FREE' CHECK (plan IN ('FREE', 'PRO', 'ENTERPRISE')),
  is_personal boolean NOT NULL DEFAULT false,
  domain text,
  logo_url text,
  settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX organizations_live_idx ON tenancy.organizations (id) WHERE deleted_at IS NULL;
CREATE TRIGGER organizations_touch_updated_at BEFORE UPDATE ON tenancy.organizations
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.organizations IS 'Tenants: every tenant row belongs to one organization. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.organizations.id IS 'Organization id (uuid).';
COMMENT ON COLUMN tenancy.organizations.name IS 'Display name.';
COMMENT ON COLUMN tenancy.organizations.slug IS 'Unique URL-safe name: lower-case words joined by hyphens.';
COMMENT ON COLUMN tenancy.organizations.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.organizations.org_type IS 'Kind of organization: personal, team, company, nonprofit or other.';
COMMENT ON COLUMN tenancy.organizations.plan IS 'Billing plan label: FREE, PRO or ENTERPRISE.';
COMMENT ON COLUMN tenancy.organizations.is_personal IS 'True for the personal organization created with each user.';
COMMENT ON COLUMN tenancy.organizations.domain IS 'E-mail or web domain of the organization.';
COMMENT ON COLUMN tenancy.organizations.logo_url IS 'URL of the logo.';
COMMENT ON COLUMN tenancy.organizations.settings IS 'Organization settings (JSON object).';
COMMENT ON COLUMN tenancy.organizations.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.organizations.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.organizations.deleted_at IS 'When the organization was soft-deleted; NULL while live.';

CREATE TABLE tenancy.users (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
  username text UNIQUE CHECK (length(username) BETWEEN 1 AND 100),
  password_hash text,
  full_name text,
  is_active boolean NOT NULL DEFAULT true,
  is_superadmin boolean NOT NULL DEFAULT false,
  default_org_id uuid REFERENCES tenancy.organizations (id) ON DELETE SET NULL,
  auth_provider_id text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON tenancy.users (lower(email));
CREATE INDEX users_default_org_id_idx ON tenancy.users (default_org_id);
CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON tenancy.users
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.users IS 'People who sign in; they belong to organizations through organization_members. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.users.id IS 'User id (uuid).';
COMMENT ON COLUMN tenancy.users.email IS 'E-mail address, unique regardless of case.';
COMMENT ON COLUMN tenancy.users.username IS 'Optional unique user name.';
COMMENT ON COLUMN tenancy.users.password_hash IS 'argon2id hash of the password (never the password).';
COMMENT ON COLUMN tenancy.users.full_name IS 'Full name.';
COMMENT ON COLUMN tenancy.users.is_active IS 'False for a disabled account: it cannot take a tenant context.';
COMMENT ON COLUMN tenancy.users.is_superadmin IS 'Platform administrator flag.';
COMMENT ON COLUMN tenancy.users.default_org_id IS 'Organization opened after sign-in.';
COMMENT ON COLUMN tenancy.users.auth_provider_id IS 'Subject id at an external identity provider (the seeds'' auth0_id).';
COMMENT ON COLUMN tenancy.users.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.users.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.users.deleted_at IS 'When the user was soft-deleted; NULL while live.';

CREATE TABLE tenancy.organization_members (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES tenancy.users (id) ON DELETE CASCADE,
  role tenancy.org_role NOT NULL DEFAULT 'MEMBER',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, user_id)
);
CREATE INDEX organization_members_user_id_idx ON tenancy.organization_members (user_id);
CREATE TRIGGER organization_members_touch_updated_at BEFORE UPDATE ON tenancy.organization_members
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.organization_members IS 'Membership of users in organizations, with their role. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.organization_members.organization_id IS 'The organization (tenant key).';
COMMENT ON COLUMN tenancy.organization_members.id IS 'Membership id (uuid).';
COMMENT ON COLUMN tenancy.organization_members.user_id IS 'The member.';
COMMENT ON COLUMN tenancy.organization_members.role IS 'Role in the organization: VIEWER, MEMBER, ADMIN or OWNER.';
COMMENT ON COLUMN tenancy.organization_members.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.organization_members.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.organization_members.deleted_at IS 'When the membership ended; NULL while active.';

-- pg_dump keeps the rows of extension tables only when they are registered.
SELECT pg_catalog.pg_extension_config_dump('tenancy.organizations', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.users', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.organization_members', '');

-- set_context caches membership answers per backend; any committed change to the identity
-- tables empties every backend's cache. ENABLE ALWAYS: replication and restores fire it too.
CREATE FUNCTION tenancy.identity_changed() RETURNS trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'tenancy_identity_changed';
COMMENT ON FUNCTION tenancy.identity_changed() IS 'Trigger: invalidates the set_context membership cache of every backend.';
CREATE TRIGGER organizations_identity_changed
  AFTER INSERT OR UPDATE OF id, deleted_at OR DELETE OR TRUNCATE ON tenancy.organizations
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
CREATE TRIGGER users_identity_changed
  AFTER INSERT OR UPDATE OF id, is_active, deleted_at OR DELETE OR TRUNCATE ON tenancy.users
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
CREATE TRIGGER organization_members_identity_changed
  AFTER INSERT OR UPDATE OF organization_id, user_id, role, deleted_at OR DELETE OR TRUNCATE
  ON tenancy.organization_members
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
ALTER TABLE tenancy.organizations ENABLE ALWAYS TRIGGER organizations_identity_changed;
ALTER TABLE tenancy.users ENABLE ALWAYS TRIGGER users_identity_changed;
ALTER TABLE tenancy.organization_members ENABLE ALWAYS TRIGGER organization_members_identity_changed;

-- An organization always keeps at least one OWNER: removing, demoting or soft-deleting the last
-- live OWNER membership raises 55000. The organization row is locked first, so two concurrent
-- removals of its two OWNERs serialize and the second one fails. Deleting the organization
-- itself (which cascades to its memberships) is allowed. SECURITY DEFINER: it must see every
-- membership of the organization, whatever the caller's RLS context.
CREATE FUNCTION tenancy.keep_last_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF OLD.role <> 'OWNER' OR OLD.deleted_at IS NOT NULL THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.role = 'OWNER' AND NEW.deleted_at IS NULL
     AND NEW.organization_id = OLD.organization_id THEN
    RETURN NEW;
  END IF;
  PERFORM 1 FROM tenancy.organizations o WHERE o.id = OLD.organization_id FOR UPDATE;
  IF NOT FOUND THEN  -- the organization itself is being deleted
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM tenancy.organization_members m
                  WHERE m.organization_id = OLD.organization_id AND m.id <> OLD.id
                    AND m.role = 'OWNER' AND m.deleted_at IS NULL) THEN
    RAISE EXCEPTION 'organization % must keep at least one OWNER', OLD.organization_id
      USING ERRCODE = '55000', HINT = 'Make another member OWNER first.';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
COMMENT ON FUNCTION tenancy.keep_last_owner() IS 'Trigger: refuses to remove, demote or soft-delete the last OWNER of an organization (55000).';
CREATE TRIGGER organization_members_keep_last_owner
  BEFORE UPDATE OF role, deleted_at, organization_id OR DELETE ON tenancy.organization_members
  FOR EACH ROW EXECUTE FUNCTION tenancy.keep_last_owner();

-- Nobody manages a role above their own: under a tenant context with a role, adding, changing
-- or removing a membership of that organization whose old or new role is above the context's
-- role raises 42501 (an ADMIN cannot make anyone OWNER, itself included, nor demote or remove
-- an OWNER). Writes without a context, or by a superuser (the SECURITY DEFINER flows,
-- maintenance), are not capped; the flows check roles themselves.
CREATE FUNCTION tenancy.cap_member_role() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  acting tenancy.org_role := tenancy.current_org_role();
  kept record := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  IF acting IS NULL OR kept.organization_id IS DISTINCT FROM tenancy.current_org_id()
     OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = current_user AND r.rolsuper) THEN
    RETURN kept;
  END IF;
  IF (TG_OP <> 'DELETE' AND NEW.role > acting) OR (TG_OP <> 'INSERT' AND OLD.role > acting) THEN
    RAISE EXCEPTION 'cannot give, change or remove a role above your own (%)', acting
      USING ERRCODE = '42501';
  END IF;
  RETURN kept;
END;
$$;
COMMENT ON FUNCTION tenancy.cap_member_role() IS
  'Trigger: refuses (42501) to add, change or remove a membership whose role is above the context''s role.';
CREATE TRIGGER organization_members_cap_role
  BEFORE INSERT OR UPDATE OF role, organization_id OR DELETE ON tenancy.organization_members
  FOR EACH ROW EXECUTE FUNCTION tenancy.cap_member_role();
