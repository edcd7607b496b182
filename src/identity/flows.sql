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
