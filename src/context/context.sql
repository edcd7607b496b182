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
