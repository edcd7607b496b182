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
