-- Signed context tokens: generation, signing, verification and every way a token can be bad.
-- Keys are random, so this file prints outcomes, never keys or tokens.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- base64url without padding, and an HS256 token with any header and payload (built with
-- pgcrypto's HMAC, so claim checks can be tested on correctly signed tokens).
CREATE FUNCTION pg_temp.b64url(bytes bytea) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT translate(encode(bytes, 'base64'), E'+/=\n', '-_') $$;
CREATE FUNCTION pg_temp.hs256_token(header jsonb, payload jsonb, secret bytea) RETURNS text LANGUAGE sql
AS $$
  SELECT signing_input || '.' || pg_temp.b64url(hmac(convert_to(signing_input, 'UTF8'), secret, 'sha256'))
    FROM (SELECT pg_temp.b64url(convert_to(header::text, 'UTF8')) || '.' ||
                 pg_temp.b64url(convert_to(payload::text, 'UTF8')) AS signing_input) AS parts
$$;
CREATE FUNCTION pg_temp.now_s() RETURNS bigint LANGUAGE sql AS $$ SELECT extract(epoch FROM now())::bigint $$;

-- Key pairs: a kid derived from the key, 32-byte keys in base64, a fresh pair every call.
SELECT * FROM tenancy.generate_context_keypair() \gset k1_
SELECT * FROM tenancy.generate_context_keypair() \gset k2_
SELECT :'k1_kid' ~ '^ed25519-[A-Za-z0-9_-]{12}$' AS kid_shape,
       length(decode(:'k1_public_key', 'base64')) AS public_bytes,
       length(decode(:'k1_secret_key', 'base64')) AS secret_bytes,
       :'k1_kid' <> :'k2_kid' AS pairs_differ;

-- Trust k1 only.
SELECT set_config('tenancy.context_public_keys', :'k1_kid' || ':' || :'k1_public_key', false) IS NOT NULL AS k1_trusted;

SELECT tenancy.sign_context_token(:'k1_secret_key', :'k1_kid', '0a000000-0000-4000-8000-00000000000a',
                                  'a1000000-0000-4000-8000-0000000000a1', 'ADMIN') AS good \gset
SELECT tenancy.sign_context_token(:'k1_secret_key', :'k1_kid', '0b000000-0000-4000-8000-00000000000b') AS good_b \gset
SELECT tenancy.sign_context_token(:'k2_secret_key', :'k2_kid', '0a000000-0000-4000-8000-00000000000a') AS unknown_kid \gset
SELECT tenancy.sign_context_token(:'k2_secret_key', :'k1_kid', '0a000000-0000-4000-8000-00000000000a') AS wrong_key \gset
SELECT split_part(:'good', '.', 1) AS good_header, split_part(:'good', '.', 2) AS good_payload,
       split_part(:'good', '.', 3) AS good_signature \gset
SELECT split_part(:'good_b', '.', 2) AS payload_b \gset

-- The token is a JWT: EdDSA header with the kid, and the claims asked for.
SELECT convert_from(decode(translate(:'good_header', '-_', '+/') || repeat('=', (4 - length(:'good_header') % 4) % 4), 'base64'), 'UTF8')::jsonb - 'kid' AS header;
SELECT claims - 'iat' - 'exp' AS claims, (claims ->> 'exp')::bigint - (claims ->> 'iat')::bigint AS lifetime_s
  FROM (SELECT convert_from(decode(translate(:'good_payload', '-_', '+/') || repeat('=', (4 - length(:'good_payload') % 4) % 4), 'base64'), 'UTF8')::jsonb AS claims) AS t;

-- A good token sets the whole context, for the plain application role.
SET SESSION AUTHORIZATION regress_tenancy_app;
BEGIN;
SET LOCAL tenancy.context_token = :'good';
SELECT tenancy.current_org_id(), tenancy.current_user_id(), tenancy.current_org_role(),
       tenancy.has_role('ADMIN') AS admin, tenancy.has_role('OWNER') AS owner;
SELECT tenancy.context();
COMMIT;
SELECT tenancy.current_org_id() AS after_commit;

-- set_context_token is the same as SET, session scope on request.
SELECT tenancy.set_context_token(:'good_b', is_local => false);
SELECT tenancy.current_org_id(), tenancy.current_user_id(), tenancy.current_org_role(), tenancy.context() ->> 'scope' AS scope;

-- Every bad token is refused with 28000 and leaves that context exactly as it was.
SELECT 'bad signature' AS kind, outcome(format('SET tenancy.context_token = %L',
         :'good_header' || '.' || :'good_payload' || '.' ||
         overlay(:'good_signature' PLACING (CASE WHEN substr(:'good_signature', 20, 1) = 'A' THEN 'B' ELSE 'A' END) FROM 20 FOR 1)))
UNION ALL SELECT 'payload swapped', outcome(format('SET tenancy.context_token = %L', :'good_header' || '.' || :'payload_b' || '.' || :'good_signature'))
UNION ALL SELECT 'unknown kid', outcome(format('SET tenancy.context_token = %L', :'unknown_kid'))
UNION ALL SELECT 'signed by another key', outcome(format('SET tenancy.context_token = %L', :'wrong_key'))
UNION ALL SELECT 'alg none', outcome(format('SET tenancy.context_token = %L',
         pg_temp.b64url(convert_to(json_build_object('alg', 'none', 'kid', :'k1_kid')::text, 'UTF8')) || '.' || :'good_payload' || '.'))
UNION ALL SELECT 'alg none, signature kept', outcome(format('SET tenancy.context_token = %L',
         pg_temp.b64url(convert_to(json_build_object('alg', 'none', 'kid', :'k1_kid')::text, 'UTF8')) || '.' || :'good_payload' || '.' || :'good_signature'))
UNION ALL SELECT 'HS256 not configured', outcome(format('SET tenancy.context_token = %L',
         pg_temp.hs256_token('{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600),
                             convert_to('0123456789abcdef0123456789abcdef', 'UTF8'))))
UNION ALL SELECT 'truncated', outcome(format('SET tenancy.context_token = %L', left(:'good', 60)))
UNION ALL SELECT 'signature cut short', outcome(format('SET tenancy.context_token = %L', left(:'good', -5)))
UNION ALL SELECT 'garbage', outcome($$SET tenancy.context_token = 'not a token at all'$$)
UNION ALL SELECT 'bad base64', outcome($$SET tenancy.context_token = 'eyJ!!!.e30.AAAA'$$)
UNION ALL SELECT 'padded base64', outcome(format('SET tenancy.context_token = %L', :'good_header' || '=.' || :'good_payload' || '.' || :'good_signature'))
UNION ALL SELECT 'four parts', outcome(format('SET tenancy.context_token = %L', :'good' || '.e30'))
UNION ALL SELECT 'oversized', outcome(format('SET tenancy.context_token = %L', repeat('A', 9000)));
SELECT tenancy.current_org_id() AS unchanged_org, tenancy.context() ->> 'signed' AS still_signed;
-- The same outside any subtransaction: the statement fails, the session context stays.
SET tenancy.context_token = 'garbage.garbage.garbage';
SELECT tenancy.current_org_id() AS unchanged_org;

-- A NULL or empty token is refused, not taken as "no change".
SELECT outcome($$SELECT tenancy.set_context_token(NULL)$$);
SELECT outcome($$SELECT tenancy.set_context_token('')$$);
SELECT outcome($$SELECT tenancy.set_context_token('x.y.z', NULL)$$);
SELECT outcome($$SELECT tenancy.set_context_token('x.y.z')$$);
RESET SESSION AUTHORIZATION;

-- HS256, once a superuser configures a secret: claims are checked on correctly signed tokens.
SET tenancy.context_hs256_keys = 'hk:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
SELECT kind, outcome(format('SET LOCAL tenancy.context_token = %L',
         pg_temp.hs256_token(header, payload, convert_to('0123456789abcdef0123456789abcdef', 'UTF8')))) AS outcome
  FROM (VALUES
    ('good HS256', '{"alg":"HS256","kid":"hk"}'::jsonb, jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('unknown HS256 kid', '{"alg":"HS256","kid":"other"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('no kid', '{"alg":"HS256"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('crit header', '{"alg":"HS256","kid":"hk","crit":["exp"]}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('expired', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s() - 600, 'exp', pg_temp.now_s() - 10)),
    ('nbf in the future', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'nbf', pg_temp.now_s() + 300, 'exp', pg_temp.now_s() + 600)),
    ('nbf in the past', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'nbf', pg_temp.now_s() - 5, 'exp', pg_temp.now_s() + 600)),
    ('missing org_id', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('non-uuid org_id', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', 'acme', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('numeric org_id', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', 42, 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('non-uuid sub', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'sub', 'alice', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('unknown role', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'org_role', 'admin', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600)),
    ('missing exp', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s())),
    ('string exp', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', 'tomorrow')),
    ('missing iat', '{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'exp', pg_temp.now_s() + 600)),
    ('EdDSA header on an HMAC', '{"alg":"EdDSA","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600))
  ) AS cases(kind, header, payload);
-- HS256 with the wrong secret.
SELECT outcome(format('SET LOCAL tenancy.context_token = %L',
         pg_temp.hs256_token('{"alg":"HS256","kid":"hk"}', jsonb_build_object('org_id', '0a000000-0000-4000-8000-00000000000a', 'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600),
                             convert_to('wrong-secret-wrong-secret-wrong-secret', 'UTF8')))) AS wrong_secret;
RESET tenancy.context_hs256_keys;

-- A token takes precedence over the trusted settings while it is set.
SELECT tenancy.clear_context();
BEGIN;
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1');
SELECT tenancy.current_org_id() AS trusted_org, tenancy.current_org_role(), tenancy.context() ->> 'signed' AS signed;
SELECT tenancy.set_context_token(:'good');
SELECT tenancy.current_org_id() AS token_wins, tenancy.current_org_role(), tenancy.context() ->> 'signed' AS signed;
-- A parallel worker inherits the token and answers the same.
SET LOCAL force_parallel_mode = on;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT tenancy.current_org_id();
SELECT tenancy.current_org_id() AS in_worker, tenancy.current_user_id(), tenancy.current_org_role();
COMMIT;
SELECT tenancy.clear_context();

-- Removing a key stops its tokens at the next SET, even ones verified (and cached) before.
SELECT set_config('tenancy.context_public_keys', :'k2_kid' || ':' || :'k2_public_key', false) IS NOT NULL AS rotated_to_k2;
SELECT outcome(format('SET tenancy.context_token = %L', :'good')) AS k1_token_after_rotation;
SELECT outcome(format('SET LOCAL tenancy.context_token = %L', :'unknown_kid')) AS k2_token_after_rotation;
-- Rotation with both keys listed accepts both.
SELECT set_config('tenancy.context_public_keys', :'k1_kid' || ':' || :'k1_public_key' || ', ' || :'k2_kid' || ':' || :'k2_public_key', false) IS NOT NULL AS both_keys;
SELECT outcome(format('SET LOCAL tenancy.context_token = %L', :'good')) AS k1_token, outcome(format('SET LOCAL tenancy.context_token = %L', :'unknown_kid')) AS k2_token;
-- With the cache off every SET verifies again, with the same answers.
SET tenancy.token_cache_size = 0;
SELECT outcome(format('SET LOCAL tenancy.context_token = %L', :'good')) AS uncached_good, outcome(format('SET LOCAL tenancy.context_token = %L', :'wrong_key')) AS uncached_bad;
RESET tenancy.token_cache_size;

-- A token stops counting when its exp passes, even though it was accepted earlier.
SELECT tenancy.sign_context_token(:'k1_secret_key', :'k1_kid', '0a000000-0000-4000-8000-00000000000a', ttl => '3 seconds') AS short \gset
SET SESSION AUTHORIZATION regress_tenancy_app;
SELECT tenancy.set_context_token(:'short', false);
SELECT tenancy.current_org_id() AS before_expiry;
SELECT pg_sleep(3.2);
SELECT tenancy.current_org_id() AS after_expiry, tenancy.current_org_role(), tenancy.context();
SELECT outcome($$SELECT tenancy.require_org_id()$$);
SELECT outcome(format('SET tenancy.context_token = %L', :'short')) AS set_again;
SELECT tenancy.clear_context();
RESET SESSION AUTHORIZATION;

-- sign_context_token: NULL and bad input; no message echoes the secret.
SELECT outcome($$SELECT tenancy.sign_context_token(NULL, 'k', '0a000000-0000-4000-8000-00000000000a')$$);
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, NULL, %L)', :'k1_secret_key', '0a000000-0000-4000-8000-00000000000a'));
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, NULL)', :'k1_secret_key', :'k1_kid'));
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, %L, ttl => NULL)', :'k1_secret_key', :'k1_kid', '0a000000-0000-4000-8000-00000000000a'));
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, %L, ttl => %L)', :'k1_secret_key', :'k1_kid', '0a000000-0000-4000-8000-00000000000a', '-5 minutes'));
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, %L)', :'k1_secret_key', 'bad kid!', '0a000000-0000-4000-8000-00000000000a'));
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, %L)', 'c2hvcnQ=', :'k1_kid', '0a000000-0000-4000-8000-00000000000a'));
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, %L)', 'not base64 at all', :'k1_kid', '0a000000-0000-4000-8000-00000000000a')) AS not_base64;
SELECT outcome(format('SELECT tenancy.sign_context_token(%L, %L, %L, ttl => %L)', :'k1_secret_key', :'k1_kid', '0a000000-0000-4000-8000-00000000000a', '10000 years'));
SELECT position(:'k1_secret_key' IN outcome(format('SELECT tenancy.sign_context_token(%L, %L, NULL)', :'k1_secret_key', :'k1_kid'))) = 0 AS secret_not_echoed;
RESET tenancy.context_public_keys;

-- A token SET before the library is loaded (the first statement of a fresh session) is verified
-- against the keys the database configures, once the library loads.
SELECT set_config('tenancy.context_public_keys', :'k1_kid' || ':' || :'k1_public_key', false) IS NOT NULL AS k1_trusted;
ALTER DATABASE contrib_regression SET tenancy.context_public_keys FROM CURRENT;
\connect
SET SESSION AUTHORIZATION regress_tenancy_app;
SET tenancy.context_token = :'good';
SELECT tenancy.current_org_id() AS planted_token_org, tenancy.current_org_role() AS planted_token_role;
RESET SESSION AUTHORIZATION;
ALTER DATABASE contrib_regression RESET tenancy.context_public_keys;
