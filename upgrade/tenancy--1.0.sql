-- tenancy install script, assembled by the Makefile from src/**/*.sql in dependency order.
\echo Use "CREATE EXTENSION tenancy" to load this file. \quit

-- Organization roles, ordered: comparisons follow VIEWER < MEMBER < ADMIN < OWNER.
CREATE TYPE tenancy.org_role AS ENUM ('VIEWER', 'MEMBER', 'ADMIN', 'OWNER');
COMMENT ON TYPE tenancy.org_role IS 'Role of a user in an organization; ordered VIEWER < MEMBER < ADMIN < OWNER.';

-- Every role may resolve tenancy.* names (policies call tenancy functions as the querying role);
-- table privileges are granted separately.
GRANT USAGE ON SCHEMA tenancy TO PUBLIC;
-- Tenant context (API.md section 1). The context lives in PGC_SUSET settings that only the
-- library's own code sets, transaction-local by default.

CREATE FUNCTION tenancy.set_context(org_id uuid, user_id uuid DEFAULT NULL,
                                    role tenancy.org_role DEFAULT NULL, is_local boolean DEFAULT true)
RETURNS void LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'tenancy_set_context';
REVOKE EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) IS
  'Trusted setter: sets the tenant context after checking the organization and the user''s membership. Not executable by PUBLIC.';

CREATE FUNCTION tenancy.set_context_token(token text, is_local boolean DEFAULT true)
RETURNS void LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'tenancy_set_context_token';
COMMENT ON FUNCTION tenancy.set_context_token(text, boolean) IS
  'Same as SET [LOCAL] tenancy.context_token: only a token whose signature verifies is accepted (else 28000).';

CREATE FUNCTION tenancy.clear_context()
RETURNS void LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'tenancy_clear_context';
COMMENT ON FUNCTION tenancy.clear_context() IS 'Unsets the tenant context (trusted settings and token).';

CREATE FUNCTION tenancy.current_org_id()
RETURNS uuid LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_current_org_id';
COMMENT ON FUNCTION tenancy.current_org_id() IS 'Organization of the context in force, or NULL. No catalog or table access.';

CREATE FUNCTION tenancy.current_user_id()
RETURNS uuid LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_current_user_id';
COMMENT ON FUNCTION tenancy.current_user_id() IS 'User of the context in force, or NULL.';

CREATE FUNCTION tenancy.current_org_role()
RETURNS tenancy.org_role LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_current_org_role';
COMMENT ON FUNCTION tenancy.current_org_role() IS 'Role of the context in force, or NULL (no context, or a read-only one).';

CREATE FUNCTION tenancy.has_role(min tenancy.org_role)
RETURNS boolean LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_has_role';
COMMENT ON FUNCTION tenancy.has_role(tenancy.org_role) IS 'True iff the context in force has a role and it is at least min.';

CREATE FUNCTION tenancy.require_org_id()
RETURNS uuid LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_require_org_id';
COMMENT ON FUNCTION tenancy.require_org_id() IS 'current_org_id(), or error 42501 when no context is in force (for DEFAULTs).';

CREATE FUNCTION tenancy.context()
RETURNS jsonb LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_context';
COMMENT ON FUNCTION tenancy.context() IS 'The context in force as {org_id, user_id, role, scope, signed}, for debugging.';

CREATE FUNCTION tenancy.generate_context_keypair()
RETURNS TABLE (kid text, public_key text, secret_key text)
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 1
AS 'MODULE_PATHNAME', 'tenancy_generate_context_keypair';
COMMENT ON FUNCTION tenancy.generate_context_keypair() IS
  'A fresh Ed25519 key pair (base64): put kid:public_key in tenancy.context_public_keys, keep secret_key with the signer.';

CREATE FUNCTION tenancy.sign_context_token(secret_key text, kid text, org_id uuid,
                                           user_id uuid DEFAULT NULL, role tenancy.org_role DEFAULT NULL,
                                           ttl interval DEFAULT '15 minutes')
RETURNS text LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_sign_context_token';
COMMENT ON FUNCTION tenancy.sign_context_token(text, text, uuid, uuid, tenancy.org_role, interval) IS
  'Signs an EdDSA context token (JWT) for tests and setup; applications may use any JWT library.';
-- Shared table machinery.

-- Keeps updated_at true on every UPDATE.
CREATE FUNCTION tenancy.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.touch_updated_at() IS 'Trigger: sets updated_at to now() on UPDATE.';
-- Passwords, tokens and secrets (API.md section 3), implemented in C++ over libsodium. The
-- server key is read from the file named by tenancy.key_file; no function returns it.

CREATE FUNCTION tenancy.hash_password(password text) RETURNS text
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_hash_password';
COMMENT ON FUNCTION tenancy.hash_password(text) IS
  'argon2id hash ($argon2id$ string) at the costs tenancy.pwhash_opslimit/pwhash_memlimit; 22023 for an empty or over-long password.';

CREATE FUNCTION tenancy.verify_password(password text, hash text) RETURNS boolean
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_verify_password';
COMMENT ON FUNCTION tenancy.verify_password(text, text) IS
  'True when password matches the argon2id hash; a hash costlier than tenancy.pwhash_max_* is refused (22023) before any work.';

CREATE FUNCTION tenancy.password_needs_rehash(hash text) RETURNS boolean
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_password_needs_rehash';
COMMENT ON FUNCTION tenancy.password_needs_rehash(text) IS
  'True when the hash was made with other costs than the current settings (or is not argon2id).';

-- For authenticate: a NULL hash (no such user) costs one verification against a dummy hash.
CREATE FUNCTION tenancy.password_matches(password text, hash text) RETURNS boolean
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_password_matches';
REVOKE EXECUTE ON FUNCTION tenancy.password_matches(text, text) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.password_matches(text, text) IS
  'verify_password that spends the same work on a NULL hash (and answers false). Internal.';

CREATE FUNCTION tenancy.generate_token(nbytes int DEFAULT 32) RETURNS text
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_generate_token';
COMMENT ON FUNCTION tenancy.generate_token(int) IS
  'nbytes (16 to 1024) random bytes as unpadded base64url.';

CREATE FUNCTION tenancy.token_is_well_formed(token text) RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_token_is_well_formed';
COMMENT ON FUNCTION tenancy.token_is_well_formed(text) IS
  'True for 22 to 1366 base64url characters: the tokens hash_token accepts.';

CREATE FUNCTION tenancy.hash_token(token text) RETURNS bytea
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_hash_token';
COMMENT ON FUNCTION tenancy.hash_token(text) IS
  'Keyed BLAKE2b-256 of a token under a sub-key of the server key; 22P02 for a malformed token.';

CREATE FUNCTION tenancy.encrypt_secret(plaintext text) RETURNS bytea
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_encrypt_secret';
COMMENT ON FUNCTION tenancy.encrypt_secret(text) IS
  'XChaCha20-Poly1305 under a sub-key of the server key, bound to the context''s organization (42501 without one).';

CREATE FUNCTION tenancy.decrypt_secret(ciphertext bytea) RETURNS text
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_decrypt_secret';
COMMENT ON FUNCTION tenancy.decrypt_secret(bytea) IS
  'Decrypts an encrypt_secret ciphertext of the context''s organization; tampered, truncated or another organization''s: 28000.';

-- Password hashing allocates pwhash_memlimit (up to pwhash_max_memlimit to verify) outside
-- PostgreSQL's memory accounting: not for every role that can connect. grant_app_role grants it.
REVOKE EXECUTE ON FUNCTION tenancy.hash_password(text), tenancy.verify_password(text, text),
  tenancy.password_needs_rehash(text) FROM PUBLIC;
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
-- auto_rls (API.md section 2): tables created in a registered schema with an organization_id
-- column, or given one by ALTER TABLE, are isolated by enable_rls at once.

CREATE TABLE tenancy.auto_rls_schemas (
  schema_name name PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenancy.auto_rls_schemas IS 'Schemas whose new tenant tables get enable_rls automatically (platform table).';
COMMENT ON COLUMN tenancy.auto_rls_schemas.schema_name IS 'The schema watched by the auto_rls event trigger.';
COMMENT ON COLUMN tenancy.auto_rls_schemas.created_at IS 'When auto_rls was turned on for it.';
SELECT pg_catalog.pg_extension_config_dump('tenancy.auto_rls_schemas', '');
ALTER TABLE tenancy.auto_rls_schemas ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.auto_rls_schemas FORCE ROW LEVEL SECURITY;
CREATE POLICY auto_rls_schemas_read ON tenancy.auto_rls_schemas FOR SELECT USING (true);

-- Copies the tenancy_* policies of a partition's parent onto the partition, with RLS enabled
-- and forced: a partition queried directly would otherwise bypass the parent's policies.
CREATE FUNCTION tenancy.inherit_partition_policies(part regclass, parent regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  policy record;
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', part);
  FOR policy IN
    SELECT p.polname,
           CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                         WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
           CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END AS kind,
           pg_get_expr(p.polqual, p.polrelid) AS using_expr,
           pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
      FROM pg_policy p
     WHERE p.polrelid = parent AND p.polname LIKE 'tenancy\_%'
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %s', policy.polname, part);
    EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO PUBLIC%s%s', policy.polname, part,
                   policy.kind, policy.command,
                   CASE WHEN policy.using_expr IS NULL THEN '' ELSE ' USING (' || policy.using_expr || ')' END,
                   CASE WHEN policy.check_expr IS NULL THEN '' ELSE ' WITH CHECK (' || policy.check_expr || ')' END);
  END LOOP;
END;
$$;
COMMENT ON FUNCTION tenancy.inherit_partition_policies(regclass, regclass) IS
  'Copies the tenancy_* policies of a parent onto a new partition (used by the auto_rls event trigger).';

-- Event trigger body. (1) A new partition of a table isolated by the tenancy generators, in any
-- schema, inherits the parent's policies. (2) A table of a watched schema whose uuid
-- organization_id column this transaction created (CREATE TABLE, ALTER TABLE ADD or RENAME
-- COLUMN) and that has no row level security yet gets enable_rls. Runs as the DDL's author.
CREATE FUNCTION tenancy.auto_rls_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass;
  parent regclass;
BEGIN
  FOR target, parent IN
    SELECT DISTINCT c.oid::regclass, i.inhparent::regclass
      FROM pg_event_trigger_ddl_commands() cmd
      JOIN pg_class c ON c.oid = cmd.objid
      JOIN pg_inherits i ON i.inhrelid = c.oid
     WHERE cmd.classid = 'pg_class'::regclass AND c.relispartition AND NOT c.relrowsecurity
       AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = i.inhparent AND p.polname = 'tenancy_select')
  LOOP
    PERFORM tenancy.inherit_partition_policies(target, parent);
  END LOOP;

  FOR target IN
    SELECT DISTINCT c.oid::regclass
      FROM pg_event_trigger_ddl_commands() cmd
      JOIN pg_class c ON c.oid = cmd.objid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN tenancy.auto_rls_schemas w ON w.schema_name = n.nspname
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id'
                         AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype
     WHERE cmd.classid = 'pg_class'::regclass
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND NOT c.relrowsecurity  -- leaves hand-made RLS alone, and stops the recursion of the
                                 -- ALTER TABLE statements enable_rls itself runs
       AND NOT c.relforcerowsecurity  -- a restore (pg_dump sets FORCE before it adds the
                                      -- constraints and the policies) is left to the dump
       -- organization_id was created (or renamed into place) by this transaction: an ALTER
       -- TABLE of an older tenant table (or disable_rls) is not a reason to isolate it.
       AND age(a.xmin) <= 0
  LOOP
    PERFORM tenancy.enable_rls(target);
  END LOOP;
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls_on_ddl() IS
  'Event trigger: new partitions inherit tenancy policies; new tenant tables of auto_rls schemas get enable_rls.';

CREATE EVENT TRIGGER tenancy_auto_rls ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE TABLE AS', 'SELECT INTO')
  EXECUTE FUNCTION tenancy.auto_rls_on_ddl();

-- Turns automatic RLS on (or off) for a schema. Only the schema's owner (or a superuser).
CREATE FUNCTION tenancy.auto_rls(schema_name name, enabled boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  schema_owner oid;
BEGIN
  IF auto_rls.schema_name IS NULL OR enabled IS NULL THEN
    RAISE EXCEPTION 'schema_name and enabled must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT n.nspowner INTO schema_owner FROM pg_namespace n WHERE n.nspname = auto_rls.schema_name;
  IF schema_owner IS NULL THEN
    RAISE EXCEPTION 'schema "%" does not exist', auto_rls.schema_name USING ERRCODE = '3F000';
  END IF;
  IF NOT pg_has_role(session_user, schema_owner, 'USAGE') THEN
    RAISE EXCEPTION 'only the owner of schema "%" can change auto_rls for it', auto_rls.schema_name
      USING ERRCODE = '42501';
  END IF;
  IF enabled THEN
    INSERT INTO tenancy.auto_rls_schemas (schema_name) VALUES (auto_rls.schema_name) ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM tenancy.auto_rls_schemas w WHERE w.schema_name = auto_rls.schema_name;
  END IF;
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls(name, boolean) IS
  'Turns on (or off) automatic enable_rls for new tables with an organization_id column in a schema.';
GRANT SELECT ON tenancy.auto_rls_schemas TO PUBLIC;

-- Forgets dropped schemas, so a new schema of the same name (perhaps another owner's) is not
-- watched by accident. SECURITY DEFINER: whoever drops a schema may not write the registry.
CREATE FUNCTION tenancy.auto_rls_on_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM tenancy.auto_rls_schemas w
   WHERE w.schema_name IN (SELECT d.object_name FROM pg_event_trigger_dropped_objects() d
                            WHERE d.object_type = 'schema');
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls_on_drop() IS 'Event trigger: removes dropped schemas from auto_rls.';
CREATE EVENT TRIGGER tenancy_auto_rls_drop ON sql_drop
  WHEN TAG IN ('DROP SCHEMA')
  EXECUTE FUNCTION tenancy.auto_rls_on_drop();
-- Workspace tables (SCHEMA.md): user profiles, plans and features, subscriptions, projects with
-- their tasks and comments, invitations, and the refresh and password-reset tokens. Also the
-- table machinery that the schema files after this one share.

-- True iff tz names a time zone of the tz database (pg_timezone_names: not an abbreviation and
-- not a POSIX offset string). Reading pg_timezone_names costs tens of milliseconds, so the
-- trigger below only calls it when the value changes.
CREATE FUNCTION tenancy.is_valid_timezone(tz text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name OPERATOR(pg_catalog.=) tz)
$$;
COMMENT ON FUNCTION tenancy.is_valid_timezone(text) IS 'True iff the text is a time zone name of the tz database (pg_timezone_names).';

-- Trigger: the column named by the first trigger argument must be NULL or a valid time zone
-- name; otherwise 22023. A CHECK constraint cannot do it (the zone list is not immutable).
CREATE FUNCTION tenancy.check_timezone() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tz text := pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.->>) TG_ARGV[0];
BEGIN
  IF tz IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND tz IS NOT DISTINCT FROM (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->>) TG_ARGV[0]) THEN
    RETURN NEW;
  END IF;
  IF NOT tenancy.is_valid_timezone(tz) THEN
    RAISE EXCEPTION 'invalid time zone "%" for %.%', tz, TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = '22023', HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin or UTC.';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.check_timezone() IS 'Trigger: refuses (22023) a value of the column named by its argument that is not a tz database name.';

-- Trigger for append-only and immutable tables: UPDATE raises 55000, and so does DELETE when
-- the first trigger argument is 'append_only' (with 'immutable' rows may be deleted). Two
-- exceptions keep the foreign-key actions working: the rows of a deleted organization go
-- with it (ON DELETE CASCADE), and the user references named by the other trigger arguments
-- are set to NULL once their user is deleted (ON DELETE SET NULL). Both are recognised by the
-- referenced row being gone, so no direct statement passes them. SECURITY DEFINER: it must
-- see organizations and users whatever the caller's row level security.
CREATE FUNCTION tenancy.refuse_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  user_refs text[] := CASE WHEN TG_NARGS > 1 THEN TG_ARGV[1:TG_NARGS - 1] ELSE '{}'::text[] END;
  new_row jsonb;
  old_row jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF TG_ARGV[0] = 'append_only'
       AND EXISTS (SELECT 1 FROM tenancy.organizations o WHERE o.id = OLD.organization_id) THEN
      RAISE EXCEPTION 'rows of %.% cannot be deleted: the table is append-only', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = '55000', HINT = 'Record a correcting entry instead.';
    END IF;
    RETURN OLD;
  END IF;
  -- ON DELETE SET NULL of user references: nothing else changes, at least one named column
  -- goes from a user to NULL, and every user so cleared no longer exists.
  new_row := to_jsonb(NEW);
  old_row := to_jsonb(OLD);
  IF (new_row - user_refs) = (old_row - user_refs)
     AND EXISTS (SELECT 1 FROM unnest(user_refs) c WHERE new_row -> c IS DISTINCT FROM old_row -> c)
     AND NOT EXISTS (SELECT 1 FROM unnest(user_refs) c
                      WHERE new_row -> c IS DISTINCT FROM old_row -> c
                        AND (new_row -> c <> 'null'::jsonb
                             OR EXISTS (SELECT 1 FROM tenancy.users u WHERE u.id = (old_row ->> c)::uuid))) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'rows of %.% cannot be updated: the table is %', TG_TABLE_SCHEMA, TG_TABLE_NAME,
    replace(TG_ARGV[0], '_', '-')
    USING ERRCODE = '55000', HINT = 'Record a new row instead.';
END;
$$;
COMMENT ON FUNCTION tenancy.refuse_change() IS
  'Trigger: refuses UPDATE (and, for append_only, DELETE) with 55000, except the foreign-key actions of deleting the organization or a referenced user.';

-- user_profiles ----------------------------------------------------------------------------

CREATE TABLE tenancy.user_profiles (
  user_id uuid NOT NULL PRIMARY KEY REFERENCES tenancy.users (id) ON DELETE CASCADE,
  display_name text CHECK (length(display_name) BETWEEN 1 AND 200),
  avatar_url text CHECK (length(avatar_url) <= 2000),
  timezone text,
  locale text CHECK (locale ~ '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$'),
  preferences jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(preferences) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER user_profiles_touch_updated_at BEFORE UPDATE ON tenancy.user_profiles
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
CREATE TRIGGER user_profiles_check_timezone BEFORE INSERT OR UPDATE OF timezone ON tenancy.user_profiles
  FOR EACH ROW EXECUTE FUNCTION tenancy.check_timezone('timezone');
COMMENT ON TABLE tenancy.user_profiles IS 'Profile of a user beyond authentication (one row per user; global table).';
COMMENT ON COLUMN tenancy.user_profiles.user_id IS 'The user (primary key).';
COMMENT ON COLUMN tenancy.user_profiles.display_name IS 'Name shown to others.';
COMMENT ON COLUMN tenancy.user_profiles.avatar_url IS 'URL of the avatar image.';
COMMENT ON COLUMN tenancy.user_profiles.timezone IS 'Preferred time zone: a tz database name (checked by trigger, 22023).';
COMMENT ON COLUMN tenancy.user_profiles.locale IS 'Preferred locale, such as en or pt-BR.';
COMMENT ON COLUMN tenancy.user_profiles.preferences IS 'User preferences (JSON object).';
COMMENT ON COLUMN tenancy.user_profiles.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.user_profiles.updated_at IS 'When the row was last updated (kept by trigger).';

-- subscription_plans, features, plan_features: platform catalog ------------------------------

CREATE TABLE tenancy.subscription_plans (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
  description text,
  price numeric(12,2) NOT NULL CHECK (price >= 0),
  currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  billing_period text NOT NULL CHECK (billing_period IN ('monthly', 'yearly')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER subscription_plans_touch_updated_at BEFORE UPDATE ON tenancy.subscription_plans
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.subscription_plans IS 'Plans an organization can subscribe to (platform table, readable by all).';
COMMENT ON COLUMN tenancy.subscription_plans.id IS 'Plan id (uuid).';
COMMENT ON COLUMN tenancy.subscription_plans.name IS 'Display name.';
COMMENT ON COLUMN tenancy.subscription_plans.code IS 'Unique code used by applications, without white space.';
COMMENT ON COLUMN tenancy.subscription_plans.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.subscription_plans.price IS 'Price per billing period, in currency.';
COMMENT ON COLUMN tenancy.subscription_plans.currency IS 'ISO 4217 currency code of the price (three upper-case letters).';
COMMENT ON COLUMN tenancy.subscription_plans.billing_period IS 'Billing period: monthly or yearly.';
COMMENT ON COLUMN tenancy.subscription_plans.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.subscription_plans.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.features (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 100 AND code !~ '\s'),
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER features_touch_updated_at BEFORE UPDATE ON tenancy.features
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.features IS 'Features that plans include, for feature flags (platform table, readable by all).';
COMMENT ON COLUMN tenancy.features.id IS 'Feature id (uuid).';
COMMENT ON COLUMN tenancy.features.name IS 'Display name.';
COMMENT ON COLUMN tenancy.features.code IS 'Unique code that tenancy.has_feature(code) asks about, without white space.';
COMMENT ON COLUMN tenancy.features.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.features.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.features.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.plan_features (
  plan_id uuid NOT NULL REFERENCES tenancy.subscription_plans (id) ON DELETE CASCADE,
  feature_id uuid NOT NULL REFERENCES tenancy.features (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, feature_id)
);
CREATE INDEX plan_features_feature_id_idx ON tenancy.plan_features (feature_id);
COMMENT ON TABLE tenancy.plan_features IS 'Which features each plan includes (platform table, readable by all). A link row is added or removed, never updated: no updated_at.';
COMMENT ON COLUMN tenancy.plan_features.plan_id IS 'The plan.';
COMMENT ON COLUMN tenancy.plan_features.feature_id IS 'A feature the plan includes.';
COMMENT ON COLUMN tenancy.plan_features.created_at IS 'When the feature was added to the plan.';

-- subscriptions ----------------------------------------------------------------------------

CREATE TABLE tenancy.subscriptions (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  plan_id uuid NOT NULL REFERENCES tenancy.subscription_plans (id) ON DELETE RESTRICT,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
  start_date timestamptz NOT NULL DEFAULT now(),
  end_date timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT subscriptions_period_order CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX subscriptions_plan_id_idx ON tenancy.subscriptions (plan_id);
CREATE INDEX subscriptions_status_idx ON tenancy.subscriptions (organization_id, status);
CREATE TRIGGER subscriptions_touch_updated_at BEFORE UPDATE ON tenancy.subscriptions
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.subscriptions IS 'Subscriptions of organizations to plans, with their status and period. Writes need OWNER.';
COMMENT ON COLUMN tenancy.subscriptions.organization_id IS 'The subscribing organization (tenant key).';
COMMENT ON COLUMN tenancy.subscriptions.id IS 'Subscription id (uuid).';
COMMENT ON COLUMN tenancy.subscriptions.plan_id IS 'The plan subscribed to (a plan in use cannot be deleted).';
COMMENT ON COLUMN tenancy.subscriptions.status IS 'Status: trialing, active, past_due or canceled.';
COMMENT ON COLUMN tenancy.subscriptions.start_date IS 'When the subscription starts.';
COMMENT ON COLUMN tenancy.subscriptions.end_date IS 'When it ends; NULL while open-ended. Not before start_date.';
COMMENT ON COLUMN tenancy.subscriptions.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.subscriptions.updated_at IS 'When the row was last updated (kept by trigger).';

-- projects ---------------------------------------------------------------------------------

CREATE TABLE tenancy.projects (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  api_key_hash bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT projects_name_key UNIQUE (organization_id, name),
  CONSTRAINT projects_api_key_hash_key UNIQUE (organization_id, api_key_hash)
);
-- resolve_api_key finds a project by its key alone, before any tenant context exists.
CREATE INDEX projects_api_key_hash_idx ON tenancy.projects (api_key_hash) WHERE api_key_hash IS NOT NULL;
CREATE INDEX projects_created_by_id_idx ON tenancy.projects (created_by_id);
CREATE INDEX projects_live_idx ON tenancy.projects (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON tenancy.projects
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.projects IS 'Projects (applications, work containers) of an organization. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.projects.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.projects.id IS 'Project id (uuid).';
COMMENT ON COLUMN tenancy.projects.name IS 'Name, unique within the organization.';
COMMENT ON COLUMN tenancy.projects.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.projects.created_by_id IS 'User who created the project (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.projects.api_key_hash IS 'tenancy.hash_token of the project''s DSN key (the key itself is never stored); NULL when none.';
COMMENT ON COLUMN tenancy.projects.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.projects.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.projects.deleted_at IS 'When the project was soft-deleted; NULL while live.';

-- tasks ------------------------------------------------------------------------------------

CREATE TABLE tenancy.tasks (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  description text,
  status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done')),
  assigned_to_id uuid REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  due_date timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT tasks_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX tasks_project_idx ON tenancy.tasks (organization_id, project_id);
CREATE INDEX tasks_assigned_to_id_idx ON tenancy.tasks (assigned_to_id);
CREATE INDEX tasks_created_by_id_idx ON tenancy.tasks (created_by_id);
CREATE INDEX tasks_live_status_idx ON tenancy.tasks (organization_id, status) WHERE deleted_at IS NULL;
CREATE INDEX tasks_live_project_idx ON tenancy.tasks (organization_id, project_id, status) WHERE deleted_at IS NULL;
CREATE INDEX tasks_text_search_idx ON tenancy.tasks USING gin
  (to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '')));
CREATE TRIGGER tasks_touch_updated_at BEFORE UPDATE ON tenancy.tasks
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.tasks IS 'Work items of a project; full-text searchable on title and description. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.tasks.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.tasks.id IS 'Task id (uuid).';
COMMENT ON COLUMN tenancy.tasks.project_id IS 'The project, in the same organization.';
COMMENT ON COLUMN tenancy.tasks.title IS 'Title.';
COMMENT ON COLUMN tenancy.tasks.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.tasks.status IS 'Status: todo, in_progress or done.';
COMMENT ON COLUMN tenancy.tasks.assigned_to_id IS 'User the task is assigned to; NULL when unassigned.';
COMMENT ON COLUMN tenancy.tasks.created_by_id IS 'User who created the task (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.tasks.due_date IS 'When the task is due; NULL for no deadline.';
COMMENT ON COLUMN tenancy.tasks.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.tasks.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.tasks.deleted_at IS 'When the task was soft-deleted; NULL while live.';

-- comments ---------------------------------------------------------------------------------

CREATE TABLE tenancy.comments (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL,
  author_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT comments_task_fkey FOREIGN KEY (organization_id, task_id)
    REFERENCES tenancy.tasks (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX comments_task_idx ON tenancy.comments (organization_id, task_id);
CREATE INDEX comments_author_id_idx ON tenancy.comments (author_id);
CREATE INDEX comments_live_idx ON tenancy.comments (organization_id, task_id, created_at) WHERE deleted_at IS NULL;
CREATE TRIGGER comments_touch_updated_at BEFORE UPDATE ON tenancy.comments
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.comments IS 'Comments of users on tasks. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.comments.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.comments.id IS 'Comment id (uuid).';
COMMENT ON COLUMN tenancy.comments.task_id IS 'The task commented on, in the same organization.';
COMMENT ON COLUMN tenancy.comments.author_id IS 'User who wrote it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.comments.body IS 'Text of the comment.';
COMMENT ON COLUMN tenancy.comments.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.comments.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.comments.deleted_at IS 'When the comment was soft-deleted; NULL while live.';

-- invitations ------------------------------------------------------------------------------

CREATE TABLE tenancy.invitations (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
  role tenancy.org_role NOT NULL DEFAULT 'MEMBER',
  token_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  invited_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT invitations_token_hash_key UNIQUE (organization_id, token_hash),
  CONSTRAINT invitations_accepted_or_revoked CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
-- accept_invitation finds an invitation by its token alone (the hash of 32 random bytes: a
-- collision across organizations does not happen, so uniqueness per organization suffices).
CREATE INDEX invitations_token_hash_idx ON tenancy.invitations (token_hash);
CREATE INDEX invitations_invited_by_id_idx ON tenancy.invitations (invited_by_id);
CREATE INDEX invitations_pending_idx ON tenancy.invitations (organization_id, lower(email))
  WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE TRIGGER invitations_touch_updated_at BEFORE UPDATE ON tenancy.invitations
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.invitations IS 'Invitations to join an organization; only the hash of the token is stored. Writes need ADMIN.';
COMMENT ON COLUMN tenancy.invitations.organization_id IS 'The inviting organization (tenant key).';
COMMENT ON COLUMN tenancy.invitations.id IS 'Invitation id (uuid).';
COMMENT ON COLUMN tenancy.invitations.email IS 'E-mail address invited (compared regardless of case).';
COMMENT ON COLUMN tenancy.invitations.role IS 'Role the membership will have: VIEWER, MEMBER, ADMIN or OWNER.';
COMMENT ON COLUMN tenancy.invitations.token_hash IS 'tenancy.hash_token of the invitation token (the token is never stored).';
COMMENT ON COLUMN tenancy.invitations.expires_at IS 'When the invitation stops being valid.';
COMMENT ON COLUMN tenancy.invitations.accepted_at IS 'When it was accepted; NULL while not.';
COMMENT ON COLUMN tenancy.invitations.revoked_at IS 'When it was revoked; NULL while not. Never both accepted and revoked.';
COMMENT ON COLUMN tenancy.invitations.invited_by_id IS 'User who invited (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.invitations.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.invitations.updated_at IS 'When the row was last updated (kept by trigger).';

-- refresh_tokens, password_reset_tokens: reachable only through SECURITY DEFINER functions ----

CREATE TABLE tenancy.refresh_tokens (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES tenancy.users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  replaced_by_id uuid REFERENCES tenancy.refresh_tokens (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refresh_tokens_not_self_replaced CHECK (replaced_by_id <> id)
);
CREATE INDEX refresh_tokens_user_id_idx ON tenancy.refresh_tokens (user_id);
CREATE INDEX refresh_tokens_replaced_by_id_idx ON tenancy.refresh_tokens (replaced_by_id);
CREATE TRIGGER refresh_tokens_touch_updated_at BEFORE UPDATE ON tenancy.refresh_tokens
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.refresh_tokens IS 'Refresh tokens of user sessions (hashes only). No policy: the application reaches it only through the token functions.';
COMMENT ON COLUMN tenancy.refresh_tokens.id IS 'Token id (uuid).';
COMMENT ON COLUMN tenancy.refresh_tokens.user_id IS 'The user the token belongs to.';
COMMENT ON COLUMN tenancy.refresh_tokens.token_hash IS 'tenancy.hash_token of the token (the token is never stored).';
COMMENT ON COLUMN tenancy.refresh_tokens.expires_at IS 'When the token stops being valid.';
COMMENT ON COLUMN tenancy.refresh_tokens.revoked_at IS 'When it was revoked (rotated or by reuse detection); NULL while valid.';
COMMENT ON COLUMN tenancy.refresh_tokens.replaced_by_id IS 'The token that replaced it on rotation; NULL if none.';
COMMENT ON COLUMN tenancy.refresh_tokens.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.refresh_tokens.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.password_reset_tokens (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES tenancy.users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_tokens_user_id_idx ON tenancy.password_reset_tokens (user_id);
CREATE TRIGGER password_reset_tokens_touch_updated_at BEFORE UPDATE ON tenancy.password_reset_tokens
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.password_reset_tokens IS 'Single-use password reset tokens (hashes only). No policy: the application reaches it only through the reset functions.';
COMMENT ON COLUMN tenancy.password_reset_tokens.id IS 'Token id (uuid).';
COMMENT ON COLUMN tenancy.password_reset_tokens.user_id IS 'The user whose password it resets.';
COMMENT ON COLUMN tenancy.password_reset_tokens.token_hash IS 'tenancy.hash_token of the token (the token is never stored).';
COMMENT ON COLUMN tenancy.password_reset_tokens.expires_at IS 'When the token stops being valid.';
COMMENT ON COLUMN tenancy.password_reset_tokens.used_at IS 'When it was used; NULL while unused (single use).';
COMMENT ON COLUMN tenancy.password_reset_tokens.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.password_reset_tokens.updated_at IS 'When the row was last updated (kept by trigger).';

-- pg_dump keeps the rows of extension tables only when they are registered.
SELECT pg_catalog.pg_extension_config_dump('tenancy.user_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.subscription_plans', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.features', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.plan_features', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.subscriptions', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.projects', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.comments', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.invitations', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.refresh_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.password_reset_tokens', '');

-- Row level security. Tenant tables: the generator (MEMBER writes, ADMIN deletes unless noted).
SELECT tenancy.enable_rls('tenancy.subscriptions', write_role => 'OWNER', delete_role => 'OWNER');
SELECT tenancy.enable_rls('tenancy.projects', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.tasks', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.comments', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.invitations', write_role => 'ADMIN', delete_role => 'ADMIN');

-- Platform catalog: readable by every role. No write policy: FORCE applies the policies to the
-- table owner too, so only a superuser (the platform, or its SECURITY DEFINER functions) writes.
ALTER TABLE tenancy.subscription_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.subscription_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY subscription_plans_read ON tenancy.subscription_plans FOR SELECT USING (true);
ALTER TABLE tenancy.features ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.features FORCE ROW LEVEL SECURITY;
CREATE POLICY features_read ON tenancy.features FOR SELECT USING (true);
ALTER TABLE tenancy.plan_features ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.plan_features FORCE ROW LEVEL SECURITY;
CREATE POLICY plan_features_read ON tenancy.plan_features FOR SELECT USING (true);

-- A profile is read and written by its own user. (To widen to "visible like users" once users
-- has its policies.)
ALTER TABLE tenancy.user_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.user_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY user_profiles_self_select ON tenancy.user_profiles FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());
CREATE POLICY user_profiles_self_insert ON tenancy.user_profiles FOR INSERT
  WITH CHECK (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());
CREATE POLICY user_profiles_self_update ON tenancy.user_profiles FOR UPDATE
  USING (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id())
  WITH CHECK (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());
CREATE POLICY user_profiles_self_delete ON tenancy.user_profiles FOR DELETE
  USING (user_id OPERATOR(pg_catalog.=) tenancy.current_user_id());

-- Tokens: RLS enabled and forced with no policy at all, so no role but a superuser (or a
-- SECURITY DEFINER function owned by one) reads or writes them.
ALTER TABLE tenancy.refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.refresh_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE tenancy.password_reset_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.password_reset_tokens FORCE ROW LEVEL SECURITY;
-- Telemetry (SCHEMA.md, seed 002): issues group the error events of a project by fingerprint;
-- events are immutable occurrences. tenancy.ingest_event keeps the issue counters true.

CREATE TABLE tenancy.issues (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  fingerprint text NOT NULL CHECK (length(fingerprint) BETWEEN 1 AND 512),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
  status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED', 'IGNORED')),
  events_count bigint NOT NULL DEFAULT 0 CHECK (events_count >= 0),
  users_affected bigint NOT NULL DEFAULT 0 CHECK (users_affected >= 0),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- Also the index of the project foreign key (it leads with organization_id, project_id).
  CONSTRAINT issues_fingerprint_key UNIQUE (organization_id, project_id, fingerprint),
  CONSTRAINT issues_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT issues_seen_order CHECK (last_seen_at >= first_seen_at)
);
CREATE INDEX issues_status_idx ON tenancy.issues (organization_id, project_id, status, last_seen_at DESC);
CREATE TRIGGER issues_touch_updated_at BEFORE UPDATE ON tenancy.issues
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.issues IS 'Groups of similar error events of a project (deduplicated by fingerprint), with their counters.';
COMMENT ON COLUMN tenancy.issues.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.issues.id IS 'Issue id (uuid).';
COMMENT ON COLUMN tenancy.issues.project_id IS 'The project, in the same organization.';
COMMENT ON COLUMN tenancy.issues.fingerprint IS 'Hash of the stack trace that groups events; unique within the project.';
COMMENT ON COLUMN tenancy.issues.title IS 'Title (typically the error message).';
COMMENT ON COLUMN tenancy.issues.status IS 'Status: OPEN, RESOLVED or IGNORED.';
COMMENT ON COLUMN tenancy.issues.events_count IS 'Number of events of the issue (never negative).';
COMMENT ON COLUMN tenancy.issues.users_affected IS 'Number of distinct users affected (never negative).';
COMMENT ON COLUMN tenancy.issues.first_seen_at IS 'When the first event occurred.';
COMMENT ON COLUMN tenancy.issues.last_seen_at IS 'When the latest event occurred (not before first_seen_at).';
COMMENT ON COLUMN tenancy.issues.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.issues.updated_at IS 'When the row was last updated (kept by trigger).';

CREATE TABLE tenancy.events (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  issue_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  user_identifier text CHECK (length(user_identifier) BETWEEN 1 AND 500),
  payload jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT events_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT events_issue_fkey FOREIGN KEY (organization_id, issue_id)
    REFERENCES tenancy.issues (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX events_project_idx ON tenancy.events (organization_id, project_id, occurred_at DESC);
CREATE INDEX events_issue_idx ON tenancy.events (organization_id, issue_id, occurred_at DESC);
CREATE TRIGGER events_immutable BEFORE UPDATE ON tenancy.events
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('immutable');
COMMENT ON TABLE tenancy.events IS 'Single occurrences of errors. Immutable: UPDATE raises 55000 (no updated_at); rows go with their issue or project.';
COMMENT ON COLUMN tenancy.events.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.events.id IS 'Event id (uuid).';
COMMENT ON COLUMN tenancy.events.project_id IS 'The project that reported it, in the same organization.';
COMMENT ON COLUMN tenancy.events.issue_id IS 'The issue it belongs to, in the same organization.';
COMMENT ON COLUMN tenancy.events.occurred_at IS 'When the error occurred (as reported).';
COMMENT ON COLUMN tenancy.events.user_identifier IS 'Identifier of the affected end user, as reported; NULL when unknown.';
COMMENT ON COLUMN tenancy.events.payload IS 'The reported event (JSON object).';
COMMENT ON COLUMN tenancy.events.created_at IS 'When the event was ingested.';

SELECT pg_catalog.pg_extension_config_dump('tenancy.issues', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.events', '');

SELECT tenancy.enable_rls('tenancy.issues', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.events', write_role => 'MEMBER', delete_role => 'ADMIN');
-- Data pipelines (SCHEMA.md, seed 001): sources and their inferred schemas and sync runs, the
-- organization's warehouse and its tables, transformations with versions and runs, outputs,
-- and schedules. Every reference between them is a composite key within one organization.

-- sources ----------------------------------------------------------------------------------

CREATE TABLE tenancy.sources (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  source_type text NOT NULL CHECK (source_type IN ('google_sheets', 'csv', 'api', 'database')),
  config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  warehouse_table_name text CHECK (length(warehouse_table_name) BETWEEN 1 AND 63),
  last_synced_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX sources_created_by_id_idx ON tenancy.sources (created_by_id);
CREATE INDEX sources_live_idx ON tenancy.sources (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER sources_touch_updated_at BEFORE UPDATE ON tenancy.sources
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.sources IS 'Data source configurations (Google Sheets, CSV, API, database). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.sources.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.sources.id IS 'Source id (uuid).';
COMMENT ON COLUMN tenancy.sources.name IS 'Display name.';
COMMENT ON COLUMN tenancy.sources.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.sources.source_type IS 'Kind of source: google_sheets, csv, api or database.';
COMMENT ON COLUMN tenancy.sources.config IS 'Connection settings of the source (JSON object).';
COMMENT ON COLUMN tenancy.sources.warehouse_table_name IS 'Warehouse table the source syncs into; NULL before the first sync.';
COMMENT ON COLUMN tenancy.sources.last_synced_at IS 'When the last successful sync completed; NULL if never.';
COMMENT ON COLUMN tenancy.sources.created_by_id IS 'User who created the source (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.sources.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.sources.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.sources.deleted_at IS 'When the source was soft-deleted; NULL while live.';

-- source_schemas ---------------------------------------------------------------------------

CREATE TABLE tenancy.source_schemas (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_id uuid NOT NULL,
  column_name text NOT NULL CHECK (length(column_name) BETWEEN 1 AND 200),
  column_type text NOT NULL CHECK (length(column_type) BETWEEN 1 AND 100),
  column_order integer NOT NULL CHECK (column_order >= 0),
  is_nullable boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT source_schemas_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX source_schemas_source_idx ON tenancy.source_schemas (organization_id, source_id, column_order);
CREATE UNIQUE INDEX source_schemas_live_column_key ON tenancy.source_schemas (organization_id, source_id, column_name)
  WHERE deleted_at IS NULL;
CREATE TRIGGER source_schemas_touch_updated_at BEFORE UPDATE ON tenancy.source_schemas
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.source_schemas IS 'Inferred columns of each source (one live row per column name). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.source_schemas.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.source_schemas.id IS 'Row id (uuid).';
COMMENT ON COLUMN tenancy.source_schemas.source_id IS 'The source, in the same organization.';
COMMENT ON COLUMN tenancy.source_schemas.column_name IS 'Column name, unique among the live columns of the source.';
COMMENT ON COLUMN tenancy.source_schemas.column_type IS 'Inferred column type.';
COMMENT ON COLUMN tenancy.source_schemas.column_order IS 'Position of the column, from 0.';
COMMENT ON COLUMN tenancy.source_schemas.is_nullable IS 'Whether the column may be empty.';
COMMENT ON COLUMN tenancy.source_schemas.metadata IS 'Further facts about the column (JSON object).';
COMMENT ON COLUMN tenancy.source_schemas.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.source_schemas.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.source_schemas.deleted_at IS 'When the column was soft-deleted; NULL while live.';

-- sync_runs --------------------------------------------------------------------------------

CREATE TABLE tenancy.sync_runs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceled')),
  started_at timestamptz,
  completed_at timestamptz,
  rows_synced bigint CHECK (rows_synced >= 0),
  error_message text,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  triggered_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT sync_runs_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT sync_runs_time_order CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at)
);
CREATE INDEX sync_runs_source_idx ON tenancy.sync_runs (organization_id, source_id, created_at DESC);
CREATE INDEX sync_runs_triggered_by_id_idx ON tenancy.sync_runs (triggered_by_id);
CREATE TRIGGER sync_runs_touch_updated_at BEFORE UPDATE ON tenancy.sync_runs
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.sync_runs IS 'History of data sync operations of sources.';
COMMENT ON COLUMN tenancy.sync_runs.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.sync_runs.id IS 'Run id (uuid).';
COMMENT ON COLUMN tenancy.sync_runs.source_id IS 'The source synced, in the same organization.';
COMMENT ON COLUMN tenancy.sync_runs.status IS 'Status: pending, running, succeeded, failed or canceled.';
COMMENT ON COLUMN tenancy.sync_runs.started_at IS 'When the run started; NULL while pending.';
COMMENT ON COLUMN tenancy.sync_runs.completed_at IS 'When the run ended; NULL while pending or running. Not before started_at.';
COMMENT ON COLUMN tenancy.sync_runs.rows_synced IS 'Number of rows synced; NULL until known.';
COMMENT ON COLUMN tenancy.sync_runs.error_message IS 'Error message of a failed run.';
COMMENT ON COLUMN tenancy.sync_runs.details IS 'Further facts about the run (JSON object).';
COMMENT ON COLUMN tenancy.sync_runs.triggered_by_id IS 'User who started the run (defaults to the context user); NULL for scheduled runs or once that user is deleted.';
COMMENT ON COLUMN tenancy.sync_runs.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.sync_runs.updated_at IS 'When the row was last updated (kept by trigger).';

-- warehouse_connections --------------------------------------------------------------------

CREATE TABLE tenancy.warehouse_connections (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  database_name text NOT NULL CHECK (length(database_name) BETWEEN 1 AND 200),
  -- Only an encrypt_secret ciphertext fits: a plaintext token stored by mistake is refused.
  access_token_encrypted bytea CHECK (octet_length(access_token_encrypted) >= 41
                                      AND get_byte(access_token_encrypted, 0) = 1),
  is_connected boolean NOT NULL DEFAULT false,
  last_connected_at timestamptz,
  config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT warehouse_connections_organization_key UNIQUE (organization_id)
);
CREATE TRIGGER warehouse_connections_touch_updated_at BEFORE UPDATE ON tenancy.warehouse_connections
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.warehouse_connections IS 'The data warehouse connection of an organization (at most one row per organization, soft-deleted or not). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.warehouse_connections.organization_id IS 'The owning organization (tenant key; unique).';
COMMENT ON COLUMN tenancy.warehouse_connections.id IS 'Connection id (uuid).';
COMMENT ON COLUMN tenancy.warehouse_connections.database_name IS 'Name of the warehouse database.';
COMMENT ON COLUMN tenancy.warehouse_connections.access_token_encrypted IS 'Access token encrypted with tenancy.encrypt_secret (bound to the organization); NULL when none.';
COMMENT ON COLUMN tenancy.warehouse_connections.is_connected IS 'Whether the last connection attempt succeeded.';
COMMENT ON COLUMN tenancy.warehouse_connections.last_connected_at IS 'When the warehouse was last reached; NULL if never.';
COMMENT ON COLUMN tenancy.warehouse_connections.config IS 'Connection settings (JSON object).';
COMMENT ON COLUMN tenancy.warehouse_connections.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.warehouse_connections.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.warehouse_connections.deleted_at IS 'When the connection was soft-deleted; NULL while live.';

-- transformations --------------------------------------------------------------------------

CREATE TABLE tenancy.transformations (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  recipe jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(recipe) IN ('object', 'array')),
  output_table_name text CHECK (length(output_table_name) BETWEEN 1 AND 63),
  current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
  last_run_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX transformations_created_by_id_idx ON tenancy.transformations (created_by_id);
CREATE INDEX transformations_live_idx ON tenancy.transformations (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER transformations_touch_updated_at BEFORE UPDATE ON tenancy.transformations
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.transformations IS 'Transformation definitions (recipes). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.transformations.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.transformations.id IS 'Transformation id (uuid).';
COMMENT ON COLUMN tenancy.transformations.name IS 'Display name.';
COMMENT ON COLUMN tenancy.transformations.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.transformations.recipe IS 'The current recipe (JSON object or array of steps).';
COMMENT ON COLUMN tenancy.transformations.output_table_name IS 'Warehouse table it writes; NULL until set.';
COMMENT ON COLUMN tenancy.transformations.current_version IS 'Number of the current version (from 1).';
COMMENT ON COLUMN tenancy.transformations.last_run_at IS 'When it last ran; NULL if never.';
COMMENT ON COLUMN tenancy.transformations.created_by_id IS 'User who created it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.transformations.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.transformations.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.transformations.deleted_at IS 'When the transformation was soft-deleted; NULL while live.';

-- transformation_versions ------------------------------------------------------------------

CREATE TABLE tenancy.transformation_versions (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  transformation_id uuid NOT NULL,
  version_number integer NOT NULL CHECK (version_number >= 1),
  recipe jsonb NOT NULL CHECK (jsonb_typeof(recipe) IN ('object', 'array')),
  generated_sql text,
  change_description text,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- Also the index of the transformation foreign key.
  CONSTRAINT transformation_versions_number_key UNIQUE (organization_id, transformation_id, version_number),
  CONSTRAINT transformation_versions_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX transformation_versions_created_by_id_idx ON tenancy.transformation_versions (created_by_id);
CREATE TRIGGER transformation_versions_immutable BEFORE UPDATE ON tenancy.transformation_versions
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('immutable', 'created_by_id');
COMMENT ON TABLE tenancy.transformation_versions IS 'Version history of transformations. Immutable: UPDATE raises 55000 (no updated_at); versions go with their transformation.';
COMMENT ON COLUMN tenancy.transformation_versions.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.transformation_versions.id IS 'Version id (uuid).';
COMMENT ON COLUMN tenancy.transformation_versions.transformation_id IS 'The transformation, in the same organization.';
COMMENT ON COLUMN tenancy.transformation_versions.version_number IS 'Version number (from 1), unique per transformation.';
COMMENT ON COLUMN tenancy.transformation_versions.recipe IS 'The recipe of this version (JSON object or array of steps).';
COMMENT ON COLUMN tenancy.transformation_versions.generated_sql IS 'SQL generated from the recipe.';
COMMENT ON COLUMN tenancy.transformation_versions.change_description IS 'What changed in this version.';
COMMENT ON COLUMN tenancy.transformation_versions.created_by_id IS 'User who saved the version (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.transformation_versions.created_at IS 'When the version was saved.';

-- transformation_runs ----------------------------------------------------------------------

CREATE TABLE tenancy.transformation_runs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  transformation_id uuid NOT NULL,
  version_number integer CHECK (version_number >= 1),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceled')),
  started_at timestamptz,
  completed_at timestamptz,
  executed_sql text,
  rows_affected bigint CHECK (rows_affected >= 0),
  error_message text,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  triggered_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT transformation_runs_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE CASCADE,
  -- Not enforced while version_number is NULL (MATCH SIMPLE).
  CONSTRAINT transformation_runs_version_fkey FOREIGN KEY (organization_id, transformation_id, version_number)
    REFERENCES tenancy.transformation_versions (organization_id, transformation_id, version_number) ON DELETE CASCADE,
  CONSTRAINT transformation_runs_time_order CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at)
);
-- The index of both foreign keys.
CREATE INDEX transformation_runs_version_idx ON tenancy.transformation_runs (organization_id, transformation_id, version_number);
CREATE INDEX transformation_runs_recent_idx ON tenancy.transformation_runs (organization_id, created_at DESC);
CREATE INDEX transformation_runs_triggered_by_id_idx ON tenancy.transformation_runs (triggered_by_id);
CREATE TRIGGER transformation_runs_touch_updated_at BEFORE UPDATE ON tenancy.transformation_runs
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.transformation_runs IS 'Execution history of transformations.';
COMMENT ON COLUMN tenancy.transformation_runs.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.transformation_runs.id IS 'Run id (uuid).';
COMMENT ON COLUMN tenancy.transformation_runs.transformation_id IS 'The transformation run, in the same organization.';
COMMENT ON COLUMN tenancy.transformation_runs.version_number IS 'The version run (an existing version of the transformation); NULL when not recorded.';
COMMENT ON COLUMN tenancy.transformation_runs.status IS 'Status: pending, running, succeeded, failed or canceled.';
COMMENT ON COLUMN tenancy.transformation_runs.started_at IS 'When the run started; NULL while pending.';
COMMENT ON COLUMN tenancy.transformation_runs.completed_at IS 'When the run ended; NULL while pending or running. Not before started_at.';
COMMENT ON COLUMN tenancy.transformation_runs.executed_sql IS 'The SQL that was executed.';
COMMENT ON COLUMN tenancy.transformation_runs.rows_affected IS 'Number of rows written; NULL until known.';
COMMENT ON COLUMN tenancy.transformation_runs.error_message IS 'Error message of a failed run.';
COMMENT ON COLUMN tenancy.transformation_runs.details IS 'Further facts about the run (JSON object).';
COMMENT ON COLUMN tenancy.transformation_runs.triggered_by_id IS 'User who started the run (defaults to the context user); NULL for scheduled runs or once that user is deleted.';
COMMENT ON COLUMN tenancy.transformation_runs.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.transformation_runs.updated_at IS 'When the row was last updated (kept by trigger).';

-- warehouse_tables -------------------------------------------------------------------------

CREATE TABLE tenancy.warehouse_tables (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  warehouse_connection_id uuid NOT NULL,
  table_name text NOT NULL CHECK (length(table_name) BETWEEN 1 AND 63),
  source_id uuid,
  transformation_id uuid,
  row_count bigint CHECK (row_count >= 0),
  size_bytes bigint CHECK (size_bytes >= 0),
  last_updated_at timestamptz,
  schema_info jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(schema_info) IN ('object', 'array')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT warehouse_tables_connection_fkey FOREIGN KEY (organization_id, warehouse_connection_id)
    REFERENCES tenancy.warehouse_connections (organization_id, id) ON DELETE CASCADE,
  -- Optional references: not enforced while NULL (MATCH SIMPLE); the source or transformation
  -- cannot be deleted while a table records it (they are soft-deleted instead).
  CONSTRAINT warehouse_tables_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE RESTRICT,
  CONSTRAINT warehouse_tables_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE RESTRICT
);
CREATE INDEX warehouse_tables_connection_idx ON tenancy.warehouse_tables (organization_id, warehouse_connection_id);
CREATE INDEX warehouse_tables_source_idx ON tenancy.warehouse_tables (organization_id, source_id);
CREATE INDEX warehouse_tables_transformation_idx ON tenancy.warehouse_tables (organization_id, transformation_id);
CREATE UNIQUE INDEX warehouse_tables_live_name_key ON tenancy.warehouse_tables (organization_id, warehouse_connection_id, table_name)
  WHERE deleted_at IS NULL;
CREATE TRIGGER warehouse_tables_touch_updated_at BEFORE UPDATE ON tenancy.warehouse_tables
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.warehouse_tables IS 'Registry of the tables in the organization''s warehouse (one live row per table name). Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.warehouse_tables.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.warehouse_tables.id IS 'Row id (uuid).';
COMMENT ON COLUMN tenancy.warehouse_tables.warehouse_connection_id IS 'The warehouse connection, in the same organization.';
COMMENT ON COLUMN tenancy.warehouse_tables.table_name IS 'Name of the table in the warehouse.';
COMMENT ON COLUMN tenancy.warehouse_tables.source_id IS 'Source that created the table, in the same organization; NULL if none.';
COMMENT ON COLUMN tenancy.warehouse_tables.transformation_id IS 'Transformation that created the table, in the same organization; NULL if none.';
COMMENT ON COLUMN tenancy.warehouse_tables.row_count IS 'Number of rows; NULL until known.';
COMMENT ON COLUMN tenancy.warehouse_tables.size_bytes IS 'Size in bytes; NULL until known.';
COMMENT ON COLUMN tenancy.warehouse_tables.last_updated_at IS 'When the table''s data last changed; NULL until known.';
COMMENT ON COLUMN tenancy.warehouse_tables.schema_info IS 'Column information of the table (JSON object or array).';
COMMENT ON COLUMN tenancy.warehouse_tables.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.warehouse_tables.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.warehouse_tables.deleted_at IS 'When the row was soft-deleted; NULL while live.';

-- outputs ----------------------------------------------------------------------------------

CREATE TABLE tenancy.outputs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  transformation_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  destination_config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(destination_config) = 'object'),
  last_refreshed_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (organization_id, id),
  CONSTRAINT outputs_transformation_fkey FOREIGN KEY (organization_id, transformation_id)
    REFERENCES tenancy.transformations (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX outputs_transformation_idx ON tenancy.outputs (organization_id, transformation_id);
CREATE INDEX outputs_created_by_id_idx ON tenancy.outputs (created_by_id);
CREATE INDEX outputs_live_idx ON tenancy.outputs (organization_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER outputs_touch_updated_at BEFORE UPDATE ON tenancy.outputs
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.outputs IS 'Materialized outputs of transformations and where they are delivered. Soft-deleted via deleted_at.';
COMMENT ON COLUMN tenancy.outputs.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.outputs.id IS 'Output id (uuid).';
COMMENT ON COLUMN tenancy.outputs.transformation_id IS 'The transformation it materializes, in the same organization.';
COMMENT ON COLUMN tenancy.outputs.name IS 'Display name.';
COMMENT ON COLUMN tenancy.outputs.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.outputs.destination_config IS 'Where and how the output is delivered (JSON object).';
COMMENT ON COLUMN tenancy.outputs.last_refreshed_at IS 'When it was last refreshed; NULL if never.';
COMMENT ON COLUMN tenancy.outputs.created_by_id IS 'User who created it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.outputs.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.outputs.updated_at IS 'When the row was last updated (kept by trigger).';
COMMENT ON COLUMN tenancy.outputs.deleted_at IS 'When the output was soft-deleted; NULL while live.';

-- schedules --------------------------------------------------------------------------------

CREATE TABLE tenancy.schedules (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_id uuid,
  output_id uuid,
  frequency text NOT NULL CHECK (frequency IN ('hourly', 'daily', 'weekly', 'monthly')),
  run_at_time time,
  run_at_day integer CONSTRAINT schedules_run_at_day_check
    CHECK (run_at_day IS NULL
           OR (frequency = 'weekly' AND run_at_day BETWEEN 1 AND 7)
           OR (frequency = 'monthly' AND run_at_day BETWEEN 1 AND 31)),
  timezone text NOT NULL DEFAULT 'UTC',
  is_active boolean NOT NULL DEFAULT true,
  last_run_at timestamptz,
  next_run_at timestamptz,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CONSTRAINT schedules_one_target CHECK (num_nonnulls(source_id, output_id) = 1),
  -- At most one schedule per source and per output; also the indexes of the foreign keys.
  CONSTRAINT schedules_source_key UNIQUE (organization_id, source_id),
  CONSTRAINT schedules_output_key UNIQUE (organization_id, output_id),
  CONSTRAINT schedules_source_fkey FOREIGN KEY (organization_id, source_id)
    REFERENCES tenancy.sources (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT schedules_output_fkey FOREIGN KEY (organization_id, output_id)
    REFERENCES tenancy.outputs (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX schedules_created_by_id_idx ON tenancy.schedules (created_by_id);
-- The scheduler's question, across organizations: which active schedules are due.
CREATE INDEX schedules_due_idx ON tenancy.schedules (next_run_at) WHERE is_active;
CREATE TRIGGER schedules_touch_updated_at BEFORE UPDATE ON tenancy.schedules
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
CREATE TRIGGER schedules_check_timezone BEFORE INSERT OR UPDATE OF timezone ON tenancy.schedules
  FOR EACH ROW EXECUTE FUNCTION tenancy.check_timezone('timezone');
COMMENT ON TABLE tenancy.schedules IS 'When sources are synced and outputs refreshed: exactly one of source_id and output_id.';
COMMENT ON COLUMN tenancy.schedules.organization_id IS 'The owning organization (tenant key).';
COMMENT ON COLUMN tenancy.schedules.id IS 'Schedule id (uuid).';
COMMENT ON COLUMN tenancy.schedules.source_id IS 'The source to sync, in the same organization (or NULL when output_id is set).';
COMMENT ON COLUMN tenancy.schedules.output_id IS 'The output to refresh, in the same organization (or NULL when source_id is set).';
COMMENT ON COLUMN tenancy.schedules.frequency IS 'How often: hourly, daily, weekly or monthly.';
COMMENT ON COLUMN tenancy.schedules.run_at_time IS 'Local time of day to run (minute past the hour for hourly); NULL for the default.';
COMMENT ON COLUMN tenancy.schedules.run_at_day IS 'Day to run: ISO day of week 1 (Monday) to 7 for weekly, day of month 1 to 31 for monthly; NULL otherwise.';
COMMENT ON COLUMN tenancy.schedules.timezone IS 'Time zone of run_at_time and run_at_day: a tz database name (checked by trigger, 22023).';
COMMENT ON COLUMN tenancy.schedules.is_active IS 'False while the schedule is paused.';
COMMENT ON COLUMN tenancy.schedules.last_run_at IS 'When it last ran; NULL if never.';
COMMENT ON COLUMN tenancy.schedules.next_run_at IS 'When it runs next (computed by tenancy.next_run_at); NULL when unknown.';
COMMENT ON COLUMN tenancy.schedules.created_by_id IS 'User who created it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.schedules.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.schedules.updated_at IS 'When the row was last updated (kept by trigger).';

SELECT pg_catalog.pg_extension_config_dump('tenancy.sources', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.source_schemas', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.sync_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.warehouse_connections', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.transformations', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.transformation_versions', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.transformation_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.warehouse_tables', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.outputs', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.schedules', '');

-- Row level security: MEMBER writes, ADMIN deletes.
SELECT tenancy.enable_rls('tenancy.sources', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.source_schemas', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.sync_runs', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.warehouse_connections', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.transformations', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.transformation_versions', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.transformation_runs', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.warehouse_tables', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.outputs', write_role => 'MEMBER', delete_role => 'ADMIN');
SELECT tenancy.enable_rls('tenancy.schedules', write_role => 'MEMBER', delete_role => 'ADMIN');
-- The shared cost ledger (SCHEMA.md, seed 000; API.md section 5): append-only cost entries of
-- an organization, readable by the organizations it shared 'ledger' with, and the platform's
-- exchange rates.

CREATE TABLE tenancy.cost_ledger (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id uuid,
  description text,
  amount numeric(18,2) NOT NULL CHECK (amount <> 'NaN'),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  entry_date date NOT NULL,
  created_by_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  reverses_entry_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- Optional: not enforced while project_id is NULL (MATCH SIMPLE). A project with entries
  -- cannot be deleted (projects are soft-deleted).
  CONSTRAINT cost_ledger_project_fkey FOREIGN KEY (organization_id, project_id)
    REFERENCES tenancy.projects (organization_id, id) ON DELETE RESTRICT,
  -- A reversing entry names the entry it reverses, in the same organization; an entry is
  -- reversed at most once. Also the index of this foreign key.
  CONSTRAINT cost_ledger_reverses_entry_key UNIQUE (organization_id, reverses_entry_id),
  CONSTRAINT cost_ledger_reverses_entry_fkey FOREIGN KEY (organization_id, reverses_entry_id)
    REFERENCES tenancy.cost_ledger (organization_id, id) ON DELETE RESTRICT,
  CONSTRAINT cost_ledger_not_self_reversing CHECK (reverses_entry_id <> id)
);
CREATE INDEX cost_ledger_entry_date_idx ON tenancy.cost_ledger (organization_id, entry_date);
CREATE INDEX cost_ledger_project_idx ON tenancy.cost_ledger (organization_id, project_id, entry_date);
CREATE INDEX cost_ledger_created_by_id_idx ON tenancy.cost_ledger (created_by_id);
CREATE TRIGGER cost_ledger_append_only BEFORE UPDATE OR DELETE ON tenancy.cost_ledger
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('append_only', 'created_by_id');
COMMENT ON TABLE tenancy.cost_ledger IS 'Cost entries of organizations. Append-only: UPDATE and DELETE raise 55000 (no updated_at); corrections are reversing entries. Readable by the organizations that the owner shared ''ledger'' with.';
COMMENT ON COLUMN tenancy.cost_ledger.organization_id IS 'The organization incurring the cost (tenant key).';
COMMENT ON COLUMN tenancy.cost_ledger.id IS 'Entry id (uuid).';
COMMENT ON COLUMN tenancy.cost_ledger.project_id IS 'Project the cost belongs to, in the same organization; NULL for organization-level costs.';
COMMENT ON COLUMN tenancy.cost_ledger.description IS 'Description of the cost.';
COMMENT ON COLUMN tenancy.cost_ledger.amount IS 'Amount in currency, exact to the cent (negative in reversing entries).';
COMMENT ON COLUMN tenancy.cost_ledger.currency IS 'ISO 4217 currency code (three upper-case letters).';
COMMENT ON COLUMN tenancy.cost_ledger.entry_date IS 'Date the cost was incurred.';
COMMENT ON COLUMN tenancy.cost_ledger.created_by_id IS 'User who recorded it (defaults to the context user; NULL once that user is deleted).';
COMMENT ON COLUMN tenancy.cost_ledger.reverses_entry_id IS 'The entry this one reverses, in the same organization; NULL for an ordinary entry.';
COMMENT ON COLUMN tenancy.cost_ledger.created_at IS 'When the entry was recorded.';

CREATE TABLE tenancy.fx_rates (
  base char(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote char(3) NOT NULL CHECK (quote ~ '^[A-Z]{3}$'),
  rate_date date NOT NULL,
  rate numeric NOT NULL CHECK (rate > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (base, quote, rate_date),
  CONSTRAINT fx_rates_distinct_currencies CHECK (base <> quote)
);
CREATE TRIGGER fx_rates_touch_updated_at BEFORE UPDATE ON tenancy.fx_rates
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.fx_rates IS 'Exchange rates by day (platform table: readable by all, written by the platform).';
COMMENT ON COLUMN tenancy.fx_rates.base IS 'Currency converted from (ISO 4217).';
COMMENT ON COLUMN tenancy.fx_rates.quote IS 'Currency converted to (ISO 4217), other than base.';
COMMENT ON COLUMN tenancy.fx_rates.rate_date IS 'Day the rate applies from (conversion uses the latest rate on or before the entry date).';
COMMENT ON COLUMN tenancy.fx_rates.rate IS 'Units of quote per unit of base (positive).';
COMMENT ON COLUMN tenancy.fx_rates.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.fx_rates.updated_at IS 'When the row was last updated (kept by trigger).';

SELECT pg_catalog.pg_extension_config_dump('tenancy.cost_ledger', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.fx_rates', '');

-- Reads: the current organization and those sharing 'ledger' with it. Writes: the current
-- organization, MEMBER+ (UPDATE and DELETE are refused by the trigger anyway).
SELECT tenancy.enable_rls('tenancy.cost_ledger', write_role => 'MEMBER', delete_role => 'ADMIN',
                          share_scope => 'ledger');

-- Readable by every role; no write policy, so only a superuser (the platform) writes.
ALTER TABLE tenancy.fx_rates ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.fx_rates FORCE ROW LEVEL SECURITY;
CREATE POLICY fx_rates_read ON tenancy.fx_rates FOR SELECT USING (true);
-- The shared cost ledger's functions (API.md section 5): the exact money_sum aggregate,
-- half-even rounding, record_cost, reverse_entry and ledger_summary. The tables are in
-- src/schema/ledger.sql.

-- money_sum ----------------------------------------------------------------------------------

CREATE FUNCTION tenancy.money_sum_transition(internal, numeric) RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_transition';
CREATE FUNCTION tenancy.money_sum_combine(internal, internal) RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_combine';
CREATE FUNCTION tenancy.money_sum_serialize(internal) RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_serialize';
CREATE FUNCTION tenancy.money_sum_deserialize(bytea, internal) RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_deserialize';
CREATE FUNCTION tenancy.money_sum_final(internal) RETURNS numeric
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_money_sum_final';
COMMENT ON FUNCTION tenancy.money_sum_transition(internal, numeric) IS 'money_sum: adds one amount (internal).';
COMMENT ON FUNCTION tenancy.money_sum_combine(internal, internal) IS 'money_sum: merges two partial sums (internal).';
COMMENT ON FUNCTION tenancy.money_sum_serialize(internal) IS 'money_sum: a partial sum as bytes (internal).';
COMMENT ON FUNCTION tenancy.money_sum_deserialize(bytea, internal) IS 'money_sum: a partial sum from bytes (internal).';
COMMENT ON FUNCTION tenancy.money_sum_final(internal) IS 'money_sum: the total (internal).';

CREATE AGGREGATE tenancy.money_sum(numeric) (
  SFUNC = tenancy.money_sum_transition,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = tenancy.money_sum_final,
  COMBINEFUNC = tenancy.money_sum_combine,
  SERIALFUNC = tenancy.money_sum_serialize,
  DESERIALFUNC = tenancy.money_sum_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE tenancy.money_sum(numeric) IS
  'Exact sum of amounts with at most 2 decimals (128-bit cents): equal to sum(numeric), faster; 22003 beyond its range.';

CREATE FUNCTION tenancy.round_half_even(value numeric, places int DEFAULT 2) RETURNS numeric
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenancy_round_half_even';
COMMENT ON FUNCTION tenancy.round_half_even(numeric, int) IS
  'Rounds to places decimals, halves to the even neighbour (banker''s rounding), exactly.';

-- Writing ----------------------------------------------------------------------------------

-- 42501 unless the context's role is at least MEMBER (the ledger's write role).
CREATE FUNCTION tenancy.require_ledger_writer() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('MEMBER') THEN
    RAISE EXCEPTION 'writing to the ledger needs a tenant context with the MEMBER role or higher'
      USING ERRCODE = '42501';
  END IF;
  RETURN tenancy.current_org_id();
END;
$$;
COMMENT ON FUNCTION tenancy.require_ledger_writer() IS
  'The context''s organization, or 42501 when the context may not write to the ledger.';

-- 22023 unless currency is three upper-case letters.
CREATE FUNCTION tenancy.check_currency(currency text, argument text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF currency IS NULL OR currency !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION '% must be an ISO 4217 code: three upper-case letters', argument USING ERRCODE = '22023';
  END IF;
END;
$$;
COMMENT ON FUNCTION tenancy.check_currency(text, text) IS 'Raises 22023 unless the text is three upper-case letters.';

-- Records a cost of the context's organization (MEMBER+). The amount must be finite with at
-- most 2 decimals (the column would otherwise round it silently); a project must be one of the
-- organization's live projects (another organization's answers like a missing one, 42704).
-- SECURITY DEFINER: the application role cannot insert into cost_ledger itself, so every entry
-- passes these checks; the organization and user are the context's.
CREATE FUNCTION tenancy.record_cost(amount numeric, currency text, entry_date date,
                                    description text DEFAULT NULL, project_id uuid DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  -- The checks are written out here rather than called (require_ledger_writer, check_currency):
  -- each nested function with its own search_path costs a GUC save and restore per call, and
  -- this is the ledger's hot path.
  org uuid := tenancy.current_org_id();
  new_id uuid;
BEGIN
  IF org IS NULL OR NOT tenancy.has_role('MEMBER') THEN
    RAISE EXCEPTION 'writing to the ledger needs a tenant context with the MEMBER role or higher'
      USING ERRCODE = '42501';
  END IF;
  IF amount IS NULL OR amount IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION 'amount must be a finite number' USING ERRCODE = '22023';
  END IF;
  IF amount <> trunc(amount, 2) THEN
    RAISE EXCEPTION 'amount must have at most 2 decimal places' USING ERRCODE = '22023';
  END IF;
  IF currency IS NULL OR currency !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION 'currency must be an ISO 4217 code: three upper-case letters' USING ERRCODE = '22023';
  END IF;
  IF entry_date IS NULL OR NOT isfinite(entry_date) THEN
    RAISE EXCEPTION 'entry_date must be a finite date' USING ERRCODE = '22023';
  END IF;
  IF project_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM tenancy.projects p
        WHERE p.organization_id = org AND p.id = record_cost.project_id AND p.deleted_at IS NULL) THEN
    RAISE EXCEPTION 'project does not exist' USING ERRCODE = '42704';
  END IF;
  INSERT INTO tenancy.cost_ledger (organization_id, project_id, description, amount, currency,
                                   entry_date, created_by_id)
  VALUES (org, project_id, description, amount, currency, entry_date, tenancy.current_user_id())
  RETURNING id INTO new_id;
  RETURN new_id;
END;
$$;
COMMENT ON FUNCTION tenancy.record_cost(numeric, text, date, text, uuid) IS
  'Records a cost entry of the context''s organization (MEMBER+); returns its id.';

-- Reverses an entry of the context's organization (MEMBER+): a new entry with the opposite
-- amount, the same currency, date and project, and the reason as its description. Another
-- organization's entry (even one shared with the caller) answers like a missing one (42704);
-- an entry already reversed, or a reversal, cannot be reversed (55000). SECURITY DEFINER, as
-- record_cost: it reads only the context's organization's entries.
CREATE FUNCTION tenancy.reverse_entry(entry_id uuid, reason text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  org uuid := tenancy.require_ledger_writer();
  original record;
  new_id uuid;
BEGIN
  IF reason IS NULL OR btrim(reason) = '' THEN
    RAISE EXCEPTION 'reason must not be empty' USING ERRCODE = '22023';
  END IF;
  SELECT l.* INTO original FROM tenancy.cost_ledger l
   WHERE l.organization_id = org AND l.id = entry_id;
  IF original.id IS NULL THEN
    RAISE EXCEPTION 'ledger entry does not exist' USING ERRCODE = '42704';
  END IF;
  IF original.reverses_entry_id IS NOT NULL THEN
    RAISE EXCEPTION 'a reversing entry cannot be reversed' USING ERRCODE = '55000',
      HINT = 'Record a new entry instead.';
  END IF;
  BEGIN
    INSERT INTO tenancy.cost_ledger (organization_id, project_id, description, amount, currency,
                                     entry_date, reverses_entry_id, created_by_id)
    VALUES (org, original.project_id, reason, -original.amount, original.currency,
            original.entry_date, original.id, tenancy.current_user_id())
    RETURNING id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'ledger entry has already been reversed' USING ERRCODE = '55000';
  END;
  RETURN new_id;
END;
$$;
COMMENT ON FUNCTION tenancy.reverse_entry(uuid, text) IS
  'Reverses an entry of the context''s organization with an opposite entry; returns its id.';

-- Reading ----------------------------------------------------------------------------------

-- Totals of the entries the caller may see (its organization and those sharing 'ledger' with
-- it: the table's policy), dated from_date to to_date inclusive, optionally narrowed to org_ids,
-- grouped by any of organization, project, currency, period (columns not grouped are NULL).
-- A period groups by period_start (day, ISO week from Monday, month, quarter, year) and implies
-- 'period'. Amounts are never added across currencies: without target_currency the rows are
-- always per currency; with it, every entry is converted at the latest fx rate (base = its
-- currency, quote = target) on or before its date, rounded half-even to 2 decimals, then
-- summed, and currency is the target. A missing rate is an error naming the pair and date.
CREATE FUNCTION tenancy.ledger_summary(from_date date, to_date date,
                                       group_by text[] DEFAULT '{organization,currency}',
                                       period text DEFAULT NULL, target_currency text DEFAULT NULL,
                                       org_ids uuid[] DEFAULT NULL)
RETURNS TABLE (organization_id uuid, project_id uuid, period_start date, currency text,
               total numeric, entry_count bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  unknown text;
  by_org boolean := 'organization' = ANY (group_by);
  by_project boolean := 'project' = ANY (group_by);
  by_period boolean := 'period' = ANY (group_by) OR period IS NOT NULL;
  key_org text;
  key_project text;
  key_period text;
  missing record;
BEGIN
  IF from_date IS NULL OR to_date IS NULL THEN
    RAISE EXCEPTION 'from_date and to_date must not be NULL' USING ERRCODE = '22023';
  END IF;
  IF from_date > to_date THEN
    RAISE EXCEPTION 'from_date (%) is after to_date (%)', from_date, to_date USING ERRCODE = '22023';
  END IF;
  IF group_by IS NULL THEN
    RAISE EXCEPTION 'group_by must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT coalesce(g, 'NULL') INTO unknown FROM unnest(group_by) g
   WHERE g IS NULL OR g NOT IN ('organization', 'project', 'currency', 'period') LIMIT 1;
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'unknown group_by word "%"', unknown USING ERRCODE = '22023',
      HINT = 'Use organization, project, currency and period.';
  END IF;
  IF period IS NOT NULL AND period NOT IN ('day', 'week', 'month', 'quarter', 'year') THEN
    RAISE EXCEPTION 'unknown period "%"', period USING ERRCODE = '22023',
      HINT = 'Use day, week, month, quarter or year.';
  END IF;
  IF by_period AND period IS NULL THEN
    RAISE EXCEPTION 'group_by period needs a period' USING ERRCODE = '22023',
      HINT = 'Pass period => ''day'', ''week'', ''month'', ''quarter'' or ''year''.';
  END IF;

  -- The grouping keys are spliced in (constants, or period after the check above), so each call
  -- is planned for exactly its keys: a hash aggregate over the rows, no sort on keys that are
  -- NULL anyway.
  key_org := CASE WHEN by_org THEN 'l.organization_id' ELSE 'NULL::pg_catalog.uuid' END;
  key_project := CASE WHEN by_project THEN 'l.project_id' ELSE 'NULL::pg_catalog.uuid' END;
  key_period := CASE WHEN by_period
                     THEN format('pg_catalog.date_trunc(%L, l.entry_date::pg_catalog.timestamp)::pg_catalog.date', period)
                     ELSE 'NULL::pg_catalog.date' END;

  IF target_currency IS NULL THEN
    RETURN QUERY EXECUTE format(
      'SELECT %s, %s, %s, l.currency::pg_catalog.text, tenancy.money_sum(l.amount), pg_catalog.count(*)
         FROM tenancy.cost_ledger l
        WHERE l.entry_date BETWEEN $1 AND $2
          AND ($3 IS NULL OR l.organization_id OPERATOR(pg_catalog.=) ANY ($3))
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4', key_org, key_project, key_period)
      USING from_date, to_date, org_ids;
    RETURN;
  END IF;

  PERFORM tenancy.check_currency(target_currency, 'target_currency');
  SELECT l.currency, l.entry_date INTO missing
    FROM tenancy.cost_ledger l
   WHERE l.entry_date BETWEEN from_date AND to_date
     AND (org_ids IS NULL OR l.organization_id = ANY (org_ids))
     AND l.currency <> target_currency
     AND NOT EXISTS (SELECT 1 FROM tenancy.fx_rates r
                      WHERE r.base = l.currency AND r.quote = target_currency AND r.rate_date <= l.entry_date)
   ORDER BY l.entry_date, l.currency
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'no fx rate % -> % on or before %', missing.currency, target_currency, missing.entry_date
      USING ERRCODE = '22023', HINT = 'Add the rate to tenancy.fx_rates.';
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT %s, %s, %s, $4, tenancy.money_sum(CASE WHEN l.currency OPERATOR(pg_catalog.=) $4 THEN l.amount
                  ELSE tenancy.round_half_even(l.amount OPERATOR(pg_catalog.*) (
                         SELECT r.rate FROM tenancy.fx_rates r
                          WHERE r.base OPERATOR(pg_catalog.=) l.currency AND r.quote OPERATOR(pg_catalog.=) $4
                            AND r.rate_date OPERATOR(pg_catalog.<=) l.entry_date
                          ORDER BY r.rate_date DESC LIMIT 1), 2) END),
            pg_catalog.count(*)
       FROM tenancy.cost_ledger l
      WHERE l.entry_date BETWEEN $1 AND $2
        AND ($3 IS NULL OR l.organization_id OPERATOR(pg_catalog.=) ANY ($3))
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4', key_org, key_project, key_period)
    USING from_date, to_date, org_ids, target_currency;
END;
$$;
COMMENT ON FUNCTION tenancy.ledger_summary(date, date, text[], text, text, uuid[]) IS
  'Ledger totals of the visible organizations by organization/project/currency/period, optionally converted to one currency.';
-- Cross-organization dependencies (SCHEMA.md, seed 000; API.md section 6): edges between
-- entities (org_id, entity_id) of any organizations. An edge belongs to its source
-- organization (key and distribution column source_org_id) and is visible at both ends.

CREATE TABLE tenancy.dependencies (
  source_org_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source_entity_id uuid NOT NULL,
  target_org_id uuid NOT NULL REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  target_entity_id uuid NOT NULL,
  dependency_type text NOT NULL
    CHECK (length(dependency_type) BETWEEN 1 AND 50 AND dependency_type ~ '^\S(.*\S)?$'),
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_org_id, id),
  CONSTRAINT dependencies_edge_key
    UNIQUE (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type)
);
-- Upstream traversal and the target_org_id foreign key.
CREATE INDEX dependencies_target_idx ON tenancy.dependencies (target_org_id, target_entity_id);
CREATE TRIGGER dependencies_touch_updated_at BEFORE UPDATE ON tenancy.dependencies
  FOR EACH ROW EXECUTE FUNCTION tenancy.touch_updated_at();
COMMENT ON TABLE tenancy.dependencies IS 'Edges "source depends on target" between entities of any organizations. Readable when either end is the current organization or shares ''dependencies'' with it; written by the source organization.';
COMMENT ON COLUMN tenancy.dependencies.source_org_id IS 'Organization of the dependent entity; owns the edge (key and distribution column).';
COMMENT ON COLUMN tenancy.dependencies.id IS 'Edge id (uuid).';
COMMENT ON COLUMN tenancy.dependencies.source_entity_id IS 'The entity that depends (a project, service or other component).';
COMMENT ON COLUMN tenancy.dependencies.target_org_id IS 'Organization of the entity depended upon.';
COMMENT ON COLUMN tenancy.dependencies.target_entity_id IS 'The entity depended upon.';
COMMENT ON COLUMN tenancy.dependencies.dependency_type IS 'Kind of dependency, such as build, runtime or data (1 to 50 characters, no surrounding white space).';
COMMENT ON COLUMN tenancy.dependencies.description IS 'Free-text description.';
COMMENT ON COLUMN tenancy.dependencies.created_at IS 'When the row was created.';
COMMENT ON COLUMN tenancy.dependencies.updated_at IS 'When the row was last updated (kept by trigger).';

SELECT pg_catalog.pg_extension_config_dump('tenancy.dependencies', '');

-- Hand-written tenancy_* policies (the generator knows one tenant column). Reads: either end
-- in visible_orgs('dependencies') (the InitPlan form keeps the indexes usable). Writes: the
-- source organization, MEMBER+; deletes ADMIN+, as the generator's defaults.
ALTER TABLE tenancy.dependencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.dependencies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenancy_select ON tenancy.dependencies FOR SELECT
  USING (source_org_id OPERATOR(pg_catalog.=) ANY ((SELECT tenancy.visible_orgs('dependencies'))::uuid[])
         OR target_org_id OPERATOR(pg_catalog.=) ANY ((SELECT tenancy.visible_orgs('dependencies'))::uuid[]));
CREATE POLICY tenancy_insert ON tenancy.dependencies FOR INSERT
  WITH CHECK (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('MEMBER'));
CREATE POLICY tenancy_update ON tenancy.dependencies FOR UPDATE
  USING (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('MEMBER'))
  WITH CHECK (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('MEMBER'));
CREATE POLICY tenancy_delete ON tenancy.dependencies FOR DELETE
  USING (source_org_id OPERATOR(pg_catalog.=) tenancy.current_org_id() AND tenancy.has_role('ADMIN'));
-- Cross-organization dependency functions (API.md section 6). Traversals run in C++ over the
-- edges visible to the caller (read through SPI, so the table's policy applies); the table is
-- in src/schema/graph.sql.

-- Records that the context organization's entity depends on an entity of target_org_id
-- (MEMBER+). A self-dependency is allowed as data (dependency_cycles reports it); the same
-- edge twice is 23505.
CREATE FUNCTION tenancy.add_dependency(source_entity_id uuid, target_org_id uuid,
                                       target_entity_id uuid, dependency_type text,
                                       description text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  new_id uuid;
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('MEMBER') THEN
    RAISE EXCEPTION 'adding a dependency needs a tenant context with the MEMBER role or higher'
      USING ERRCODE = '42501';
  END IF;
  IF source_entity_id IS NULL OR target_org_id IS NULL OR target_entity_id IS NULL THEN
    RAISE EXCEPTION 'source_entity_id, target_org_id and target_entity_id must not be NULL'
      USING ERRCODE = '22023';
  END IF;
  IF dependency_type IS NULL OR length(dependency_type) NOT BETWEEN 1 AND 50
     OR dependency_type !~ '^\S(.*\S)?$' THEN
    RAISE EXCEPTION 'dependency_type must be 1 to 50 characters without surrounding white space'
      USING ERRCODE = '22023';
  END IF;
  BEGIN
    INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id,
                                      dependency_type, description)
    VALUES (tenancy.current_org_id(), source_entity_id, target_org_id, target_entity_id,
            dependency_type, description)
    RETURNING id INTO new_id;
  EXCEPTION
    WHEN unique_violation THEN
      RAISE EXCEPTION 'this dependency already exists' USING ERRCODE = '23505';
    WHEN foreign_key_violation THEN
      RAISE EXCEPTION 'target organization does not exist' USING ERRCODE = '23503';
  END;
  RETURN new_id;
END;
$$;
COMMENT ON FUNCTION tenancy.add_dependency(uuid, uuid, uuid, text, text) IS
  'Records that an entity of the context''s organization depends on an entity of target_org_id; returns the edge id.';

CREATE FUNCTION tenancy.dependency_closure(org_id uuid, entity_id uuid, direction text DEFAULT 'downstream',
                                           max_depth int DEFAULT NULL, types text[] DEFAULT NULL)
RETURNS TABLE (org_id uuid, entity_id uuid, depth int, parent_org_id uuid, parent_entity_id uuid,
               dependency_type text)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_closure';
COMMENT ON FUNCTION tenancy.dependency_closure(uuid, uuid, text, int, text[]) IS
  'Every node reachable from a node (downstream: what it depends on; upstream: what depends on it), once, at its shortest depth, with its BFS parent.';

CREATE FUNCTION tenancy.dependency_path(from_org uuid, from_entity uuid, to_org uuid, to_entity uuid,
                                        types text[] DEFAULT NULL)
RETURNS TABLE (step int, org_id uuid, entity_id uuid, dependency_type text)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_path';
COMMENT ON FUNCTION tenancy.dependency_path(uuid, uuid, uuid, uuid, text[]) IS
  'A shortest path of dependencies from one node to another (step 0 is the start); no rows when there is none.';

CREATE FUNCTION tenancy.dependency_cycles(types text[] DEFAULT NULL)
RETURNS TABLE (cycle_id int, "position" int, org_id uuid, entity_id uuid)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_cycles';
COMMENT ON FUNCTION tenancy.dependency_cycles(text[]) IS
  'Every strongly connected component of more than one node, and every self-dependency, among the visible edges.';

CREATE FUNCTION tenancy.dependency_order(types text[] DEFAULT NULL)
RETURNS TABLE ("position" int, org_id uuid, entity_id uuid)
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_order';
COMMENT ON FUNCTION tenancy.dependency_order(text[]) IS
  'A topological order of the visible nodes, dependencies first; 55000 naming a cycle when there is one.';

CREATE FUNCTION tenancy.dependency_graph(org_id uuid, entity_id uuid, direction text DEFAULT 'downstream',
                                         format text DEFAULT 'mermaid', max_depth int DEFAULT NULL)
RETURNS text
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'tenancy_dependency_graph';
COMMENT ON FUNCTION tenancy.dependency_graph(uuid, uuid, text, text, int) IS
  'The closure of a node drawn as Mermaid or DOT text, one box per organization; NULL when the node has no visible edges.';

-- The backend graph cache is emptied by any committed change to the edges or to what is visible
-- (shares; organizations already have the identity trigger). ENABLE ALWAYS: replication and
-- restores fire them too.
CREATE TRIGGER dependencies_graph_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenancy.dependencies
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
CREATE TRIGGER org_shares_graph_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenancy.org_shares
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.identity_changed();
ALTER TABLE tenancy.dependencies ENABLE ALWAYS TRIGGER dependencies_graph_changed;
ALTER TABLE tenancy.org_shares ENABLE ALWAYS TRIGGER org_shares_graph_changed;
-- The audit trail (SCHEMA.md, seed 001; API.md section 7): who did what to which resource, in
-- which organization. Append-only.

CREATE TABLE tenancy.audit_logs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
  resource_type text CHECK (length(resource_type) BETWEEN 1 AND 200),
  resource_id uuid,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  ip_address inet,
  user_agent text CHECK (length(user_agent) <= 1000),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX audit_logs_recent_idx ON tenancy.audit_logs (organization_id, created_at DESC);
CREATE INDEX audit_logs_action_idx ON tenancy.audit_logs (organization_id, action, created_at DESC);
CREATE INDEX audit_logs_resource_idx ON tenancy.audit_logs (organization_id, resource_type, resource_id);
CREATE INDEX audit_logs_user_id_idx ON tenancy.audit_logs (user_id);
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON tenancy.audit_logs
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('append_only', 'user_id');
COMMENT ON TABLE tenancy.audit_logs IS 'Audit trail of actions in an organization. Append-only: UPDATE and DELETE raise 55000 (no updated_at); rows go only with their organization.';
COMMENT ON COLUMN tenancy.audit_logs.organization_id IS 'The organization acted in (tenant key).';
COMMENT ON COLUMN tenancy.audit_logs.id IS 'Log entry id (uuid).';
COMMENT ON COLUMN tenancy.audit_logs.user_id IS 'User who acted (defaults to the context user); NULL for service contexts or once that user is deleted.';
COMMENT ON COLUMN tenancy.audit_logs.action IS 'What was done, such as INSERT, UPDATE, DELETE or an application verb.';
COMMENT ON COLUMN tenancy.audit_logs.resource_type IS 'Kind of resource acted on (such as a table name); NULL when none.';
COMMENT ON COLUMN tenancy.audit_logs.resource_id IS 'Id of the resource acted on; NULL when none.';
COMMENT ON COLUMN tenancy.audit_logs.details IS 'Further facts, such as the changed columns (JSON object).';
COMMENT ON COLUMN tenancy.audit_logs.ip_address IS 'Client IP address; NULL when unknown.';
COMMENT ON COLUMN tenancy.audit_logs.user_agent IS 'Client user agent; NULL when unknown.';
COMMENT ON COLUMN tenancy.audit_logs.created_at IS 'When the action was logged.';

SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_logs', '');

SELECT tenancy.enable_rls('tenancy.audit_logs', write_role => 'MEMBER', delete_role => 'ADMIN');

-- Writing the trail ---------------------------------------------------------------------------

-- The one writer of audit rows. The actor is kept only when that user exists (a signed context
-- may name a user the users table does not hold); NULL otherwise. SECURITY DEFINER: logging
-- never depends on the caller's privileges. Internal.
CREATE FUNCTION tenancy.write_audit_log(org uuid, actor uuid, action text, resource_type text,
                                        resource_id uuid, details jsonb)
RETURNS uuid
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  INSERT INTO tenancy.audit_logs (organization_id, user_id, action, resource_type, resource_id, details)
  VALUES (org, (SELECT u.id FROM tenancy.users u WHERE u.id = actor), action, resource_type,
          resource_id, coalesce(details, '{}'))
  RETURNING id
$$;
REVOKE EXECUTE ON FUNCTION tenancy.write_audit_log(uuid, uuid, text, text, uuid, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.write_audit_log(uuid, uuid, text, text, uuid, jsonb) IS
  'Appends one audit row (internal; flows and the audit trigger use it).';

-- Column names whose values never enter the trail: password and token hashes, API key hashes,
-- encrypted secrets. Only their names are recorded as changed.
CREATE FUNCTION tenancy.is_secret_column(column_name text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT column_name ~ '(password|secret|token|hash|encrypted|private_key|api_key)'
$$;
COMMENT ON FUNCTION tenancy.is_secret_column(text) IS
  'True for a column whose values the audit trail never records (hashes, tokens, secrets).';

-- Row trigger attached by enable_audit: logs INSERT, UPDATE and DELETE made under a tenant
-- context, in the row's organization (or the context's, for a table without organization_id),
-- with the context's user, the row's id, and details {table, columns[, old, new]}: the columns
-- set (INSERT) or changed (UPDATE, updated_at aside; an UPDATE that changes nothing is not
-- logged), and for UPDATE the old and new values of the changed columns, except secret ones.
-- Changes made without a context (a superuser's maintenance, a restore, the SECURITY DEFINER
-- flows, which log their own events) are not logged here, and neither are rows of an
-- organization that is being deleted.
CREATE FUNCTION tenancy.audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  row_data jsonb := coalesce(new_row, old_row);
  org uuid;
  row_id uuid;
  changed text[];
  details jsonb;
BEGIN
  IF tenancy.current_org_id() IS NULL THEN
    RETURN NULL;
  END IF;
  org := coalesce((row_data ->> 'organization_id')::uuid, tenancy.current_org_id());
  IF NOT EXISTS (SELECT 1 FROM tenancy.organizations o WHERE o.id = org) THEN
    RETURN NULL;
  END IF;
  IF row_data ->> 'id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    row_id := (row_data ->> 'id')::uuid;
  END IF;
  changed := CASE TG_OP
    WHEN 'INSERT' THEN ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                              WHERE n.value <> 'null'::jsonb ORDER BY n.key)
    WHEN 'UPDATE' THEN ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                              WHERE n.value IS DISTINCT FROM old_row -> n.key AND n.key <> 'updated_at'
                              ORDER BY n.key)
    ELSE '{}'::text[] END;
  IF TG_OP = 'UPDATE' AND cardinality(changed) = 0 THEN
    RETURN NULL;
  END IF;
  details := jsonb_build_object('table', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'columns', to_jsonb(changed));
  IF TG_OP = 'UPDATE' THEN
    details := details || jsonb_build_object(
      'old', (SELECT coalesce(jsonb_object_agg(c, old_row -> c), '{}') FROM unnest(changed) c
               WHERE NOT tenancy.is_secret_column(c)),
      'new', (SELECT coalesce(jsonb_object_agg(c, new_row -> c), '{}') FROM unnest(changed) c
               WHERE NOT tenancy.is_secret_column(c)));
  END IF;
  PERFORM tenancy.write_audit_log(org, tenancy.current_user_id(), TG_OP, TG_TABLE_NAME, row_id, details);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.audit_row_change() FROM PUBLIC;
COMMENT ON FUNCTION tenancy.audit_row_change() IS
  'Trigger of enable_audit: logs row changes made under a tenant context (never a secret column''s value).';

-- Attaches (or re-attaches) the audit trigger tenancy_audit to a table. Not executable by
-- PUBLIC: the trigger writes into the trail of whatever organization_id a row carries, so only
-- the administrator decides which tables feed it.
CREATE FUNCTION tenancy.enable_audit(tbl regclass) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  target record;
BEGIN
  IF tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT n.nspname, c.relname, c.relkind INTO target
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  IF target.relkind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION '% is not a table', tbl USING ERRCODE = '42809';
  END IF;
  IF tbl = 'tenancy.audit_logs'::regclass THEN
    RAISE EXCEPTION 'the audit trail cannot audit itself' USING ERRCODE = '22023';
  END IF;
  EXECUTE format('DROP TRIGGER IF EXISTS tenancy_audit ON %I.%I', target.nspname, target.relname);
  EXECUTE format('CREATE TRIGGER tenancy_audit AFTER INSERT OR UPDATE OR DELETE ON %I.%I '
                 'FOR EACH ROW EXECUTE FUNCTION tenancy.audit_row_change()', target.nspname, target.relname);
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.enable_audit(regclass) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.enable_audit(regclass) IS
  'Attaches the audit trigger (tenancy_audit) to a table; idempotent. Not executable by PUBLIC.';

-- An application event in the context's organization, by the context's user. SECURITY
-- DEFINER: any member (a VIEWER too; not a read-only context without a role) may log, and only
-- into its own organization; the application role cannot insert into audit_logs itself.
CREATE FUNCTION tenancy.log_event(action text, resource_type text, resource_id uuid,
                                  details jsonb DEFAULT '{}')
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('VIEWER') THEN
    RAISE EXCEPTION 'log_event needs a tenant context with a role' USING ERRCODE = '42501',
      HINT = 'Call tenancy.set_context() or set tenancy.context_token first.';
  END IF;
  IF action IS NULL OR length(action) NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'action must be 1 to 100 characters' USING ERRCODE = '22023';
  END IF;
  IF resource_type IS NOT NULL AND length(resource_type) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION 'resource_type must be NULL or 1 to 200 characters' USING ERRCODE = '22023';
  END IF;
  IF details IS NULL OR jsonb_typeof(details) <> 'object' THEN
    RAISE EXCEPTION 'details must be a JSON object' USING ERRCODE = '22023';
  END IF;
  RETURN tenancy.write_audit_log(tenancy.current_org_id(), tenancy.current_user_id(), action,
                                 resource_type, resource_id, details);
END;
$$;
COMMENT ON FUNCTION tenancy.log_event(text, text, uuid, jsonb) IS
  'Appends an application event to the audit trail of the context''s organization; returns its id.';

-- Audited by default (issue 5).
SELECT tenancy.enable_audit(t) FROM unnest(ARRAY[
  'tenancy.organization_members', 'tenancy.invitations', 'tenancy.projects',
  'tenancy.warehouse_connections', 'tenancy.subscriptions']::regclass[]) AS t;
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
-- Behaviours of the schema (issue 4): ingest_event, next_run_at, has_feature, transformation versions.

-- ingest_event ------------------------------------------------------------------------------

-- The digest of a project's API key as projects.api_key_hash stores it: the keyed
-- tenancy.hash_token, or NULL for a malformed key (which then matches no project, so
-- ingest_event answers it with the same 28000 as an unknown key).
CREATE FUNCTION tenancy.api_key_digest(api_key text) RETURNS bytea
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN tenancy.token_is_well_formed(api_key) THEN tenancy.hash_token(api_key) END
$$;
REVOKE EXECUTE ON FUNCTION tenancy.api_key_digest(text) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.api_key_digest(text) IS
  'Digest of a project API key as stored in projects.api_key_hash (hash_token; NULL when malformed). Not executable by PUBLIC.';

-- ingest_event asks, for every event that names a user, whether the issue has an event of that
-- user already: this index answers without reading the issue's other events.
CREATE INDEX events_issue_user_idx ON tenancy.events (organization_id, issue_id, user_identifier)
  WHERE user_identifier IS NOT NULL;

-- Records one error event for the project whose API key is given and upserts its issue. No
-- tenant context is needed: the key identifies the project, hence the organization (SECURITY
-- DEFINER). An unknown key, a key of a soft-deleted project or of a soft-deleted organization:
-- 28000, and the message never shows the key. Counters: events_count + 1; users_affected is the
-- number of distinct non-NULL user identifiers among the issue's events. It stays exact under
-- concurrency because the issue row is locked first (by INSERT ... ON CONFLICT DO UPDATE, which
-- also makes a concurrent first event of the same fingerprint wait), and only then, in a later
-- statement with a fresh snapshot (READ COMMITTED), is the identifier looked up among the
-- issue's events: every earlier ingestion of the issue has committed by then. Under REPEATABLE
-- READ or SERIALIZABLE a concurrent ingestion of the same issue fails with 40001 (retry).
-- A RESOLVED issue is reopened by a new event; an IGNORED one stays IGNORED.
CREATE FUNCTION tenancy.ingest_event(api_key text, fingerprint text, title text, payload jsonb,
                                     user_identifier text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  new_fingerprint text := ingest_event.fingerprint;
  new_title text := ingest_event.title;
  new_payload jsonb := ingest_event.payload;
  -- An empty identifier says as much as none.
  new_user text := NULLIF(ingest_event.user_identifier, '');
  org uuid;
  project uuid;
  matches integer := 0;
  found_project record;
  issue uuid;
  event uuid;
BEGIN
  -- Authentication first: without a valid key, nothing else is answered.
  IF api_key IS NOT NULL AND api_key <> '' THEN
    FOR found_project IN
      SELECT p.organization_id, p.id
        FROM tenancy.projects p
        JOIN tenancy.organizations o ON o.id = p.organization_id
       WHERE p.api_key_hash = tenancy.api_key_digest(api_key)
         AND p.deleted_at IS NULL AND o.deleted_at IS NULL
       LIMIT 2
    LOOP
      matches := matches + 1;
      org := found_project.organization_id;
      project := found_project.id;
    END LOOP;
  END IF;
  IF matches <> 1 THEN  -- none, or (a key shared by two projects) not unambiguous
    RAISE EXCEPTION 'invalid API key' USING ERRCODE = '28000';
  END IF;

  IF new_fingerprint IS NULL OR new_fingerprint = '' THEN
    RAISE EXCEPTION 'fingerprint must not be empty' USING ERRCODE = '22023';
  END IF;
  IF length(new_fingerprint) > 512 THEN
    RAISE EXCEPTION 'fingerprint must not be longer than 512 characters' USING ERRCODE = '22023';
  END IF;
  IF new_title IS NULL OR new_title = '' THEN
    RAISE EXCEPTION 'title must not be empty' USING ERRCODE = '22023';
  END IF;
  IF length(new_title) > 1000 THEN
    RAISE EXCEPTION 'title must not be longer than 1000 characters' USING ERRCODE = '22023';
  END IF;
  IF new_payload IS NULL OR jsonb_typeof(new_payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object' USING ERRCODE = '22023';
  END IF;
  IF length(new_user) > 500 THEN
    RAISE EXCEPTION 'user_identifier must not be longer than 500 characters' USING ERRCODE = '22023';
  END IF;

  -- The issue, created or counted; either way its row is now locked until commit.
  INSERT INTO tenancy.issues AS i
         (organization_id, project_id, fingerprint, title, events_count, users_affected, first_seen_at, last_seen_at)
  VALUES (org, project, new_fingerprint, new_title, 1, 0, now(), now())
  ON CONFLICT ON CONSTRAINT issues_fingerprint_key DO UPDATE
     SET events_count = i.events_count + 1,
         title = EXCLUDED.title,
         -- now() is the transaction's start: never move last_seen_at back.
         last_seen_at = greatest(i.last_seen_at, EXCLUDED.last_seen_at),
         status = CASE WHEN i.status = 'RESOLVED' THEN 'OPEN' ELSE i.status END
  RETURNING i.id INTO issue;

  -- A new user for the issue? Asked in a new statement, after the lock: see above.
  IF new_user IS NOT NULL THEN
    UPDATE tenancy.issues i SET users_affected = i.users_affected + 1
     WHERE i.organization_id = org AND i.id = issue
       AND NOT EXISTS (SELECT 1 FROM tenancy.events e
                        WHERE e.organization_id = org AND e.issue_id = issue
                          AND e.user_identifier = new_user);
  END IF;

  INSERT INTO tenancy.events (organization_id, project_id, issue_id, occurred_at, user_identifier, payload)
  VALUES (org, project, issue, now(), new_user, new_payload)
  RETURNING id INTO event;
  RETURN event;
END;
$$;
COMMENT ON FUNCTION tenancy.ingest_event(text, text, text, jsonb, text) IS
  'Records an error event for the project of the API key (28000 if unknown) and upserts its issue, keeping events_count and users_affected exact; returns the event id.';

-- next_run_at -------------------------------------------------------------------------------
-- Wall-clock (local) times are mapped to instants by these two helpers. A local time can occur
-- once, twice (in the hour repeated when clocks go back) or never (in the gap when they go
-- forward). All arithmetic on instants is done on UTC timestamps, so the session's TimeZone
-- never matters.

-- The instants whose local time in tz is local_time, earliest first: none in a gap, two in an
-- overlap, otherwise one. (The other occurrence is looked for with the offsets in effect a day
-- before and a day after: no zone changes its offset twice within a day.)
CREATE FUNCTION tenancy.local_time_instants(local_time timestamp, tz text) RETURNS timestamptz[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- PostgreSQL's choice: in a gap, the offset before it; in an overlap, the offset after it.
  chosen timestamptz := local_time AT TIME ZONE tz;
  chosen_utc timestamp := chosen AT TIME ZONE 'UTC';
  near timestamp;
  other timestamptz;
  result timestamptz[] := '{}';
BEGIN
  IF (chosen AT TIME ZONE tz) <> local_time THEN
    RETURN result;  -- the local time does not exist
  END IF;
  result := ARRAY[chosen];
  FOREACH near IN ARRAY ARRAY[chosen_utc - interval '1 day', chosen_utc + interval '1 day'] LOOP
    -- The instant at which local_time would be read with the offset in effect at near.
    other := (local_time - ((near AT TIME ZONE 'UTC') AT TIME ZONE tz - near)) AT TIME ZONE 'UTC';
    IF other <> ALL (result) AND (other AT TIME ZONE tz) = local_time THEN
      result := CASE WHEN other < result[1] THEN other || result ELSE result || other END;
    END IF;
  END LOOP;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION tenancy.local_time_instants(timestamp, text) IS
  'The instants (earliest first) at which the wall clock of time zone tz shows local_time: none in a DST gap, two in a DST overlap.';

-- The first instant at which the wall clock of tz shows local_time or later: the local time's
-- (first) occurrence, or, when local_time falls in a gap, the end of the gap (the transition).
CREATE FUNCTION tenancy.local_time_start(local_time timestamp, tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  occurrences timestamptz[] := tenancy.local_time_instants(local_time, tz);
  chosen timestamptz;
  low timestamp;
  high timestamp;
  middle timestamp;
BEGIN
  IF cardinality(occurrences) > 0 THEN
    RETURN occurrences[1];
  END IF;
  -- In a gap: PostgreSQL reads local_time with the offset before the gap, which lands after
  -- the transition, as far after it as local_time is into the gap. Bisect between that
  -- instant shifted back by the gap's full width (before the transition) and it (after).
  chosen := local_time AT TIME ZONE tz;
  high := chosen AT TIME ZONE 'UTC';
  low := high - ((chosen AT TIME ZONE tz) - local_time);
  WHILE high - low > interval '1 microsecond' LOOP
    middle := low + (high - low) / 2;
    IF ((middle AT TIME ZONE 'UTC') AT TIME ZONE tz) >= local_time THEN
      high := middle;
    ELSE
      low := middle;
    END IF;
  END LOOP;
  RETURN high AT TIME ZONE 'UTC';
END;
$$;
COMMENT ON FUNCTION tenancy.local_time_start(timestamp, text) IS
  'The first instant at which the wall clock of tz shows local_time or later: its first occurrence, or the end of the DST gap it falls in.';

-- The first run of a schedule strictly after "after", computed on the wall clock of timezone:
--   hourly:  every instant whose local minute and second are run_at_time's (its hour ignored;
--            NULL = :00). That is every real hour: the hour repeated when clocks go back runs
--            again, the hour skipped when they go forward does not exist.
--   daily:   every local day at run_at_time (NULL = 00:00).
--   weekly:  the ISO weekday run_at_day (1 = Monday .. 7; NULL = 1) at run_at_time.
--   monthly: day run_at_day (1 .. 31; NULL = 1) of each month, the month's last day when it is
--            shorter (31 -> 30 April, 28/29 February), at run_at_time.
-- Daily, weekly and monthly runs happen once per day: a local time that occurs twice (clocks
-- go back) runs at its first occurrence; one that does not exist (clocks go forward) runs at
-- the first instant after the gap, i.e. at the transition (02:30 on a spring-forward day in
-- Europe/Berlin runs at 03:00 CEST).
-- timezone: any zone PostgreSQL's AT TIME ZONE accepts (the schedules table admits only tz
-- database names). Errors (22023): NULL or unknown frequency, NULL or unknown time zone,
-- run_at_day out of range or given for hourly/daily. NULL or infinite "after": NULL.
CREATE FUNCTION tenancy.next_run_at(frequency text, run_at_time time, run_at_day integer,
                                    timezone text, after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  at_time interval := coalesce(run_at_time, time '00:00') - time '00:00';
  day_number integer;
  local_after timestamp;
  local_day date;
  candidate timestamptz;
  best timestamptz;
  occurrence timestamptz;
  month_start date;
BEGIN
  IF frequency IS NULL OR frequency NOT IN ('hourly', 'daily', 'weekly', 'monthly') THEN
    RAISE EXCEPTION 'frequency must be hourly, daily, weekly or monthly' USING ERRCODE = '22023';
  END IF;
  IF frequency IN ('hourly', 'daily') AND run_at_day IS NOT NULL THEN
    RAISE EXCEPTION 'run_at_day must be NULL for % schedules', frequency USING ERRCODE = '22023';
  ELSIF frequency = 'weekly' AND run_at_day NOT BETWEEN 1 AND 7 THEN
    RAISE EXCEPTION 'run_at_day of a weekly schedule must be an ISO weekday from 1 (Monday) to 7 (Sunday)'
      USING ERRCODE = '22023';
  ELSIF frequency = 'monthly' AND run_at_day NOT BETWEEN 1 AND 31 THEN
    RAISE EXCEPTION 'run_at_day of a monthly schedule must be a day of the month from 1 to 31'
      USING ERRCODE = '22023';
  END IF;
  day_number := coalesce(run_at_day, 1);
  IF timezone IS NULL THEN
    RAISE EXCEPTION 'timezone must not be NULL' USING ERRCODE = '22023';
  END IF;
  -- An unknown zone raises 22023 here ('time zone "..." not recognized').
  local_after := timestamptz '2000-01-01 00:00+00' AT TIME ZONE timezone;
  IF after IS NULL OR NOT isfinite(after) THEN
    RETURN NULL;
  END IF;
  local_after := after AT TIME ZONE timezone;
  local_day := local_after::date;

  IF frequency = 'hourly' THEN
    -- The local times hh:mm:ss of this hour and the next ones; the earliest of their
    -- occurrences after "after".
    FOR k IN 0..3 LOOP
      FOREACH occurrence IN ARRAY tenancy.local_time_instants(
          date_trunc('hour', local_after) + make_interval(hours => k)
            + (at_time - date_trunc('hour', at_time)), timezone) LOOP
        IF occurrence > after AND (best IS NULL OR occurrence < best) THEN
          best := occurrence;
        END IF;
      END LOOP;
    END LOOP;
    RETURN best;
  END IF;

  -- Daily, weekly, monthly: the first day from local_day on whose run is after "after"
  -- (runs are in increasing order of their days, so the first one found is the answer).
  FOR k IN 0..2 LOOP
    IF frequency = 'daily' THEN
      candidate := tenancy.local_time_start(local_day + k + at_time, timezone);
    ELSIF frequency = 'weekly' THEN
      candidate := tenancy.local_time_start(
        local_day + (day_number - extract(isodow FROM local_day)::integer + 7) % 7 + 7 * k + at_time, timezone);
    ELSE
      month_start := (date_trunc('month', local_day) + make_interval(months => k))::date;
      candidate := tenancy.local_time_start(
        month_start + least(day_number,
                            extract(day FROM month_start + interval '1 month' - interval '1 day')::integer) - 1
          + at_time, timezone);
    END IF;
    IF candidate > after THEN
      RETURN candidate;
    END IF;
  END LOOP;
  RETURN NULL;  -- not reached
END;
$$;
COMMENT ON FUNCTION tenancy.next_run_at(text, time, integer, text, timestamptz) IS
  'First run of a schedule strictly after "after", on the wall clock of timezone; DST gaps run at their end, repeated times once (first occurrence).';

-- Keeps schedules.next_run_at true: the first run after the last one (or after now, if it never
-- ran) while the schedule is active, NULL while it is not. Recomputed on INSERT and whenever an
-- UPDATE changes a column it depends on (or next_run_at itself). Values the table's
-- constraints refuse are left to them (so their SQLSTATE, 23502 or 23514, is the answer).
-- Restores: pg_restore sets row_security = off (with it off, only roles that bypass row level
-- security can write these tables at all); an INSERT then keeps the row as given, so a
-- restored schedule keeps the next_run_at it had, which depended on when it was created.
CREATE FUNCTION tenancy.schedules_set_next_run_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NOT current_setting('row_security')::boolean THEN
    RETURN NEW;  -- a restore: the row as it was dumped
  END IF;
  IF TG_OP = 'UPDATE'
     AND (NEW.frequency, NEW.run_at_time, NEW.run_at_day, NEW.timezone, NEW.is_active, NEW.last_run_at, NEW.next_run_at)
         IS NOT DISTINCT FROM
         (OLD.frequency, OLD.run_at_time, OLD.run_at_day, OLD.timezone, OLD.is_active, OLD.last_run_at, OLD.next_run_at) THEN
    RETURN NEW;
  END IF;
  IF NEW.is_active IS NULL OR NEW.timezone IS NULL
     OR NEW.frequency IS NULL OR NEW.frequency NOT IN ('hourly', 'daily', 'weekly', 'monthly')
     OR (NEW.run_at_day IS NOT NULL
         AND NOT ((NEW.frequency = 'weekly' AND NEW.run_at_day BETWEEN 1 AND 7)
                  OR (NEW.frequency = 'monthly' AND NEW.run_at_day BETWEEN 1 AND 31))) THEN
    RETURN NEW;
  END IF;
  IF NEW.is_active THEN
    NEW.next_run_at := tenancy.next_run_at(NEW.frequency, NEW.run_at_time, NEW.run_at_day, NEW.timezone,
                                           coalesce(NEW.last_run_at, now()));
  ELSE
    NEW.next_run_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.schedules_set_next_run_at() IS
  'Trigger: sets schedules.next_run_at with tenancy.next_run_at after coalesce(last_run_at, now()) while active, NULL while not.';
-- (BEFORE triggers fire in name order: schedules_check_timezone has checked the zone first.)
CREATE TRIGGER schedules_next_run_at
  BEFORE INSERT OR UPDATE OF frequency, run_at_time, run_at_day, timezone, is_active, last_run_at, next_run_at
  ON tenancy.schedules
  FOR EACH ROW EXECUTE FUNCTION tenancy.schedules_set_next_run_at();

-- has_feature -------------------------------------------------------------------------------

-- True iff the current organization has a subscription that is trialing or active, has
-- started and has not ended, to a plan that includes the feature. False without a context.
-- Runs as the caller: subscriptions are readable in the organization's context and the plan
-- catalog by everyone (the explicit organization filter also holds for roles that bypass RLS).
CREATE FUNCTION tenancy.has_feature(code text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT tenancy.current_org_id() IS NOT NULL AND EXISTS (
    SELECT 1
      FROM tenancy.subscriptions s
      JOIN tenancy.plan_features pf ON pf.plan_id = s.plan_id
      JOIN tenancy.features f ON f.id = pf.feature_id
     WHERE s.organization_id = tenancy.current_org_id()
       AND s.status IN ('trialing', 'active')
       AND s.start_date <= now() AND (s.end_date IS NULL OR s.end_date > now())
       AND f.code = has_feature.code)
$$;
COMMENT ON FUNCTION tenancy.has_feature(text) IS
  'True iff the current organization''s trialing or active, current subscription includes the feature of that code.';

-- transformation versions -------------------------------------------------------------------

-- Numbers a new version of a transformation 1, 2, 3, ... and makes it the current version. The
-- transformation's row is locked first (FOR NO KEY UPDATE: foreign-key checks of other rows
-- still pass), so concurrent inserts of versions of one transformation are serialised: the
-- number read after the lock (a new snapshot, READ COMMITTED) sees every earlier version
-- committed, and there are no gaps or duplicates. (REPEATABLE READ: the second insert fails
-- with 40001, as the first one updated the transformation.) The number is the highest existing
-- one + 1 (current_version starts at 1 before any version exists, and an application may point
-- it back at an older version, so it is not a counter). A given version_number must be that
-- number (else 22023); omit it. Runs as the caller, so RLS applies: a transformation the caller
-- can see but not update needs the write role (42501); a row without a context or for another
-- organization is refused by row level security (42501), and one for a transformation the
-- caller cannot see by the foreign key (23503), as if it did not exist. Restores: with
-- row_security = off (pg_restore sets it; only roles that bypass row level security can write
-- then) a given version_number is kept and the transformation is left alone, since versions
-- are restored in the order they are stored, and its current_version and updated_at are
-- restored as they were.
CREATE FUNCTION tenancy.transformation_versions_number() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  next_number integer;
BEGIN
  IF NEW.version_number IS NOT NULL AND NOT current_setting('row_security')::boolean THEN
    RETURN NEW;  -- a restore: the version as it was dumped, its transformation untouched
  END IF;
  PERFORM FROM tenancy.transformations t
    WHERE t.organization_id = NEW.organization_id AND t.id = NEW.transformation_id
    FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    IF EXISTS (SELECT FROM tenancy.transformations t
                WHERE t.organization_id = NEW.organization_id AND t.id = NEW.transformation_id) THEN
      RAISE EXCEPTION 'adding a version needs write access to transformation %', NEW.transformation_id
        USING ERRCODE = '42501';
    END IF;
    -- Not there for the caller: no context, another organization's row (row level security
    -- refuses it, 42501) or no such transformation (the foreign key refuses it, 23503). The
    -- number only keeps NOT NULL from answering first; the row is never stored.
    NEW.version_number := coalesce(NEW.version_number, 1);
    RETURN NEW;
  END IF;
  SELECT coalesce(max(v.version_number), 0) + 1 INTO next_number
    FROM tenancy.transformation_versions v
   WHERE v.organization_id = NEW.organization_id AND v.transformation_id = NEW.transformation_id;
  IF NEW.version_number IS NOT NULL AND NEW.version_number <> next_number THEN
    RAISE EXCEPTION 'the next version of transformation % is %, not %',
      NEW.transformation_id, next_number, NEW.version_number
      USING ERRCODE = '22023', HINT = 'Omit version_number: it is assigned.';
  END IF;
  NEW.version_number := next_number;
  UPDATE tenancy.transformations t SET current_version = next_number
   WHERE t.organization_id = NEW.organization_id AND t.id = NEW.transformation_id;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenancy.transformation_versions_number() IS
  'Trigger: numbers a new transformation version (highest + 1, under a lock of the transformation) and makes it current.';
CREATE TRIGGER transformation_versions_number BEFORE INSERT ON tenancy.transformation_versions
  FOR EACH ROW EXECUTE FUNCTION tenancy.transformation_versions_number();
-- Identity flows (API.md section 3): sign-up, sign-in, organizations, invitations, refresh and
-- reset tokens, API keys. Tokens are returned once and only their keyed hash (hash_token) is
-- stored. Token failures are 28000; a malformed token is 22P02 (from hash_token). The
-- functions that reach the token tables, which the application role cannot, are SECURITY
-- DEFINER with a pinned search_path, and check what the caller may do themselves.

-- Helpers ----------------------------------------------------------------------------------

-- 22023 unless email looks like an address (the users/invitations CHECK, with a clear error).
CREATE FUNCTION tenancy.check_email(email text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF email IS NULL OR email !~ '^[^@\s]+@[^@\s]+$' OR length(email) > 320 THEN
    RAISE EXCEPTION 'invalid e-mail address' USING ERRCODE = '22023';
  END IF;
END;
$$;
COMMENT ON FUNCTION tenancy.check_email(text) IS 'Raises 22023 unless the text is an e-mail address.';

-- 22023 unless ttl is a positive interval.
CREATE FUNCTION tenancy.check_ttl(ttl interval) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF ttl IS NULL OR ttl <= interval '0' THEN
    RAISE EXCEPTION 'ttl must be a positive interval' USING ERRCODE = '22023';
  END IF;
END;
$$;
COMMENT ON FUNCTION tenancy.check_ttl(interval) IS 'Raises 22023 unless the interval is positive.';

-- The organization whose audit trail records a user's own events (sign-in, token reuse,
-- password reset): the user's default organization, else the oldest live membership's.
CREATE FUNCTION tenancy.user_audit_org(user_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  SELECT coalesce(
    (SELECT u.default_org_id FROM tenancy.users u WHERE u.id = user_audit_org.user_id),
    (SELECT m.organization_id FROM tenancy.organization_members m
      WHERE m.user_id = user_audit_org.user_id AND m.deleted_at IS NULL
      ORDER BY m.created_at, m.organization_id LIMIT 1))
$$;
REVOKE EXECUTE ON FUNCTION tenancy.user_audit_org(uuid) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.user_audit_org(uuid) IS 'Where a user''s own events are logged (internal).';

-- Logs a user's own event in user_audit_org(user_id); nothing when the user has none.
CREATE FUNCTION tenancy.log_user_event(user_id uuid, action text, details jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  org uuid := tenancy.user_audit_org(user_id);
BEGIN
  IF org IS NOT NULL THEN
    PERFORM tenancy.write_audit_log(org, user_id, action, 'users', user_id, details);
  END IF;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.log_user_event(uuid, text, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.log_user_event(uuid, text, jsonb) IS 'Logs a user''s own event (internal).';

-- True when the user exists, is active and is not deleted: who may sign in and hold tokens.
CREATE FUNCTION tenancy.user_can_sign_in(user_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  SELECT EXISTS (SELECT 1 FROM tenancy.users u
                  WHERE u.id = user_can_sign_in.user_id AND u.is_active AND u.deleted_at IS NULL)
$$;
REVOKE EXECUTE ON FUNCTION tenancy.user_can_sign_in(uuid) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.user_can_sign_in(uuid) IS 'True for a live, active user (internal).';

-- 22023 unless user_can_sign_in(user_id): the same error for a missing user and a disabled one.
CREATE FUNCTION tenancy.require_active_user(user_id uuid) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF user_id IS NULL OR NOT tenancy.user_can_sign_in(user_id) THEN
    RAISE EXCEPTION 'no active user with this id' USING ERRCODE = '22023';
  END IF;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.require_active_user(uuid) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.require_active_user(uuid) IS 'Raises 22023 unless the user is live and active (internal).';

-- Organizations and users ---------------------------------------------------------------

-- An organization with owner_id as its OWNER. The caller's context must be that user's (an
-- organization is founded by its owner, 42501 otherwise); the slug is global, so a taken one
-- is 23505.
CREATE FUNCTION tenancy.create_organization(name text, slug text, owner_id uuid) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  org uuid;
BEGIN
  IF owner_id IS NULL OR tenancy.current_user_id() IS DISTINCT FROM owner_id THEN
    RAISE EXCEPTION 'an organization can only be created by its owner' USING ERRCODE = '42501',
      HINT = 'Set a context whose user is owner_id.';
  END IF;
  PERFORM tenancy.require_active_user(owner_id);
  IF name IS NULL OR length(name) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION 'name must be 1 to 200 characters' USING ERRCODE = '22023';
  END IF;
  IF slug IS NULL OR slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' OR length(slug) > 100 THEN
    RAISE EXCEPTION 'slug must be lower-case letters and digits in words joined by hyphens (at most 100 characters)'
      USING ERRCODE = '22023';
  END IF;
  BEGIN
    INSERT INTO tenancy.organizations (name, slug, org_type) VALUES (name, slug, 'team')
    RETURNING id INTO org;
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'slug is already taken' USING ERRCODE = '23505';
  END;
  INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES (org, owner_id, 'OWNER');
  PERFORM tenancy.write_audit_log(org, owner_id, 'organization.created', 'organizations', org,
                                  jsonb_build_object('slug', slug));
  RETURN org;
END;
$$;
COMMENT ON FUNCTION tenancy.create_organization(text, text, uuid) IS
  'Creates an organization with owner_id as OWNER (the context''s user must be owner_id); returns its id.';

-- Sign-up: the user (password hashed with argon2id), its personal organization ("<name>'s
-- Workspace", is_personal) as its default, and its OWNER membership, in one step. No context
-- is needed. A taken e-mail (case-insensitive) is 23505.
CREATE FUNCTION tenancy.create_user(email text, password text, full_name text DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  new_user uuid := gen_random_uuid();
  org uuid;
  owner_name text;
BEGIN
  PERFORM tenancy.check_email(email);
  IF password IS NULL THEN
    RAISE EXCEPTION 'password must not be NULL' USING ERRCODE = '22023';
  END IF;
  BEGIN
    INSERT INTO tenancy.users (id, email, password_hash, full_name)
    VALUES (new_user, email, tenancy.hash_password(password), full_name);
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'an account with this e-mail address already exists' USING ERRCODE = '23505';
  END;
  owner_name := coalesce(nullif(btrim(full_name), ''), split_part(email, '@', 1));
  INSERT INTO tenancy.organizations (name, slug, org_type, is_personal)
  VALUES (left(owner_name, 188) || '''s Workspace', 'personal-' || replace(new_user::text, '-', ''),
          'personal', true)
  RETURNING id INTO org;
  INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES (org, new_user, 'OWNER');
  UPDATE tenancy.users SET default_org_id = org WHERE id = new_user;
  PERFORM tenancy.write_audit_log(org, new_user, 'user.created', 'users', new_user, '{}');
  RETURN new_user;
END;
$$;
COMMENT ON FUNCTION tenancy.create_user(text, text, text) IS
  'Signs a user up: user, personal organization and OWNER membership in one step; returns the user id.';

-- Sign-in: the user id, or NULL. An unknown e-mail, a user without a password, a disabled or
-- deleted user and a wrong password all cost one argon2id verification. A known user's
-- success and failure are logged (login.succeeded / login.failed); a hash made with old costs
-- is upgraded on success.
CREATE FUNCTION tenancy.authenticate(email text, password text) RETURNS uuid
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  account record;
  matches boolean;
BEGIN
  SELECT u.id, u.password_hash, u.is_active AND u.deleted_at IS NULL AS can_sign_in INTO account
    FROM tenancy.users u WHERE lower(u.email) = lower(authenticate.email);
  matches := tenancy.password_matches(password, account.password_hash);
  IF account.id IS NULL THEN
    RETURN NULL;
  END IF;
  IF NOT (matches AND account.can_sign_in) THEN
    PERFORM tenancy.log_user_event(account.id, 'login.failed');
    RETURN NULL;
  END IF;
  IF tenancy.password_needs_rehash(account.password_hash) THEN
    UPDATE tenancy.users SET password_hash = tenancy.hash_password(password) WHERE id = account.id;
  END IF;
  PERFORM tenancy.log_user_event(account.id, 'login.succeeded');
  RETURN account.id;
END;
$$;
COMMENT ON FUNCTION tenancy.authenticate(text, text) IS
  'The user id for a correct e-mail and password, else NULL; the same work for unknown e-mails.';

-- Invitations ----------------------------------------------------------------------------

-- Invites email into org_id with role. The caller must be ADMIN+ in org_id (its context), and
-- cannot grant a role above its own (42501). An existing live member is 23505. It revokes the
-- address's earlier pending invitations. Returns the token, once; only its hash is stored.
CREATE FUNCTION tenancy.invite(org_id uuid, email text, role tenancy.org_role,
                               ttl interval DEFAULT '7 days') RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  token text;
BEGIN
  IF org_id IS NULL OR tenancy.current_org_id() IS DISTINCT FROM org_id OR NOT tenancy.has_role('ADMIN') THEN
    RAISE EXCEPTION 'inviting needs the ADMIN or OWNER role in that organization' USING ERRCODE = '42501';
  END IF;
  IF role IS NULL THEN
    RAISE EXCEPTION 'role must not be NULL' USING ERRCODE = '22023';
  END IF;
  IF role > tenancy.current_org_role() THEN
    RAISE EXCEPTION 'cannot invite with a role above your own (%)', tenancy.current_org_role()
      USING ERRCODE = '42501';
  END IF;
  PERFORM tenancy.check_email(email);
  PERFORM tenancy.check_ttl(ttl);
  IF EXISTS (SELECT 1 FROM tenancy.organization_members m JOIN tenancy.users u ON u.id = m.user_id
              WHERE m.organization_id = org_id AND m.deleted_at IS NULL
                AND lower(u.email) = lower(invite.email)) THEN
    RAISE EXCEPTION 'this e-mail address already belongs to a member' USING ERRCODE = '23505';
  END IF;
  -- A new invitation supersedes the address's pending ones: only the latest can be accepted.
  UPDATE tenancy.invitations i SET revoked_at = now()
   WHERE i.organization_id = org_id AND lower(i.email) = lower(invite.email)
     AND i.accepted_at IS NULL AND i.revoked_at IS NULL;
  token := tenancy.generate_token(32);
  INSERT INTO tenancy.invitations (organization_id, email, role, token_hash, expires_at, invited_by_id)
  VALUES (org_id, email, role, tenancy.hash_token(token), now() + ttl, tenancy.current_user_id());
  RETURN token;
END;
$$;
COMMENT ON FUNCTION tenancy.invite(uuid, text, tenancy.org_role, interval) IS
  'Invites an e-mail address into an organization (caller ADMIN+ there); returns the token once.';

-- Accepts an invitation for user_id, whose e-mail must be the invited one; returns the
-- membership id. The invitation row is locked, so of two concurrent acceptances exactly one
-- succeeds; the address's other pending invitations are revoked. A former (soft-deleted)
-- membership is revived with the invited role; a live one keeps its role. The token is the
-- credential: no context is needed.
CREATE FUNCTION tenancy.accept_invitation(token text, user_id uuid) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  invitation record;
  invitee record;
  membership uuid;
BEGIN
  IF token IS NULL OR user_id IS NULL THEN
    RAISE EXCEPTION 'token and user_id must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT i.* INTO invitation FROM tenancy.invitations i
    JOIN tenancy.organizations o ON o.id = i.organization_id AND o.deleted_at IS NULL
   WHERE i.token_hash = tenancy.hash_token(token)
   FOR UPDATE OF i;
  IF invitation.id IS NULL THEN
    RAISE EXCEPTION 'invitation token is not valid' USING ERRCODE = '28000';
  ELSIF invitation.revoked_at IS NOT NULL THEN
    RAISE EXCEPTION 'invitation has been revoked' USING ERRCODE = '28000';
  ELSIF invitation.accepted_at IS NOT NULL THEN
    RAISE EXCEPTION 'invitation has already been used' USING ERRCODE = '28000';
  ELSIF invitation.expires_at <= now() THEN
    RAISE EXCEPTION 'invitation has expired' USING ERRCODE = '28000',
      HINT = 'Ask for a new invitation.';
  END IF;
  PERFORM tenancy.require_active_user(user_id);
  SELECT u.email INTO invitee FROM tenancy.users u WHERE u.id = accept_invitation.user_id;
  IF lower(invitee.email) <> lower(invitation.email) THEN
    RAISE EXCEPTION 'invitation was sent to another e-mail address' USING ERRCODE = '28000';
  END IF;
  UPDATE tenancy.invitations SET accepted_at = now()
   WHERE organization_id = invitation.organization_id AND id = invitation.id;
  -- Any other pending invitation of the address is spent too: none can bring the user back
  -- (perhaps with another role) after a later removal.
  UPDATE tenancy.invitations i SET revoked_at = now()
   WHERE i.organization_id = invitation.organization_id AND lower(i.email) = lower(invitation.email)
     AND i.id <> invitation.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL;
  INSERT INTO tenancy.organization_members AS m (organization_id, user_id, role)
  VALUES (invitation.organization_id, user_id, invitation.role)
  ON CONFLICT ON CONSTRAINT organization_members_organization_id_user_id_key DO UPDATE
     SET role = CASE WHEN m.deleted_at IS NULL THEN m.role ELSE EXCLUDED.role END,
         deleted_at = NULL
  RETURNING m.id INTO membership;
  PERFORM tenancy.write_audit_log(invitation.organization_id, user_id, 'invitation.accepted',
                                  'invitations', invitation.id,
                                  jsonb_build_object('membership_id', membership, 'role', invitation.role));
  RETURN membership;
END;
$$;
COMMENT ON FUNCTION tenancy.accept_invitation(text, uuid) IS
  'Accepts an invitation for a user with the invited e-mail; returns the membership id.';

-- Refresh tokens ---------------------------------------------------------------------------

-- A refresh token for an active user, valid for ttl. Returned once; only its hash is stored.
CREATE FUNCTION tenancy.issue_refresh_token(user_id uuid, ttl interval DEFAULT '30 days') RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  token text := tenancy.generate_token(32);
BEGIN
  PERFORM tenancy.require_active_user(user_id);
  PERFORM tenancy.check_ttl(ttl);
  INSERT INTO tenancy.refresh_tokens (user_id, token_hash, expires_at)
  VALUES (user_id, tenancy.hash_token(token), now() + ttl);
  RETURN token;
END;
$$;
COMMENT ON FUNCTION tenancy.issue_refresh_token(uuid, interval) IS
  'Issues a refresh token for an active user; returns it once.';

-- Revokes every live refresh token of a user; returns how many.
CREATE FUNCTION tenancy.revoke_refresh_tokens(user_id uuid) RETURNS int
LANGUAGE sql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  WITH revoked AS (
    UPDATE tenancy.refresh_tokens t SET revoked_at = now()
     WHERE t.user_id = revoke_refresh_tokens.user_id AND t.revoked_at IS NULL
    RETURNING 1)
  SELECT count(*)::int FROM revoked
$$;
COMMENT ON FUNCTION tenancy.revoke_refresh_tokens(uuid) IS 'Revokes all live refresh tokens of a user; returns the count.';

-- Exchanges a live refresh token for a new one with the same lifetime; the old one is revoked
-- and points to its replacement. The token row is locked, so of two concurrent rotations one
-- wins and the other presents a revoked token. Presenting a revoked token is reuse: every
-- token of the user is revoked, the event is logged, and the function returns NULL with a
-- WARNING (SQLSTATE 28000) instead of raising, because an error would roll the revocation
-- back. Unknown or expired tokens, or a user who can no longer sign in: 28000, nothing changes.
CREATE FUNCTION tenancy.rotate_refresh_token(token text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  presented record;
  new_token text;
  new_id uuid;
  revoked_count int;
BEGIN
  IF token IS NULL THEN
    RAISE EXCEPTION 'token must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT t.* INTO presented FROM tenancy.refresh_tokens t
   WHERE t.token_hash = tenancy.hash_token(token) FOR UPDATE;
  IF presented.id IS NULL THEN
    RAISE EXCEPTION 'refresh token is not valid' USING ERRCODE = '28000';
  END IF;
  IF presented.revoked_at IS NOT NULL THEN
    revoked_count := tenancy.revoke_refresh_tokens(presented.user_id);
    PERFORM tenancy.log_user_event(presented.user_id, 'refresh_token.reuse_detected',
                                   jsonb_build_object('token_id', presented.id, 'revoked', revoked_count));
    RAISE WARNING 'refresh token reuse detected: every refresh token of the user has been revoked'
      USING ERRCODE = '28000', HINT = 'The user must sign in again.';
    RETURN NULL;
  END IF;
  IF presented.expires_at <= now() THEN
    RAISE EXCEPTION 'refresh token has expired' USING ERRCODE = '28000', HINT = 'Sign in again.';
  END IF;
  IF NOT tenancy.user_can_sign_in(presented.user_id) THEN
    RAISE EXCEPTION 'refresh token is not valid' USING ERRCODE = '28000';
  END IF;
  new_token := tenancy.generate_token(32);
  INSERT INTO tenancy.refresh_tokens (user_id, token_hash, expires_at)
  VALUES (presented.user_id, tenancy.hash_token(new_token), now() + (presented.expires_at - presented.created_at))
  RETURNING id INTO new_id;
  UPDATE tenancy.refresh_tokens SET revoked_at = now(), replaced_by_id = new_id WHERE id = presented.id;
  RETURN new_token;
END;
$$;
COMMENT ON FUNCTION tenancy.rotate_refresh_token(text) IS
  'Exchanges a refresh token for a new one; a revoked token revokes all of the user''s tokens and returns NULL (reuse detection).';

-- Password reset ---------------------------------------------------------------------------

-- A reset token (valid one hour) for the active user with this e-mail, or NULL; a token is
-- made and hashed either way, so an unknown e-mail costs the same work.
CREATE FUNCTION tenancy.request_password_reset(email text) RETURNS text
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  token text := tenancy.generate_token(32);
  digest bytea := tenancy.hash_token(token);
  account uuid;
BEGIN
  SELECT u.id INTO account FROM tenancy.users u WHERE lower(u.email) = lower(request_password_reset.email);
  IF account IS NULL OR NOT tenancy.user_can_sign_in(account) THEN
    RETURN NULL;
  END IF;
  INSERT INTO tenancy.password_reset_tokens (user_id, token_hash, expires_at)
  VALUES (account, digest, now() + interval '1 hour');
  PERFORM tenancy.log_user_event(account, 'password_reset.requested');
  RETURN token;
END;
$$;
COMMENT ON FUNCTION tenancy.request_password_reset(text) IS
  'A one-hour password reset token for the e-mail''s user, or NULL when there is none (same work).';

-- Sets a new password with a reset token: single use, expires, spends the user's other reset
-- tokens and revokes the user's refresh tokens. Returns true; every failure raises (28000 for the token, 22023 for the password).
CREATE FUNCTION tenancy.reset_password(token text, new_password text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  presented record;
  revoked_count int;
BEGIN
  IF token IS NULL OR new_password IS NULL THEN
    RAISE EXCEPTION 'token and new_password must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT t.* INTO presented FROM tenancy.password_reset_tokens t
   WHERE t.token_hash = tenancy.hash_token(token) FOR UPDATE;
  IF presented.id IS NULL THEN
    RAISE EXCEPTION 'password reset token is not valid' USING ERRCODE = '28000';
  ELSIF presented.used_at IS NOT NULL THEN
    RAISE EXCEPTION 'password reset token has already been used' USING ERRCODE = '28000';
  ELSIF presented.expires_at <= now() THEN
    RAISE EXCEPTION 'password reset token has expired' USING ERRCODE = '28000',
      HINT = 'Request a new one.';
  END IF;
  IF NOT tenancy.user_can_sign_in(presented.user_id) THEN
    RAISE EXCEPTION 'password reset token is not valid' USING ERRCODE = '28000';
  END IF;
  UPDATE tenancy.users SET password_hash = tenancy.hash_password(new_password) WHERE id = presented.user_id;
  -- This token and every other unused one of the user: a reset ends all pending resets.
  UPDATE tenancy.password_reset_tokens t SET used_at = now()
   WHERE t.user_id = presented.user_id AND t.used_at IS NULL;
  revoked_count := tenancy.revoke_refresh_tokens(presented.user_id);
  PERFORM tenancy.log_user_event(presented.user_id, 'password.reset',
                                 jsonb_build_object('refresh_tokens_revoked', revoked_count));
  RETURN true;
END;
$$;
COMMENT ON FUNCTION tenancy.reset_password(text, text) IS
  'Sets a new password with a single-use reset token and revokes the user''s refresh tokens.';

-- A membership that ends (soft-deleted or deleted) takes the address's pending invitations to
-- that organization with it, so an old invitation cannot bring the user back.
CREATE FUNCTION tenancy.revoke_invitations_of_removed_member() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.deleted_at IS NOT NULL OR NEW.deleted_at IS NULL) THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM tenancy.organizations o WHERE o.id = OLD.organization_id) THEN
    RETURN NULL;  -- the organization itself is being deleted, its invitations with it
  END IF;
  UPDATE tenancy.invitations i SET revoked_at = now()
    FROM tenancy.users u
   WHERE u.id = OLD.user_id AND i.organization_id = OLD.organization_id
     AND lower(i.email) = lower(u.email) AND i.accepted_at IS NULL AND i.revoked_at IS NULL;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.revoke_invitations_of_removed_member() FROM PUBLIC;
COMMENT ON FUNCTION tenancy.revoke_invitations_of_removed_member() IS
  'Trigger: revokes the pending invitations of a member who leaves an organization.';
CREATE TRIGGER organization_members_revoke_invitations
  AFTER UPDATE OF deleted_at OR DELETE ON tenancy.organization_members
  FOR EACH ROW EXECUTE FUNCTION tenancy.revoke_invitations_of_removed_member();

-- API keys -----------------------------------------------------------------------------------

-- A new API key for a project of the context's organization (ADMIN+), replacing any previous
-- one. Another organization's project answers like a missing one (42704). Returned once.
CREATE FUNCTION tenancy.create_api_key(project_id uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  api_key text := tenancy.generate_token(32);
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('ADMIN') THEN
    RAISE EXCEPTION 'creating an API key needs the ADMIN or OWNER role in the project''s organization'
      USING ERRCODE = '42501';
  END IF;
  UPDATE tenancy.projects p SET api_key_hash = tenancy.hash_token(api_key)
   WHERE p.organization_id = tenancy.current_org_id() AND p.id = create_api_key.project_id
     AND p.deleted_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'project does not exist' USING ERRCODE = '42704';
  END IF;
  RETURN api_key;
END;
$$;
COMMENT ON FUNCTION tenancy.create_api_key(uuid) IS
  'A new API key for a project of the context''s organization (ADMIN+); returns it once.';

-- The live project (and its live organization) an API key belongs to: one row, or none for an
-- unknown (or ambiguous) key. A malformed key is 22P02. No context is needed: the key is the credential.
CREATE FUNCTION tenancy.resolve_api_key(key text)
RETURNS TABLE (organization_id uuid, project_id uuid)
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER ROWS 1
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  -- A key held by two projects (impossible through create_api_key) identifies neither.
  RETURN QUERY
    SELECT m.organization_id, m.id FROM (
      SELECT p.organization_id, p.id, count(*) OVER () AS matches
        FROM tenancy.projects p
        JOIN tenancy.organizations o ON o.id = p.organization_id
       WHERE p.api_key_hash = tenancy.hash_token(key)
         AND p.deleted_at IS NULL AND o.deleted_at IS NULL
       LIMIT 2) m
     WHERE m.matches = 1;
END;
$$;
COMMENT ON FUNCTION tenancy.resolve_api_key(text) IS
  'The organization and project of an API key; no row when unknown.';

-- The flows that act without a tenant context (the token or the e-mail is the credential) are
-- not for every role that can connect: grant_app_role grants them to the application role.
REVOKE EXECUTE ON FUNCTION tenancy.create_user(text, text, text), tenancy.authenticate(text, text),
  tenancy.accept_invitation(text, uuid), tenancy.issue_refresh_token(uuid, interval),
  tenancy.rotate_refresh_token(text), tenancy.revoke_refresh_tokens(uuid),
  tenancy.request_password_reset(text), tenancy.reset_password(text, text) FROM PUBLIC;
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
-- Data safety: DROP EXTENSION tenancy refuses while its tables hold rows, unless a superuser
-- SET tenancy.allow_drop_with_data = on first.

-- True when the table has at least one row, whatever the caller's RLS context (the guard must
-- see every tenant's rows).
CREATE FUNCTION tenancy.table_has_rows(tbl regclass) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
  has_rows boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', tbl) INTO has_rows;
  RETURN has_rows;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.table_has_rows(regclass) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.table_has_rows(regclass) IS 'Whether a table has rows, ignoring RLS (used by the DROP EXTENSION guard).';

CREATE FUNCTION tenancy.guard_drop() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'tenancy_guard_drop';
COMMENT ON FUNCTION tenancy.guard_drop() IS 'Event trigger: refuses to drop tenancy while its tables hold rows.';
CREATE EVENT TRIGGER tenancy_guard_drop ON ddl_command_start
  WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
  EXECUTE FUNCTION tenancy.guard_drop();
-- Application role grants (SCHEMA.md): exactly what an application needs, narrowed by the
-- policies. The application role must be subject to RLS: not a superuser, no BYPASSRLS, and
-- not the owner of the tables (FORCE applies to owners, but an owner can also ALTER them).

-- The functions PUBLIC cannot execute that the application needs: the identity flows that act
-- without a tenant context (flows.sql), and password hashing, whose memory cost is a
-- denial-of-service lever in any role's hands (crypto.sql).
CREATE FUNCTION tenancy.app_role_functions() RETURNS regprocedure[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ARRAY['tenancy.create_user(text, text, text)', 'tenancy.authenticate(text, text)',
               'tenancy.accept_invitation(text, uuid)', 'tenancy.issue_refresh_token(uuid, interval)',
               'tenancy.rotate_refresh_token(text)', 'tenancy.revoke_refresh_tokens(uuid)',
               'tenancy.request_password_reset(text)', 'tenancy.reset_password(text, text)',
               'tenancy.hash_password(text)', 'tenancy.verify_password(text, text)',
               'tenancy.password_needs_rehash(text)']::regprocedure[]
$$;
COMMENT ON FUNCTION tenancy.app_role_functions() IS 'The functions grant_app_role grants EXECUTE on (PUBLIC cannot).';

-- Grants INSERT and UPDATE on every column of tenancy.tbl except the ones named: the columns
-- that only a SECURITY DEFINER flow may write.
CREATE FUNCTION tenancy.grant_writes_except(tbl name, role regrole, excluded name[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  columns text;
BEGIN
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
    FROM pg_attribute a
   WHERE a.attrelid = format('tenancy.%I', tbl)::regclass AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attname <> ALL (excluded);
  EXECUTE format('GRANT INSERT (%s), UPDATE (%s) ON tenancy.%I TO %s', columns, columns, tbl, role);
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.grant_writes_except(name, regrole, name[]) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.grant_writes_except(name, regrole, name[]) IS
  'Grants INSERT and UPDATE on all columns of a tenancy table but the excluded ones (internal).';

-- Refuses a role for which RLS would not hold, then grants: USAGE on the schema; SELECT, INSERT,
-- UPDATE, DELETE on tenant tables (append-only ones refuse changes in their triggers, with the
-- documented 55000, rather than with a privilege error); SELECT on platform tables; SELECT on
-- users except password_hash; nothing on the token tables; no INSERT on audit_logs,
-- cost_ledger or invitations nor write on projects.api_key_hash (the flows write those); EXECUTE on
-- app_role_functions().
-- Idempotent.
CREATE FUNCTION tenancy.grant_app_role(role regrole) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  target record;
  tbl record;
BEGIN
  IF role IS NULL THEN
    RAISE EXCEPTION 'role must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT r.rolname, r.rolsuper, r.rolbypassrls INTO target FROM pg_roles r WHERE r.oid = role;
  IF target.rolsuper OR target.rolbypassrls
     OR EXISTS (SELECT 1 FROM pg_roles r
                 WHERE (r.rolsuper OR r.rolbypassrls) AND r.oid <> role
                   AND pg_has_role(role, r.oid, 'MEMBER')) THEN
    RAISE EXCEPTION 'role % is (or can become) a superuser or a BYPASSRLS role, so row level security would not apply to it', role
      USING ERRCODE = '42501', HINT = 'Connect the application as a plain role.';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_class c
              WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
                AND pg_has_role(role, c.relowner, 'MEMBER')) THEN
    RAISE EXCEPTION 'role % owns (or can act as the owner of) tenancy tables', role
      USING ERRCODE = '42501', HINT = 'Use a role that owns nothing in schema tenancy.';
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA tenancy TO %s', role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s',
                 (SELECT string_agg(f::text, ', ') FROM unnest(tenancy.app_role_functions()) f), role);
  FOR tbl IN
    SELECT c.relname,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('organization_id', 'source_org_id')
                     AND NOT a.attisdropped) AS is_tenant
      FROM pg_class c
     WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  LOOP
    IF tbl.relname IN ('refresh_tokens', 'password_reset_tokens') THEN
      CONTINUE;
    ELSIF tbl.relname = 'users' THEN
      EXECUTE format('GRANT SELECT (id, email, username, full_name, is_active, is_superadmin, default_org_id, '
                     'auth_provider_id, created_at, updated_at, deleted_at) ON tenancy.users TO %s', role);
      -- Only full_name: username is unique across tenants and default_org_id references any
      -- organization, so updating either would tell whether another tenant's value exists.
      EXECUTE format('GRANT UPDATE (full_name) ON tenancy.users TO %s', role);
    ELSIF tbl.relname = 'organizations' THEN
      EXECUTE format('GRANT SELECT, UPDATE ON tenancy.organizations TO %s', role);
    ELSIF tbl.relname = 'audit_logs' THEN
      -- Written only by the audit trigger and log_event: no forged entries. UPDATE and DELETE
      -- stay granted so that they meet the append-only trigger's 55000, not a privilege error.
      EXECUTE format('GRANT SELECT, UPDATE, DELETE ON tenancy.audit_logs TO %s', role);
    ELSIF tbl.relname = 'cost_ledger' THEN
      -- Entries come only from record_cost and reverse_entry, which check amounts, currencies,
      -- projects and the reversal rules; UPDATE and DELETE meet the append-only trigger.
      EXECUTE format('GRANT SELECT, UPDATE, DELETE ON tenancy.cost_ledger TO %s', role);
    ELSIF tbl.relname = 'invitations' THEN
      -- Created only by invite (which caps the role and makes the token); revoked or deleted here.
      EXECUTE format('GRANT SELECT, DELETE, UPDATE (revoked_at) ON tenancy.invitations TO %s', role);
    ELSIF tbl.relname = 'projects' THEN
      -- api_key_hash only through create_api_key (ADMIN+, a fresh random key).
      EXECUTE format('GRANT SELECT, DELETE ON tenancy.projects TO %s', role);
      PERFORM tenancy.grant_writes_except('projects', role, ARRAY['api_key_hash']::name[]);
    ELSIF tbl.is_tenant OR tbl.relname = 'user_profiles' THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.%I TO %s', tbl.relname, role);
    ELSE
      EXECUTE format('GRANT SELECT ON tenancy.%I TO %s', tbl.relname, role);
    END IF;
  END LOOP;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.grant_app_role(regrole) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.grant_app_role(regrole) IS
  'Grants an application role what it needs (narrowed by RLS); refuses superusers, BYPASSRLS roles and table owners.';

-- Undoes grant_app_role: revokes every privilege on the schema's tables and the schema itself.
CREATE FUNCTION tenancy.revoke_app_role(role regrole) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  tbl record;
BEGIN
  IF role IS NULL THEN
    RAISE EXCEPTION 'role must not be NULL' USING ERRCODE = '22023';
  END IF;
  FOR tbl IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('REVOKE ALL ON tenancy.%I FROM %s', tbl.relname, role);
  END LOOP;
  EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s',
                 (SELECT string_agg(f::text, ', ') FROM unnest(tenancy.app_role_functions()) f), role);
  EXECUTE format('REVOKE USAGE ON SCHEMA tenancy FROM %s', role);
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.revoke_app_role(regrole) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.revoke_app_role(regrole) IS 'Revokes what grant_app_role granted.';
