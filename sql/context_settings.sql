-- The settings that hold the context cannot be set by a plain role, by any route.

-- A value planted before the library is loaded (fresh session, nothing of tenancy called yet)
-- is discarded when the library loads: the placeholder was set by a plain role.
SET SESSION AUTHORIZATION regress_tenancy_app;
SET tenancy.org_id = '0a000000-0000-4000-8000-00000000000a';
SET tenancy.org_role = 'OWNER';
SELECT tenancy.current_org_id() IS NULL AS planted_org_discarded,
       tenancy.current_org_role() IS NULL AS planted_role_discarded;
SHOW tenancy.org_id;

-- Once loaded, SET and set_config are refused for a plain role (42501).
SELECT outcome($$SET tenancy.org_id = '0a000000-0000-4000-8000-00000000000a'$$);
SELECT outcome($$SET LOCAL tenancy.user_id = 'a1000000-0000-4000-8000-0000000000a1'$$);
SELECT outcome($$SELECT set_config('tenancy.org_id', '0a000000-0000-4000-8000-00000000000a', true)$$);
SELECT outcome($$SELECT set_config('tenancy.org_role', 'OWNER', false)$$);
SELECT outcome($$RESET tenancy.org_id$$);
-- ALTER ROLE ... SET is refused too, so no login can start with a planted context.
SELECT outcome($$ALTER ROLE regress_tenancy_app SET tenancy.org_id = '0a000000-0000-4000-8000-00000000000a'$$);
SELECT outcome($$ALTER ROLE regress_tenancy_app IN DATABASE contrib_regression SET tenancy.org_role = 'OWNER'$$);
-- A new tenancy.* name cannot be invented either (the prefix is reserved).
SELECT outcome($$SET tenancy.org_idx = 'x'$$);
-- The plain role cannot call the trusted setter.
SELECT outcome($$SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a')$$);
-- Nor configure keys or switch off the cache.
SELECT outcome($$SET tenancy.context_public_keys = 'k:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='$$);
SELECT outcome($$SET tenancy.require_signed_context = off$$);
SELECT outcome($$SET tenancy.token_cache_size = 0$$);
SELECT tenancy.current_org_id() IS NULL AS still_no_context;
RESET SESSION AUTHORIZATION;

-- A planted placeholder set by a superuser is kept (superusers are trusted), but even then
-- it must be a canonical uuid.
SELECT outcome($$SET tenancy.org_id = 'not-a-uuid'$$);
SELECT outcome($$SET tenancy.org_role = 'GOD'$$);
SELECT outcome($$SET tenancy.user_id = '{a1000000-0000-4000-8000-0000000000a1}'$$);

-- The HS256 secrets are never shown, even to a superuser, and are left out of SHOW ALL.
SET tenancy.context_hs256_keys = 'hk:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQ=';
SHOW tenancy.context_hs256_keys;
SELECT count(*) AS hs256_rows_in_show_all FROM pg_settings WHERE name = 'tenancy.context_hs256_keys';
-- A malformed key list is refused without echoing the key.
SELECT outcome($$SET tenancy.context_hs256_keys = 'hk:dG9vLXNob3J0'$$);
SELECT outcome($$SET tenancy.context_public_keys = 'k1'$$);
SELECT outcome($$SET tenancy.context_public_keys = 'bad kid:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='$$);
SELECT outcome($$SET tenancy.context_public_keys = 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='$$);
SELECT outcome($$SET tenancy.context_public_keys = 'k1:!!!notbase64'$$);
RESET tenancy.context_hs256_keys;

-- The settings as PostgreSQL describes them.
SELECT name, context, vartype FROM pg_settings WHERE name LIKE 'tenancy.%' ORDER BY name;
