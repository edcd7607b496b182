-- The argument fuzzer's machinery, loaded by test/fuzz/arguments.sh as the superuser into the
-- database that test/fuzz/sample_data.sql filled:
--   psql -v ON_ERROR_STOP=1 -v secret_key=... -v kid=... -v hs_secret_hex=... -f arguments.sql
-- Schema fuzz holds:
--   fixture   real secrets made once (context tokens, an invitation, refresh and reset token, an
--             API key, ciphertexts, a password hash) and their damaged variants, so that pools
--             can hand a function something that almost works;
--   pool      values per argument type (and per parameter name, or function and parameter, for
--             the values that mean something there), as SQL expressions; one per (function,
--             parameter) or per type is "reasonable": what a careful caller would pass;
--   calls     the generated calls: for every function of schema tenancy but those in view
--             fuzz.skipped (trigger functions, and the money_sum support functions, whose
--             internal arguments SQL cannot pass): all arguments NULL, all reasonable, each
--             position through its whole pool with the others reasonable, and seeded random
--             mixes; plus hand-written calls for the settings' check hooks (set_config) and
--             the money_sum aggregate over many rows, serially and in parallel;
--   try(id)   runs one call in a subtransaction that is always rolled back (a successful call
--             raises a sentinel error), under the session's statement_timeout, and answers
--             "id|SQLSTATE|milliseconds|message" (00000 for success).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA fuzz;
-- pgcrypto's hmac signs the crafted HS256 tokens.
CREATE EXTENSION pgcrypto SCHEMA fuzz;

-- The id of a sample-data tag, as sample_data.sql derives it.
CREATE FUNCTION fuzz.id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('tenancy-fuzz:' || tag)::uuid $$;

-- A table whose name and tenant column need quoting, for the regclass and name pools (it is
-- not in the shared sample data because sqlsmith does not quote such names).
CREATE TABLE app."Weird ""Name"" é" (
  "Org Id" uuid NOT NULL,
  "select" text,
  PRIMARY KEY ("Org Id")
);
SELECT tenancy.enable_rls('app."Weird ""Name"" é"', 'Org Id') IS NOT NULL AS isolated;
INSERT INTO app."Weird ""Name"" é" VALUES (fuzz.id('A'), 'weird A'), (fuzz.id('B'), 'weird B');
GRANT SELECT, INSERT, UPDATE, DELETE ON app."Weird ""Name"" é" TO app;

CREATE TABLE fuzz.fixture (name text PRIMARY KEY, t text, b bytea);
-- The text of fixture NAME (NULL when it could not be made).
CREATE FUNCTION fuzz.fx(fixture_name text) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT t FROM fuzz.fixture WHERE name = fixture_name $$;
-- The bytes of fixture NAME.
CREATE FUNCTION fuzz.fxb(fixture_name text) RETURNS bytea LANGUAGE sql STABLE
AS $$ SELECT b FROM fuzz.fixture WHERE name = fixture_name $$;
-- Unpadded base64url of bytes.
CREATE FUNCTION fuzz.b64url(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT translate(encode(b, 'base64'), E'+/=\n', '-_') $$;
-- Standard base64 of bytes, one line.
CREATE FUNCTION fuzz.b64(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT translate(encode(b, 'base64'), E'\n', '') $$;
-- A compact JWS of raw header and payload bytes, with a valid HS256 signature under the
-- configured secret.
CREATE FUNCTION fuzz.hs256(header bytea, payload bytea) RETURNS text LANGUAGE sql STABLE
AS $$
  SELECT s || '.' || fuzz.b64url(fuzz.hmac(convert_to(s, 'UTF8'), fuzz.fxb('hs_secret'), 'sha256'))
    FROM (SELECT fuzz.b64url(header) || '.' || fuzz.b64url(payload) AS s) x
$$;
-- The text with character N (1-based) replaced by another base64url character.
CREATE FUNCTION fuzz.flip_char(s text, n int) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT overlay(s PLACING CASE WHEN substr(s, n, 1) = 'A' THEN 'B' ELSE 'A' END FROM n FOR 1) $$;
-- The bytes with bit 0 of byte N (0-based) flipped.
CREATE FUNCTION fuzz.flip_bit(b bytea, n int) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT set_byte(b, n, get_byte(b, n) # 1) $$;

-- ---- fixtures ------------------------------------------------------------------------------
INSERT INTO fuzz.fixture (name, t, b) VALUES
  ('secret_key', :'secret_key', NULL),
  ('kid', :'kid', NULL),
  ('hs_secret', NULL, decode(:'hs_secret_hex', 'hex'));

-- Adds fixture NAME from the text of SQL expression EXPR; a failure leaves it out (NULL).
CREATE FUNCTION fuzz.add_text(fixture_name text, expr text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  value text;
BEGIN
  BEGIN
    EXECUTE 'SELECT (' || expr || ')::text' INTO value;
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'fixture % not made: %: %', fixture_name, SQLSTATE, SQLERRM;
  END;
  INSERT INTO fuzz.fixture (name, t) VALUES (fixture_name, value);
END $$;
-- Adds fixture NAME from the bytes of SQL expression EXPR.
CREATE FUNCTION fuzz.add_bytes(fixture_name text, expr text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  value bytea;
BEGIN
  BEGIN
    EXECUTE 'SELECT (' || expr || ')::bytea' INTO value;
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'fixture % not made: %: %', fixture_name, SQLSTATE, SQLERRM;
  END;
  INSERT INTO fuzz.fixture (name, b) VALUES (fixture_name, value);
END $$;

-- Ed25519 context tokens; the expired one is made first, with a ttl of 1 second, so that it has
-- expired by the time the calls run.
SELECT fuzz.add_text('ed_expired', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), fuzz.id('A'), fuzz.id('ua'), 'OWNER', '1 second')$$);
SELECT fuzz.add_text('ed_valid', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), fuzz.id('A'), fuzz.id('ua'), 'OWNER', '1 day')$$);
SELECT fuzz.add_text('ed_viewer', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), fuzz.id('A'), fuzz.id('uv'), 'VIEWER', '1 day')$$);
SELECT fuzz.add_text('ed_read_only', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), fuzz.id('B'), NULL, NULL, '1 day')$$);
SELECT fuzz.add_text('ed_deleted_org', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), fuzz.id('C'), fuzz.id('ua'), 'OWNER', '1 day')$$);
SELECT fuzz.add_text('ed_unknown_org', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), '00000000-0000-0000-0000-000000000000', NULL, 'OWNER', '1 day')$$);
SELECT fuzz.add_text('ed_far_future', $$tenancy.sign_context_token(fuzz.fx('secret_key'), fuzz.fx('kid'), fuzz.id('A'), NULL, 'ADMIN', make_interval(years => 7900))$$);
SELECT fuzz.add_text('ed_unknown_kid', $$tenancy.sign_context_token(fuzz.fx('secret_key'), 'unknown-kid', fuzz.id('A'), NULL, 'OWNER', '1 day')$$);
SELECT fuzz.add_text('ed_other_key', $$tenancy.sign_context_token((SELECT secret_key FROM tenancy.generate_context_keypair()), fuzz.fx('kid'), fuzz.id('A'), NULL, 'OWNER', '1 day')$$);

-- Secrets the identity flows hand out once, made under A's context (ua is A's OWNER): the
-- invitation is for uf, a user who is not a member yet.
INSERT INTO tenancy.users (id, email, full_name) VALUES (fuzz.id('uf'), 'invitee-fuzz@example.test', 'Invitee');
BEGIN;
SELECT tenancy.set_context(fuzz.id('A'), fuzz.id('ua'));
SELECT fuzz.add_text('invite_token', $$tenancy.invite(fuzz.id('A'), 'invitee-fuzz@example.test', 'MEMBER')$$);
SELECT fuzz.add_text('api_key', $$tenancy.create_api_key(fuzz.id('A:project2'))$$);
SELECT fuzz.add_bytes('ciphertext_a', $$tenancy.encrypt_secret('fuzz secret of A')$$);
SELECT fuzz.add_bytes('ciphertext_a_empty', $$tenancy.encrypt_secret('')$$);
SELECT fuzz.add_bytes('ciphertext_a_1mb', $$tenancy.encrypt_secret(repeat('s', 1048576))$$);
SELECT fuzz.add_text('entry_a', $$(SELECT id FROM tenancy.cost_ledger WHERE organization_id = fuzz.id('A') AND reverses_entry_id IS NULL AND description = 'Entry 3')$$);
SELECT fuzz.add_text('entry_a_reversed', $$(SELECT reverses_entry_id FROM tenancy.cost_ledger WHERE organization_id = fuzz.id('A') AND reverses_entry_id IS NOT NULL)$$);
SELECT fuzz.add_text('entry_b', $$(SELECT min(id::text) FROM tenancy.cost_ledger WHERE organization_id = fuzz.id('B'))$$);
COMMIT;
BEGIN;
SELECT tenancy.set_context(fuzz.id('B'), fuzz.id('ub'));
SELECT fuzz.add_bytes('ciphertext_b', $$tenancy.encrypt_secret('fuzz secret of B')$$);
COMMIT;
SELECT fuzz.add_text('refresh_token', $$tenancy.issue_refresh_token(fuzz.id('ua'))$$);
SELECT fuzz.add_text('reset_token', $$tenancy.request_password_reset('ub@example.test')$$);
SELECT fuzz.add_text('password_hash', $$(SELECT password_hash FROM tenancy.users WHERE id = fuzz.id('ua'))$$);

-- HS256 tokens with a valid signature and crafted headers and payloads: they reach the claim
-- parser. $A/$U: org A and ua; $now/$exp: now and an hour later (Unix seconds).
CREATE TABLE fuzz.crafted (label text PRIMARY KEY, header bytea, payload bytea);
CREATE FUNCTION pg_temp.claims(payload text) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(replace(replace(replace(replace(payload, '$A', fuzz.id('A')::text), '$U', fuzz.id('ua')::text),
                                    '$now', extract(epoch FROM now())::bigint::text),
                            '$exp', (extract(epoch FROM now())::bigint + 3600)::text), 'UTF8')
$$;
CREATE FUNCTION pg_temp.hdr(header text) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT convert_to(header, 'UTF8') $$;
INSERT INTO fuzz.crafted (label, header, payload)
SELECT label, pg_temp.hdr(coalesce(header, '{"alg":"HS256","kid":"fuzz-hs","typ":"JWT"}')), pg_temp.claims(payload)
  FROM (VALUES
  ('hs valid', NULL, '{"org_id":"$A","sub":"$U","org_role":"OWNER","iat":$now,"exp":$exp}'),
  ('hs no role', NULL, '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs org_id not a uuid', NULL, '{"org_id":"not-a-uuid","iat":$now,"exp":$exp}'),
  ('hs org_id number', NULL, '{"org_id":1,"iat":$now,"exp":$exp}'),
  ('hs org_id upper case', NULL, '{"org_id":"' || upper(fuzz.id('A')::text) || '","iat":$now,"exp":$exp}'),
  ('hs org_id braces', NULL, '{"org_id":"{$A}","iat":$now,"exp":$exp}'),
  ('hs org_id 32 hex digits', NULL, '{"org_id":"' || replace(fuzz.id('A')::text, '-', '') || '","iat":$now,"exp":$exp}'),
  ('hs org_id null', NULL, '{"org_id":null,"iat":$now,"exp":$exp}'),
  ('hs org_id NUL escape', NULL, '{"org_id":"$A\u0000","iat":$now,"exp":$exp}'),
  ('hs org_id lone surrogate', NULL, '{"org_id":"\ud800","iat":$now,"exp":$exp}'),
  ('hs org_id 6000 characters', NULL, '{"org_id":"' || repeat('a', 6000) || '","iat":$now,"exp":$exp}'),
  ('hs deleted org', NULL, '{"org_id":"' || fuzz.id('C') || '","sub":"$U","org_role":"OWNER","iat":$now,"exp":$exp}'),
  ('hs sub empty', NULL, '{"org_id":"$A","sub":"","iat":$now,"exp":$exp}'),
  ('hs sub number', NULL, '{"org_id":"$A","sub":7,"iat":$now,"exp":$exp}'),
  ('hs role GOD', NULL, '{"org_id":"$A","org_role":"GOD","iat":$now,"exp":$exp}'),
  ('hs role lower case', NULL, '{"org_id":"$A","org_role":"owner","iat":$now,"exp":$exp}'),
  ('hs role number', NULL, '{"org_id":"$A","org_role":3,"iat":$now,"exp":$exp}'),
  ('hs role array', NULL, '{"org_id":"$A","org_role":["OWNER"],"iat":$now,"exp":$exp}'),
  ('hs exp past', NULL, '{"org_id":"$A","iat":$now,"exp":1}'),
  ('hs exp zero', NULL, '{"org_id":"$A","iat":0,"exp":0}'),
  ('hs exp negative', NULL, '{"org_id":"$A","iat":$now,"exp":-1}'),
  ('hs exp year 9999', NULL, '{"org_id":"$A","iat":$now,"exp":253402300799}'),
  ('hs exp past year 9999', NULL, '{"org_id":"$A","iat":$now,"exp":253402300800}'),
  ('hs exp 1e400', NULL, '{"org_id":"$A","iat":$now,"exp":1e400}'),
  ('hs exp -1e400', NULL, '{"org_id":"$A","iat":$now,"exp":-1e400}'),
  ('hs exp double max', NULL, '{"org_id":"$A","iat":$now,"exp":1.7976931348623157e308}'),
  ('hs exp denormal', NULL, '{"org_id":"$A","iat":$now,"exp":5e-324}'),
  ('hs exp uint64 max', NULL, '{"org_id":"$A","iat":$now,"exp":18446744073709551615}'),
  ('hs exp past uint64', NULL, '{"org_id":"$A","iat":$now,"exp":18446744073709551616}'),
  ('hs exp int64 min', NULL, '{"org_id":"$A","iat":$now,"exp":-9223372036854775808}'),
  ('hs exp 2^53+1', NULL, '{"org_id":"$A","iat":$now,"exp":9007199254740993}'),
  ('hs exp fraction', NULL, '{"org_id":"$A","iat":$now,"exp":$exp.999999999}'),
  ('hs exp 5000 digits', NULL, '{"org_id":"$A","iat":$now,"exp":' || repeat('9', 5000) || '}'),
  ('hs exp string', NULL, '{"org_id":"$A","iat":$now,"exp":"2030-01-01"}'),
  ('hs exp true', NULL, '{"org_id":"$A","iat":$now,"exp":true}'),
  ('hs exp object', NULL, '{"org_id":"$A","iat":$now,"exp":{}}'),
  ('hs exp missing', NULL, '{"org_id":"$A","iat":$now}'),
  ('hs iat missing', NULL, '{"org_id":"$A","exp":$exp}'),
  ('hs iat in the future', NULL, '{"org_id":"$A","iat":253402300799,"exp":$exp}'),
  ('hs nbf in the future', NULL, '{"org_id":"$A","iat":$now,"exp":$exp,"nbf":$exp}'),
  ('hs nbf string', NULL, '{"org_id":"$A","iat":$now,"exp":$exp,"nbf":"now"}'),
  ('hs nbf NaN-like', NULL, '{"org_id":"$A","iat":$now,"exp":$exp,"nbf":NaN}'),
  ('hs duplicate keys', NULL, '{"org_id":"not-a-uuid","org_id":"$A","iat":$now,"exp":$exp,"exp":1}'),
  -- (the deepest that fit in the 8192 bytes a token may have)
  ('hs deep nesting', NULL, '{"x":' || repeat('[', 2900) || repeat(']', 2900) || ',"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs deep objects', NULL, '{"org_id":"$A","iat":$now,"exp":$exp,"x":' || repeat('{"a":', 950) || '1' || repeat('}', 950) || '}'),
  ('hs payload array', NULL, '[]'),
  ('hs payload string', NULL, '"x"'),
  ('hs payload number', NULL, '1'),
  ('hs payload null', NULL, 'null'),
  ('hs payload empty', NULL, ''),
  ('hs payload truncated', NULL, '{"org_id":'),
  ('hs payload trailing garbage', NULL, '{"org_id":"$A","iat":$now,"exp":$exp} x'),
  ('hs payload two objects', NULL, '{"org_id":"$A","iat":$now,"exp":$exp}{}'),
  ('hs payload over 8192 bytes', NULL, '{"org_id":"$A","iat":$now,"exp":$exp,"pad":"' || repeat('p', 9000) || '"}'),
  ('hs header alg none', '{"alg":"none","kid":"fuzz-hs"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header no kid', '{"alg":"HS256"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header kid number', '{"alg":"HS256","kid":1}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header kid unknown', '{"alg":"HS256","kid":"nope"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header kid empty', '{"alg":"HS256","kid":""}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header kid NUL', '{"alg":"HS256","kid":"fuzz-hs\u0000"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header crit', '{"alg":"HS256","kid":"fuzz-hs","crit":["exp"]}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header alg EdDSA', '{"alg":"EdDSA","kid":"fuzz-hs"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header alg lower case', '{"alg":"hs256","kid":"fuzz-hs"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header alg number', '{"alg":256,"kid":"fuzz-hs"}', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header array', '[]', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header not JSON', 'not json', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header empty', '', '{"org_id":"$A","iat":$now,"exp":$exp}'),
  ('hs header duplicate alg', '{"alg":"none","alg":"HS256","kid":"fuzz-hs"}', '{"org_id":"$A","iat":$now,"exp":$exp}')
  ) AS v(label, header, payload);
-- Payloads that are not valid UTF-8 or hold a raw NUL byte.
INSERT INTO fuzz.crafted (label, header, payload) VALUES
  ('hs payload invalid UTF-8', pg_temp.hdr('{"alg":"HS256","kid":"fuzz-hs"}'),
   pg_temp.claims('{"org_id":"$A","iat":$now,"exp":$exp,"x":"') || '\xfffe80'::bytea || convert_to('"}', 'UTF8')),
  ('hs payload raw NUL', pg_temp.hdr('{"alg":"HS256","kid":"fuzz-hs"}'),
   pg_temp.claims('{"org_id":"$A","iat":$now,"exp":$exp,"x":"') || '\x00'::bytea || convert_to('"}', 'UTF8')),
  ('hs header EdDSA with the real kid', convert_to('{"alg":"EdDSA","kid":"' || fuzz.fx('kid') || '"}', 'UTF8'),
   pg_temp.claims('{"org_id":"$A","iat":$now,"exp":$exp}'));
INSERT INTO fuzz.fixture (name, t) SELECT 'jwt:' || label, fuzz.hs256(header, payload) FROM fuzz.crafted;
-- Structural damage to real tokens, and token-shaped garbage.
INSERT INTO fuzz.fixture (name, t)
SELECT 'jwt:' || label, value FROM (VALUES
  ('ed valid', fuzz.fx('ed_valid')),
  ('ed expired', fuzz.fx('ed_expired')),
  ('ed viewer', fuzz.fx('ed_viewer')),
  ('ed read-only', fuzz.fx('ed_read_only')),
  ('ed deleted org', fuzz.fx('ed_deleted_org')),
  ('ed unknown org', fuzz.fx('ed_unknown_org')),
  ('ed far future', fuzz.fx('ed_far_future')),
  ('ed unknown kid', fuzz.fx('ed_unknown_kid')),
  ('ed signed by another key', fuzz.fx('ed_other_key')),
  ('ed header char changed', fuzz.flip_char(fuzz.fx('ed_valid'), 5)),
  ('ed payload char changed', fuzz.flip_char(fuzz.fx('ed_valid'), strpos(fuzz.fx('ed_valid'), '.') + 10)),
  ('ed signature char changed', fuzz.flip_char(fuzz.fx('ed_valid'), length(fuzz.fx('ed_valid')) - 20)),
  ('ed last char changed', fuzz.flip_char(fuzz.fx('ed_valid'), length(fuzz.fx('ed_valid')))),
  ('ed truncated by one', left(fuzz.fx('ed_valid'), -1)),
  ('ed signature removed', regexp_replace(fuzz.fx('ed_valid'), '[^.]*$', '')),
  ('ed signature doubled', fuzz.fx('ed_valid') || split_part(fuzz.fx('ed_valid'), '.', 3)),
  ('ed padded with =', fuzz.fx('ed_valid') || '=='),
  ('ed standard base64 alphabet', translate(fuzz.fx('ed_valid'), '-_', '+/')),
  ('ed with a fourth part', fuzz.fx('ed_valid') || '.AAAA'),
  ('ed with leading space', ' ' || fuzz.fx('ed_valid')),
  ('ed with trailing newline', fuzz.fx('ed_valid') || E'\n'),
  ('ed payload of another token', split_part(fuzz.fx('ed_valid'), '.', 1) || '.' || split_part(fuzz.fx('ed_viewer'), '.', 2)
                                  || '.' || split_part(fuzz.fx('ed_valid'), '.', 3)),
  ('hs valid, EdDSA signature', split_part(fuzz.fx('jwt:hs valid'), '.', 1) || '.' || split_part(fuzz.fx('jwt:hs valid'), '.', 2)
                                || '.' || split_part(fuzz.fx('ed_valid'), '.', 3)),
  ('empty', ''),
  ('one dot', '.'),
  ('two dots', '..'),
  ('three dots', '...'),
  ('a.b.c', 'a.b.c'),
  ('a.b', 'a.b'),
  ('non-base64 parts', '!!.??.##'),
  ('8192 bytes', repeat('a', 4094) || '.' || repeat('b', 4095) || '.c'),
  ('8193 bytes', repeat('a', 4094) || '.' || repeat('b', 4096) || '.c'),
  ('1 MB', repeat('a', 524288) || '.' || repeat('b', 524286) || '.c')
) AS v(label, value);

-- Opaque tokens (invitation, refresh, reset, API key): damaged real ones and edge lengths.
INSERT INTO fuzz.fixture (name, t)
SELECT 'opaque:' || label, value FROM (VALUES
  ('invite token char changed', fuzz.flip_char(fuzz.fx('invite_token'), 10)),
  ('refresh token truncated', left(fuzz.fx('refresh_token'), -1)),
  ('reset token last char changed', fuzz.flip_char(fuzz.fx('reset_token'), length(fuzz.fx('reset_token')))),
  ('API key char changed', fuzz.flip_char(fuzz.fx('api_key'), 12)),
  ('21 chars', repeat('a', 21)),
  ('22 chars', repeat('a', 22)),
  ('23 chars', repeat('a', 23)),
  ('1366 chars', repeat('a', 1366)),
  ('1367 chars', repeat('a', 1367)),
  ('standard base64 chars', repeat('+/', 20)),
  ('base64 padding', repeat('a', 42) || '='),
  ('inner space', repeat('a', 20) || ' ' || repeat('a', 20))
) AS v(label, value);

-- Ciphertexts: damaged real ones.
INSERT INTO fuzz.fixture (name, b)
SELECT 'ct:' || label, value FROM (VALUES
  ('truncated by one', substring(fuzz.fxb('ciphertext_a') FROM 1 FOR length(fuzz.fxb('ciphertext_a')) - 1)),
  ('first byte flipped', fuzz.flip_bit(fuzz.fxb('ciphertext_a'), 0)),
  ('byte 10 flipped', fuzz.flip_bit(fuzz.fxb('ciphertext_a'), 10)),
  ('byte 30 flipped', fuzz.flip_bit(fuzz.fxb('ciphertext_a'), 30)),
  ('last byte flipped', fuzz.flip_bit(fuzz.fxb('ciphertext_a'), length(fuzz.fxb('ciphertext_a')) - 1)),
  ('one byte appended', fuzz.fxb('ciphertext_a') || '\x00'::bytea),
  ('first 24 bytes', substring(fuzz.fxb('ciphertext_a') FROM 1 FOR 24)),
  ('first 25 bytes', substring(fuzz.fxb('ciphertext_a') FROM 1 FOR 25)),
  ('all but the first byte', substring(fuzz.fxb('ciphertext_a') FROM 2)),
  ('of organization B', fuzz.fxb('ciphertext_b')),
  ('of an empty secret', fuzz.fxb('ciphertext_a_empty')),
  ('of a 1 MB secret', fuzz.fxb('ciphertext_a_1mb')),
  ('of a 1 MB secret, last byte flipped', fuzz.flip_bit(fuzz.fxb('ciphertext_a_1mb'), length(fuzz.fxb('ciphertext_a_1mb')) - 1))
) AS v(label, value);

-- argon2 strings: the real hash, re-parameterised and damaged.
INSERT INTO fuzz.fixture (name, t)
SELECT 'hash:' || label, value FROM (VALUES
  ('prefix only', '$argon2id$'),
  ('no salt or digest', '$argon2id$v=19$m=65536,t=2,p=1$'),
  ('version 16', regexp_replace(fuzz.fx('password_hash'), 'v=19', 'v=16')),
  ('memory 7 KiB', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+', 'm=7')),
  ('memory over the maximum', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+', 'm=262145')),
  ('memory uint32 max', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+', 'm=4294967295')),
  ('memory past uint32', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+', 'm=4294967296')),
  ('memory leading zero', regexp_replace(fuzz.fx('password_hash'), 'm=([0-9]+)', 'm=0\1')),
  ('memory 30 digits', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+', 'm=' || repeat('9', 30))),
  ('iterations 0', regexp_replace(fuzz.fx('password_hash'), 't=[0-9]+', 't=0')),
  ('iterations over the maximum', regexp_replace(fuzz.fx('password_hash'), 't=[0-9]+', 't=5')),
  ('parallelism 0', regexp_replace(fuzz.fx('password_hash'), 'p=[0-9]+', 'p=0')),
  ('parallelism 2', regexp_replace(fuzz.fx('password_hash'), 'p=[0-9]+', 'p=2')),
  ('parallelism past 24 bits', regexp_replace(fuzz.fx('password_hash'), 'p=[0-9]+', 'p=16777216')),
  ('minimum costs', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+,t=[0-9]+', 'm=8,t=1')),
  ('maximum memory (256 MiB)', regexp_replace(fuzz.fx('password_hash'), 'm=[0-9]+,t=[0-9]+', 'm=262144,t=1')),
  ('argon2i variant', regexp_replace(fuzz.fx('password_hash'), '^\$argon2id\$', '$argon2i$')),
  ('argon2d variant', regexp_replace(fuzz.fx('password_hash'), '^\$argon2id\$', '$argon2d$')),
  ('salt of 15 bytes', regexp_replace(fuzz.fx('password_hash'), '\$[^$]+\$([^$]+)$', '$' || fuzz.b64('\x000102030405060708090a0b0c0d0e'::bytea) || '$\1')),
  ('salt of 128 bytes', regexp_replace(fuzz.fx('password_hash'), '\$[^$]+\$([^$]+)$', '$' || translate(fuzz.b64(decode(repeat('ab', 128), 'hex')), '=', '') || '$\1')),
  ('digest of 31 bytes', regexp_replace(fuzz.fx('password_hash'), '\$[^$]+$', '$' || translate(fuzz.b64(decode(repeat('cd', 31), 'hex')), '=', ''))),
  ('digest padded', fuzz.fx('password_hash') || '='),
  ('digest with a bad character', left(fuzz.fx('password_hash'), -1) || '!'),
  ('trailing dollar', fuzz.fx('password_hash') || '$'),
  ('bcrypt', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'),
  ('1 MB', '$argon2id$v=19$m=65536,t=2,p=1$' || repeat('A', 1048576))
) AS v(label, value);

-- Key lists for the tenancy.context_public_keys / context_hs256_keys check hooks.
INSERT INTO fuzz.fixture (name, t)
SELECT 'keys:' || label, value FROM (VALUES
  ('empty', ''),
  ('blank', '  '),
  ('kid only', 'kid'),
  ('kid and colon', 'kid:'),
  ('no kid', ':' || fuzz.b64(decode(repeat('01', 32), 'hex'))),
  ('not base64', 'kid:!!!!'),
  ('31 bytes', 'kid:' || fuzz.b64(decode(repeat('01', 31), 'hex'))),
  ('32 bytes', 'kid:' || fuzz.b64(decode(repeat('01', 32), 'hex'))),
  ('33 bytes', 'kid:' || fuzz.b64(decode(repeat('01', 33), 'hex'))),
  ('1024 bytes', 'kid:' || fuzz.b64(decode(repeat('01', 1024), 'hex'))),
  ('1025 bytes', 'kid:' || fuzz.b64(decode(repeat('01', 1025), 'hex'))),
  ('base64url unpadded', 'kid:' || fuzz.b64url(decode(repeat('fb', 32), 'hex'))),
  ('duplicate kid', 'kid:' || fuzz.b64(decode(repeat('01', 32), 'hex')) || ',kid:' || fuzz.b64(decode(repeat('02', 32), 'hex'))),
  ('kid of 65 chars', repeat('k', 65) || ':' || fuzz.b64(decode(repeat('01', 32), 'hex'))),
  ('kid with a quote', 'k"d:' || fuzz.b64(decode(repeat('01', 32), 'hex'))),
  ('only commas', ',,,,'),
  ('1000 keys', (SELECT string_agg('k' || n || ':' || fuzz.b64(decode(repeat('01', 32), 'hex')), ',') FROM generate_series(1, 1000) n)),
  ('1 MB', repeat('k', 1048576))
) AS v(label, value);

-- ---- value pools -----------------------------------------------------------------------------
-- typ: the argument type; fn/param: NULL for any, else the function / parameter name the value
-- is for; expr: a SQL expression (cast to typ by the call); reasonable: the value a careful
-- caller passes (the most specific row wins). NULL is added for every type by the generator.
CREATE TABLE fuzz.pool (
  typ regtype NOT NULL,
  fn name,
  param name,
  label text NOT NULL,
  expr text NOT NULL,
  reasonable boolean NOT NULL DEFAULT false
);
INSERT INTO fuzz.pool (typ, fn, param, label, expr, reasonable) VALUES
  -- uuid
  ('uuid', NULL, NULL, 'org A', $$fuzz.id('A')$$, true),
  ('uuid', NULL, NULL, 'org B', $$fuzz.id('B')$$, false),
  ('uuid', NULL, NULL, 'deleted org C', $$fuzz.id('C')$$, false),
  ('uuid', NULL, NULL, 'user ua', $$fuzz.id('ua')$$, false),
  ('uuid', NULL, NULL, 'inactive user ui', $$fuzz.id('ui')$$, false),
  ('uuid', NULL, NULL, 'deleted user ud', $$fuzz.id('ud')$$, false),
  ('uuid', NULL, NULL, 'project A1', $$fuzz.id('A:project1')$$, false),
  ('uuid', NULL, NULL, 'ledger entry of A', $$fuzz.fx('entry_a')$$, false),
  ('uuid', NULL, NULL, 'zero uuid', $$'00000000-0000-0000-0000-000000000000'$$, false),
  ('uuid', NULL, NULL, 'all-ones uuid', $$'ffffffff-ffff-ffff-ffff-ffffffffffff'$$, false),
  ('uuid', NULL, NULL, 'random uuid', $$gen_random_uuid()$$, false),
  ('uuid', NULL, NULL, 'malformed uuid', $$'not-a-uuid'$$, false),
  ('uuid', NULL, 'user_id', 'user ua', $$fuzz.id('ua')$$, true),
  ('uuid', 'accept_invitation', 'user_id', 'invited user uf', $$fuzz.id('uf')$$, true),
  ('uuid', NULL, 'owner_id', 'user ua', $$fuzz.id('ua')$$, true),
  ('uuid', NULL, 'actor', 'user ua', $$fuzz.id('ua')$$, true),
  ('uuid', NULL, 'entity_id', 'project A1', $$fuzz.id('A:project1')$$, true),
  ('uuid', NULL, 'from_entity', 'project A1', $$fuzz.id('A:project1')$$, true),
  ('uuid', NULL, 'source_entity_id', 'project A3', $$fuzz.id('A:project3')$$, true),
  ('uuid', NULL, 'to_org', 'org B', $$fuzz.id('B')$$, true),
  ('uuid', NULL, 'to_entity', 'project B1', $$fuzz.id('B:project1')$$, true),
  ('uuid', NULL, 'target_org_id', 'org D', $$fuzz.id('D')$$, true),
  ('uuid', NULL, 'target_entity_id', 'project D3', $$fuzz.id('D:project3')$$, true),
  ('uuid', NULL, 'grantee', 'org D', $$fuzz.id('D')$$, true),
  ('uuid', NULL, 'project_id', 'project A1', $$fuzz.id('A:project1')$$, true),
  ('uuid', NULL, 'entry_id', 'ledger entry of A', $$fuzz.fx('entry_a')$$, true),
  ('uuid', NULL, 'entry_id', 'reversed entry of A', $$fuzz.fx('entry_a_reversed')$$, false),
  ('uuid', NULL, 'entry_id', 'ledger entry of B', $$fuzz.fx('entry_b')$$, false),
  ('uuid', NULL, 'resource_id', 'project A1', $$fuzz.id('A:project1')$$, true),
  -- text
  ('text', NULL, NULL, 'plain', $$'fuzz'$$, true),
  ('text', NULL, NULL, 'empty', $$''$$, false),
  ('text', NULL, NULL, 'one space', $$' '$$, false),
  ('text', NULL, NULL, '1 MB', $$repeat('x', 1048576)$$, false),
  ('text', NULL, NULL, '100k two-byte chars', $$repeat('é', 100000)$$, false),
  ('text', NULL, NULL, 'control characters', $$E'\t\n\r\x01\x7f'$$, false),
  ('text', NULL, NULL, 'quotes and SQL', $q$$$'"; DROP TABLE tenancy.organizations; --$$$q$, false),
  ('text', NULL, NULL, 'format directives', $$'%s%n%x%p%999999999s'$$, false),
  ('text', NULL, NULL, '1000 backslashes', $$repeat(E'\\', 1000)$$, false),
  ('text', NULL, NULL, '10000 parentheses', $$repeat('(', 10000)$$, false),
  ('text', NULL, NULL, 'four-byte chars', $$'😀𝔘'$$, false),
  ('text', NULL, NULL, 'uuid text', $$'00000000-0000-0000-0000-000000000000'$$, false),
  ('text', NULL, NULL, 'malformed uuid text', $$'not-a-uuid'$$, false),
  ('text', NULL, NULL, '63 characters', $$repeat('n', 63)$$, false),
  ('text', NULL, NULL, '64 characters', $$repeat('n', 64)$$, false),
  ('text', NULL, NULL, 'number text', $$'-1e1000'$$, false),
  ('text', NULL, NULL, 'JSON text', $$'{"org_id": null}'$$, false),
  ('text', NULL, NULL, 'JWT-like a.b.c', $$'a.b.c'$$, false),
  ('text', NULL, NULL, 'escaped NUL text', $$'\u0000'$$, false),
  ('text', NULL, 'currency', 'USD', $$'USD'$$, true),
  ('text', NULL, 'currency', 'EUR', $$'EUR'$$, false),
  ('text', NULL, 'currency', 'JPY (no fx rate)', $$'JPY'$$, false),
  ('text', NULL, 'currency', 'lower case', $$'usd'$$, false),
  ('text', NULL, 'currency', 'two letters', $$'US'$$, false),
  ('text', NULL, 'currency', 'four letters', $$'USDX'$$, false),
  ('text', NULL, 'currency', 'euro signs', $$'€€€'$$, false),
  ('text', NULL, 'target_currency', 'USD', $$'USD'$$, true),
  ('text', NULL, 'target_currency', 'EUR', $$'EUR'$$, false),
  ('text', NULL, 'target_currency', 'JPY (no fx rate)', $$'JPY'$$, false),
  ('text', NULL, 'target_currency', 'CHF', $$'CHF'$$, false),
  ('text', NULL, 'target_currency', 'lower case', $$'usd'$$, false),
  ('text', NULL, 'argument', 'currency', $$'currency'$$, true),
  ('text', NULL, 'scope', 'ledger', $$'ledger'$$, true),
  ('text', NULL, 'scope', 'dependencies', $$'dependencies'$$, false),
  ('text', NULL, 'scope', 'upper case', $$'LEDGER'$$, false),
  ('text', NULL, 'scope', 'unknown', $$'bogus'$$, false),
  ('text', NULL, 'share_scope', 'ledger', $$'ledger'$$, true),
  ('text', NULL, 'share_scope', 'dependencies', $$'dependencies'$$, false),
  ('text', NULL, 'share_scope', 'unknown', $$'bogus'$$, false),
  ('text', NULL, 'direction', 'downstream', $$'downstream'$$, true),
  ('text', NULL, 'direction', 'upstream', $$'upstream'$$, false),
  ('text', NULL, 'direction', 'upper case', $$'DOWNSTREAM'$$, false),
  ('text', NULL, 'direction', 'unknown', $$'sideways'$$, false),
  ('text', NULL, 'format', 'mermaid', $$'mermaid'$$, true),
  ('text', NULL, 'format', 'dot', $$'dot'$$, false),
  ('text', NULL, 'format', 'unknown', $$'svg'$$, false),
  ('text', NULL, 'period', 'month', $$'month'$$, true),
  ('text', NULL, 'period', 'day', $$'day'$$, false),
  ('text', NULL, 'period', 'week', $$'week'$$, false),
  ('text', NULL, 'period', 'quarter', $$'quarter'$$, false),
  ('text', NULL, 'period', 'year', $$'year'$$, false),
  ('text', NULL, 'period', 'unknown', $$'decade'$$, false),
  ('text', NULL, 'email', 'ua (exists)', $$'ua@example.test'$$, true),
  ('text', 'create_user', 'email', 'new address', $$'new-user@example.test'$$, true),
  ('text', 'invite', 'email', 'new address', $$'new-user@example.test'$$, true),
  ('text', NULL, 'email', 'new address', $$'new-user@example.test'$$, false),
  ('text', NULL, 'email', 'upper case ua', $$'UA@EXAMPLE.TEST'$$, false),
  ('text', NULL, 'email', 'leading space', $$' ua@example.test'$$, false),
  ('text', NULL, 'email', 'no at sign', $$'no-at-sign'$$, false),
  ('text', NULL, 'email', 'two at signs', $$'a@b@c'$$, false),
  ('text', NULL, 'email', '321 characters', $$repeat('a', 308) || '@example.test'$$, false),
  ('text', NULL, 'password', 'the right one', $$'correct horse battery staple'$$, true),
  ('text', NULL, 'password', '1024 bytes', $$repeat('p', 1024)$$, false),
  ('text', NULL, 'password', '1025 bytes', $$repeat('p', 1025)$$, false),
  ('text', NULL, 'password', '512 two-byte chars', $$repeat('é', 512)$$, false),
  ('text', NULL, 'new_password', 'a new one', $$'a brand new passphrase'$$, true),
  ('text', NULL, 'new_password', '1025 bytes', $$repeat('p', 1025)$$, false),
  ('text', NULL, 'hash', 'real argon2id hash', $$fuzz.fx('password_hash')$$, true),
  ('text', NULL, 'secret_key', 'real secret key', $$fuzz.fx('secret_key')$$, true),
  ('text', NULL, 'secret_key', 'not base64', $$'not base64!'$$, false),
  ('text', NULL, 'secret_key', '31 bytes', $$fuzz.b64(decode(repeat('01', 31), 'hex'))$$, false),
  ('text', NULL, 'secret_key', '32-byte seed', $$fuzz.b64(decode(repeat('01', 32), 'hex'))$$, false),
  ('text', NULL, 'secret_key', '64 random bytes', $$fuzz.b64(fuzz.gen_random_bytes(64))$$, false),
  ('text', NULL, 'secret_key', '65 bytes', $$fuzz.b64(decode(repeat('01', 65), 'hex'))$$, false),
  ('text', NULL, 'secret_key', 'real, base64url', $$translate(fuzz.fx('secret_key'), '+/=', '-_')$$, false),
  ('text', NULL, 'kid', 'real kid', $$fuzz.fx('kid')$$, true),
  ('text', NULL, 'kid', 'the HS256 kid', $$'fuzz-hs'$$, false),
  ('text', NULL, 'kid', 'with a quote', $$'k"d'$$, false),
  ('text', NULL, 'kid', 'with a backslash', $$E'k\\d'$$, false),
  ('text', NULL, 'kid', '65 characters', $$repeat('k', 65)$$, false),
  ('text', NULL, 'tz', 'UTC', $$'UTC'$$, true),
  ('text', NULL, 'timezone', 'UTC', $$'UTC'$$, true),
  ('text', NULL, 'slug', 'free slug', $$'fuzz-slug'$$, true),
  ('text', NULL, 'slug', 'taken slug', $$'org-a'$$, false),
  ('text', NULL, 'slug', 'upper case', $$'UPPER'$$, false),
  ('text', NULL, 'slug', 'double hyphen', $$'a--b'$$, false),
  ('text', NULL, 'slug', '101 characters', $$repeat('a', 101)$$, false),
  ('text', 'create_organization', 'name', 'plain name', $$'Fuzz Org'$$, true),
  ('text', 'create_organization', 'name', '201 characters', $$repeat('n', 201)$$, false),
  ('text', NULL, 'frequency', 'weekly', $$'weekly'$$, true),
  ('text', NULL, 'frequency', 'daily', $$'daily'$$, false),
  ('text', NULL, 'frequency', 'hourly', $$'hourly'$$, false),
  ('text', NULL, 'frequency', 'monthly', $$'monthly'$$, false),
  ('text', NULL, 'frequency', 'unknown', $$'never'$$, false),
  ('text', NULL, 'dependency_type', 'runtime', $$'runtime'$$, true),
  ('text', NULL, 'dependency_type', 'leading space', $$' runtime'$$, false),
  ('text', NULL, 'dependency_type', '51 characters', $$repeat('t', 51)$$, false),
  ('text', NULL, 'code', 'sso', $$'sso'$$, true),
  ('text', NULL, 'code', 'unknown', $$'nonexistent'$$, false),
  ('text', NULL, 'action', 'login', $$'login'$$, true),
  ('text', NULL, 'resource_type', 'projects', $$'projects'$$, true),
  ('text', NULL, 'column_name', 'password_hash', $$'password_hash'$$, true),
  ('text', NULL, 'column_name', 'access_token_encrypted', $$'access_token_encrypted'$$, false),
  ('text', NULL, 'column_name', 'api_key', $$'api_key'$$, false),
  ('text', NULL, 'plaintext', 'short secret', $$'fuzz secret'$$, true),
  ('text', NULL, 'fingerprint', 'fp-A', $$'fp-A'$$, true),
  ('text', NULL, 'title', 'TypeError', $$'TypeError'$$, true),
  ('text', 'accept_invitation', 'token', 'real invitation token', $$fuzz.fx('invite_token')$$, true),
  ('text', 'rotate_refresh_token', 'token', 'real refresh token', $$fuzz.fx('refresh_token')$$, true),
  ('text', 'reset_password', 'token', 'real reset token', $$fuzz.fx('reset_token')$$, true),
  ('text', 'hash_token', 'token', 'real refresh token', $$fuzz.fx('refresh_token')$$, true),
  ('text', 'token_is_well_formed', 'token', 'real refresh token', $$fuzz.fx('refresh_token')$$, true),
  ('text', 'set_context_token', 'token', 'ed valid', $$fuzz.fx('jwt:ed valid')$$, true),
  ('text', NULL, 'key', 'real API key', $$fuzz.fx('api_key')$$, true),
  ('text', NULL, 'api_key', 'real API key', $$fuzz.fx('api_key')$$, true),
  -- text[]
  ('text[]', NULL, NULL, 'one type', $$'{runtime}'$$, true),
  ('text[]', NULL, NULL, 'empty array', $$'{}'$$, false),
  ('text[]', NULL, NULL, 'NULL element', $$'{NULL}'$$, false),
  ('text[]', NULL, NULL, 'empty string element', $$'{""}'$$, false),
  ('text[]', NULL, NULL, 'three types', $$'{runtime,data,build}'$$, false),
  ('text[]', NULL, NULL, 'unknown word', $$'{bogus}'$$, false),
  ('text[]', NULL, NULL, '100k elements', $$array_fill('runtime'::text, ARRAY[100000])$$, false),
  ('text[]', NULL, NULL, 'two dimensions', $$'{{runtime,data},{build,x}}'$$, false),
  ('text[]', NULL, NULL, 'lower bound 5', $$'[5:6]={runtime,data}'$$, false),
  ('text[]', NULL, NULL, 'a 1 MB element', $$ARRAY[repeat('x', 1048576)]$$, false),
  ('text[]', 'dependency_order', 'types', 'data (no cycle)', $$'{data}'$$, true),
  ('text[]', NULL, 'group_by', 'organization, currency', $$'{organization,currency}'$$, true),
  ('text[]', NULL, 'group_by', 'period', $$'{period}'$$, false),
  ('text[]', NULL, 'group_by', 'all four', $$'{organization,project,currency,period}'$$, false),
  ('text[]', NULL, 'group_by', 'organization twice', $$'{organization,organization}'$$, false),
  ('text[]', NULL, 'group_by', 'upper case', $$'{PERIOD}'$$, false),
  -- name[]
  ('name[]', NULL, NULL, 'tenancy', $$'{tenancy}'$$, true),
  ('name[]', NULL, NULL, 'empty array', $$'{}'$$, false),
  ('name[]', NULL, NULL, 'NULL element', $$'{NULL}'$$, false),
  ('name[]', NULL, NULL, 'empty name', $$'{""}'$$, false),
  ('name[]', NULL, NULL, 'app', $$'{app}'$$, false),
  ('name[]', NULL, NULL, 'system schemas', $$'{pg_catalog,information_schema,pg_toast}'$$, false),
  ('name[]', NULL, NULL, 'unknown schema', $$'{nonexistent}'$$, false),
  ('name[]', NULL, NULL, '100k elements', $$array_fill('tenancy'::name, ARRAY[100000])$$, false),
  ('name[]', NULL, NULL, 'two dimensions', $$'{{tenancy,app},{public,x}}'$$, false),
  ('name[]', NULL, 'excluded', 'password_hash', $$'{password_hash}'$$, true),
  -- name
  ('name', NULL, NULL, 'organization_id', $$'organization_id'$$, true),
  ('name', NULL, NULL, 'empty', $$''$$, false),
  ('name', NULL, NULL, 'id', $$'id'$$, false),
  ('name', NULL, NULL, 'unknown column', $$'nonexistent'$$, false),
  ('name', NULL, NULL, '63 characters', $$repeat('n', 63)$$, false),
  ('name', NULL, NULL, '64 characters', $$repeat('n', 64)$$, false),
  ('name', NULL, NULL, 'quotes and SQL', $q$$$'"; DROP TABLE tenancy.organizations; --$$$q$, false),
  ('name', NULL, NULL, 'system column ctid', $$'ctid'$$, false),
  ('name', NULL, NULL, 'system column tableoid', $$'tableoid'$$, false),
  ('name', NULL, NULL, 'text column body', $$'body'$$, false),
  ('name', NULL, NULL, 'uuid column parent_id', $$'parent_id'$$, false),
  ('name', NULL, NULL, 'Org Id', $$'Org Id'$$, false),
  ('name', NULL, NULL, 'keyword select', $$'select'$$, false),
  ('name', NULL, NULL, 'two-byte chars', $$'éé'$$, false),
  ('name', NULL, 'tenant_column', 'organization_id', $$'organization_id'$$, true),
  ('name', NULL, 'fk_column', 'parent_id', $$'parent_id'$$, true),
  ('name', NULL, 'parent_key', 'id', $$'id'$$, true),
  ('name', NULL, 'schema_name', 'app', $$'app'$$, true),
  ('name', NULL, 'schema_name', 'tenancy', $$'tenancy'$$, false),
  ('name', NULL, 'schema_name', 'pg_catalog', $$'pg_catalog'$$, false),
  ('name', NULL, 'schema_name', 'public', $$'public'$$, false),
  ('name', 'grant_writes_except', 'tbl', 'projects', $$'projects'$$, true),
  ('name', 'grant_writes_except', 'tbl', 'users', $$'users'$$, false),
  -- regclass
  ('regclass', NULL, NULL, 'app.notes', $$'app.notes'$$, true),
  ('regclass', NULL, NULL, 'tenancy.projects', $$'tenancy.projects'$$, false),
  ('regclass', NULL, NULL, 'tenancy.cost_ledger', $$'tenancy.cost_ledger'$$, false),
  ('regclass', NULL, NULL, 'partitioned table', $$'app.parted'$$, false),
  ('regclass', NULL, NULL, 'partition', $$'app.parted_2024'$$, false),
  ('regclass', NULL, NULL, 'parent table', $$'app.parent'$$, false),
  ('regclass', NULL, NULL, 'child table', $$'app.child'$$, false),
  ('regclass', NULL, NULL, 'table without tenant column', $$'app.no_tenant'$$, false),
  ('regclass', NULL, NULL, 'weird quoted name', $$'app."Weird ""Name"" é"'$$, false),
  ('regclass', NULL, NULL, 'view', $$'app.notes_view'$$, false),
  ('regclass', NULL, NULL, 'materialized view', $$'app.note_totals'$$, false),
  ('regclass', NULL, NULL, 'sequence', $$'app.counter'$$, false),
  ('regclass', NULL, NULL, 'index', $$'app.notes_pkey'$$, false),
  ('regclass', NULL, NULL, 'composite type', $$'app.pair'$$, false),
  ('regclass', NULL, NULL, 'catalog pg_class', $$'pg_class'$$, false),
  ('regclass', NULL, NULL, 'toast table', $$(SELECT reltoastrelid FROM pg_class WHERE oid = 'pg_proc'::regclass)$$, false),
  ('regclass', NULL, NULL, 'system view', $$'information_schema.tables'$$, false),
  ('regclass', NULL, NULL, 'OID 0', $$0::oid$$, false),
  ('regclass', NULL, NULL, 'unused OID', $$4294967295::oid$$, false),
  ('regclass', 'enable_rls_via', 'tbl', 'app.child', $$'app.child'$$, true),
  ('regclass', 'enable_rls_via', 'parent', 'app.parent', $$'app.parent'$$, true),
  ('regclass', 'inherit_partition_policies', 'part', 'partition', $$'app.parted_2024'$$, true),
  ('regclass', 'inherit_partition_policies', 'parent', 'partitioned table', $$'app.parted'$$, true),
  -- tenancy.org_role
  ('tenancy.org_role', NULL, NULL, 'MEMBER', $$'MEMBER'$$, true),
  ('tenancy.org_role', NULL, NULL, 'VIEWER', $$'VIEWER'$$, false),
  ('tenancy.org_role', NULL, NULL, 'ADMIN', $$'ADMIN'$$, false),
  ('tenancy.org_role', NULL, NULL, 'OWNER', $$'OWNER'$$, false),
  ('tenancy.org_role', NULL, NULL, 'malformed label', $$'GOD'$$, false),
  ('tenancy.org_role', NULL, 'delete_role', 'ADMIN', $$'ADMIN'$$, true),
  ('tenancy.org_role', 'set_context', 'role', 'OWNER', $$'OWNER'$$, true),
  ('tenancy.org_role', 'sign_context_token', 'role', 'OWNER', $$'OWNER'$$, true),
  -- boolean
  ('boolean', NULL, NULL, 'true', 'true', true),
  ('boolean', NULL, NULL, 'false', 'false', false),
  -- interval
  ('interval', NULL, NULL, '1 day', $$'1 day'$$, true),
  ('interval', NULL, NULL, 'zero', $$'0'$$, false),
  ('interval', NULL, NULL, '-1 day', $$'-1 day'$$, false),
  ('interval', NULL, NULL, '1 microsecond', $$'1 microsecond'$$, false),
  ('interval', NULL, NULL, '-1 microsecond', $$'-1 microsecond'$$, false),
  ('interval', NULL, NULL, '1 second', $$'1 second'$$, false),
  ('interval', NULL, NULL, '178000000 years', $$make_interval(years => 178000000)$$, false),
  ('interval', NULL, NULL, '-178000000 years', $$make_interval(years => -178000000)$$, false),
  ('interval', NULL, NULL, 'int32 max days', $$'2147483647 days'$$, false),
  ('interval', NULL, NULL, 'int32 min days', $$'-2147483648 days'$$, false),
  ('interval', NULL, NULL, 'int64 max microseconds', $$'2562047788:00:54.775807'$$, false),
  ('interval', NULL, NULL, 'int64 min microseconds', $$'-2562047788:00:54.775808'$$, false),
  ('interval', NULL, NULL, '1 month -30 days', $$'1 mon -30 days'$$, false),
  -- integer
  ('integer', NULL, NULL, '3', '3', true),
  ('integer', NULL, NULL, '0', '0', false),
  ('integer', NULL, NULL, '1', '1', false),
  ('integer', NULL, NULL, '-1', '-1', false),
  ('integer', NULL, NULL, '15', '15', false),
  ('integer', NULL, NULL, '16', '16', false),
  ('integer', NULL, NULL, '1024', '1024', false),
  ('integer', NULL, NULL, '1025', '1025', false),
  ('integer', NULL, NULL, '16383', '16383', false),
  ('integer', NULL, NULL, '-16383', '-16383', false),
  ('integer', NULL, NULL, '100000', '100000', false),
  ('integer', NULL, NULL, 'int32 max', '2147483647', false),
  ('integer', NULL, NULL, 'int32 min', '(-2147483648)', false),
  ('integer', NULL, 'nbytes', '32', '32', true),
  ('integer', NULL, 'places', '2', '2', true),
  ('integer', NULL, 'run_at_day', '1', '1', true),
  ('integer', NULL, 'run_at_day', '31', '31', false),
  -- numeric
  ('numeric', NULL, NULL, '12.34', '12.34', true),
  ('numeric', NULL, NULL, 'zero', '0', false),
  ('numeric', NULL, NULL, 'minus zero', $$'-0'$$, false),
  ('numeric', NULL, NULL, '-0.01', '-0.01', false),
  ('numeric', NULL, NULL, '0.005', '0.005', false),
  ('numeric', NULL, NULL, '2.5', '2.5', false),
  ('numeric', NULL, NULL, '-2.5', '-2.5', false),
  ('numeric', NULL, NULL, '1.005', '1.005', false),
  ('numeric', NULL, NULL, '1e1000', $$'1e1000'$$, false),
  ('numeric', NULL, NULL, '-1e1000', $$'-1e1000'$$, false),
  ('numeric', NULL, NULL, '1e-1000', $$'1e-1000'$$, false),
  ('numeric', NULL, NULL, 'NaN', $$'NaN'$$, false),
  ('numeric', NULL, NULL, 'Infinity', $$'Infinity'$$, false),
  ('numeric', NULL, NULL, '-Infinity', $$'-Infinity'$$, false),
  ('numeric', NULL, NULL, '10^16 - 0.01', $$'9999999999999999.99'$$, false),
  ('numeric', NULL, NULL, '10^35 - 0.01', $$'99999999999999999999999999999999999.99'$$, false),
  ('numeric', NULL, NULL, '10^36', $$'1e36'$$, false),
  ('numeric', NULL, NULL, '20 decimals', $$'0.12345678901234567890'$$, false),
  ('numeric', NULL, NULL, '131072 digits', $$repeat('9', 131072)$$, false),
  ('numeric', NULL, 'value', '2.345', '2.345', true),
  -- date
  ('date', NULL, NULL, '2024-01-15', $$'2024-01-15'$$, true),
  ('date', NULL, NULL, 'infinity', $$'infinity'$$, false),
  ('date', NULL, NULL, '-infinity', $$'-infinity'$$, false),
  ('date', NULL, NULL, '4713-01-01 BC', $$'4713-01-01 BC'$$, false),
  ('date', NULL, NULL, '5874897-12-31', $$'5874897-12-31'$$, false),
  ('date', NULL, NULL, '2000-02-29', $$'2000-02-29'$$, false),
  ('date', NULL, NULL, '1970-01-01', $$'1970-01-01'$$, false),
  ('date', NULL, 'from_date', '2024-01-01', $$'2024-01-01'$$, true),
  ('date', NULL, 'to_date', '2024-04-30', $$'2024-04-30'$$, true),
  ('date', NULL, 'to_date', '2024-12-31 (a JPY entry without fx rate)', $$'2024-12-31'$$, false),
  -- timestamp, timestamptz, time
  ('timestamp', NULL, NULL, '2024-01-15 12:00', $$'2024-01-15 12:00'$$, true),
  ('timestamp', NULL, NULL, 'infinity', $$'infinity'$$, false),
  ('timestamp', NULL, NULL, '-infinity', $$'-infinity'$$, false),
  ('timestamp', NULL, NULL, '4713-01-01 BC', $$'4713-01-01 00:00 BC'$$, false),
  ('timestamp', NULL, NULL, '294276-12-31 23:59:59.999999', $$'294276-12-31 23:59:59.999999'$$, false),
  ('timestamp', NULL, NULL, 'DST gap in Europe', $$'2024-03-31 02:30'$$, false),
  ('timestamp', NULL, NULL, 'DST overlap in Europe', $$'2024-10-27 02:30'$$, false),
  ('timestamptz', NULL, NULL, 'now', 'now()', true),
  ('timestamptz', NULL, NULL, 'infinity', $$'infinity'$$, false),
  ('timestamptz', NULL, NULL, '-infinity', $$'-infinity'$$, false),
  ('timestamptz', NULL, NULL, '4713-01-01 BC', $$'4713-01-01 00:00+00 BC'$$, false),
  ('timestamptz', NULL, NULL, '294276-12-31', $$'294276-12-31 23:59:59+00'$$, false),
  ('timestamptz', NULL, NULL, 'DST gap in Europe', $$'2024-03-31 01:30+00'$$, false),
  ('time', NULL, NULL, '06:00', $$'06:00'$$, true),
  ('time', NULL, NULL, '00:00', $$'00:00'$$, false),
  ('time', NULL, NULL, '24:00', $$'24:00'$$, false),
  ('time', NULL, NULL, '23:59:59.999999', $$'23:59:59.999999'$$, false),
  ('time', NULL, NULL, '02:30', $$'02:30'$$, false),
  -- bytea
  ('bytea', NULL, NULL, 'ciphertext of A', $$fuzz.fxb('ciphertext_a')$$, true),
  ('bytea', NULL, NULL, 'empty', $$'\x'$$, false),
  ('bytea', NULL, NULL, 'one zero byte', $$'\x00'$$, false),
  ('bytea', NULL, NULL, '16 random bytes', $$fuzz.gen_random_bytes(16)$$, false),
  ('bytea', NULL, NULL, '40 random bytes', $$fuzz.gen_random_bytes(40)$$, false),
  ('bytea', NULL, NULL, '1 MB', $$decode(repeat('ab', 1048576), 'hex')$$, false),
  -- jsonb
  ('jsonb', NULL, NULL, 'empty object', $$'{}'$$, true),
  ('jsonb', NULL, NULL, 'array', $$'[]'$$, false),
  ('jsonb', NULL, NULL, 'null', $$'null'$$, false),
  ('jsonb', NULL, NULL, 'string', $$'"str"'$$, false),
  ('jsonb', NULL, NULL, 'huge number', $$'1e1000'$$, false),
  ('jsonb', NULL, NULL, 'nested', $$'{"a": {"b": [1, 2, {"c": null}]}}'$$, false),
  ('jsonb', NULL, NULL, '5000 levels deep', $$(repeat('[', 5000) || repeat(']', 5000))$$, false),
  ('jsonb', NULL, NULL, '1 MB string value', $$jsonb_build_object('k', repeat('x', 1048576))$$, false),
  ('jsonb', NULL, NULL, 'escaped NUL', $$'{"a": "\u0000"}'$$, false),
  -- regrole
  ('regrole', NULL, NULL, 'app', $$'app'$$, true),
  ('regrole', NULL, NULL, 'app_anon', $$'app_anon'$$, false),
  ('regrole', NULL, NULL, 'the superuser', $$(SELECT oid FROM pg_roles WHERE rolsuper ORDER BY oid LIMIT 1)$$, false),
  ('regrole', NULL, NULL, 'pg_read_all_data', $$'pg_read_all_data'$$, false),
  ('regrole', NULL, NULL, 'pg_database_owner', $$'pg_database_owner'$$, false),
  ('regrole', NULL, NULL, 'OID 0', $$0::oid$$, false),
  ('regrole', NULL, NULL, 'unused OID', $$4294967295::oid$$, false),
  ('regrole', NULL, NULL, 'unknown role', $$'nonexistent_role'$$, false),
  -- uuid[]
  ('uuid[]', NULL, NULL, 'A and B', $$ARRAY[fuzz.id('A'), fuzz.id('B')]$$, true),
  ('uuid[]', NULL, NULL, 'empty array', $$'{}'$$, false),
  ('uuid[]', NULL, NULL, 'NULL element', $$'{NULL}'$$, false),
  ('uuid[]', NULL, NULL, 'zero uuid', $$'{00000000-0000-0000-0000-000000000000}'$$, false),
  ('uuid[]', NULL, NULL, '100k elements', $$array_fill(fuzz.id('A'), ARRAY[100000])$$, false),
  ('uuid[]', NULL, NULL, 'two dimensions', $$ARRAY[[fuzz.id('A'), fuzz.id('B')], [fuzz.id('B'), fuzz.id('A')]]$$, false);
-- Time zones, for both spellings of the parameter.
INSERT INTO fuzz.pool (typ, param, label, expr)
SELECT 'text'::regtype, p, label, expr FROM unnest(ARRAY['tz', 'timezone']) p, (VALUES
  ('Europe/Paris', $$'Europe/Paris'$$), ('America/St_Johns', $$'America/St_Johns'$$),
  ('unknown zone', $$'Mars/Olympus'$$), ('offset +99:99', $$'+99:99'$$), ('POSIX rule', $$'EST5EDT,M3.2.0,M11.1.0'$$),
  ('lower case utc', $$'utc'$$), ('path traversal', $$'../../../../etc/passwd'$$), ('localtime', $$'localtime'$$)
) AS v(label, expr);
-- Damaged and edge-case secrets from the fixtures: JWTs for set_context_token; opaque tokens for
-- every other token or key parameter; ciphertexts for bytea; argon2 strings for hash.
INSERT INTO fuzz.pool (typ, fn, param, label, expr)
SELECT 'text'::regtype, 'set_context_token', 'token', substr(name, 5), format('fuzz.fx(%L)', name)
  FROM fuzz.fixture WHERE name LIKE 'jwt:%' AND name <> 'jwt:ed valid' AND t IS NOT NULL;
INSERT INTO fuzz.pool (typ, param, label, expr)
SELECT 'text'::regtype, p, substr(f.name, 8), format('fuzz.fx(%L)', f.name)
  FROM fuzz.fixture f, unnest(ARRAY['token', 'key', 'api_key']) p
 WHERE f.name LIKE 'opaque:%' AND f.t IS NOT NULL;
INSERT INTO fuzz.pool (typ, param, label, expr)
SELECT 'text'::regtype, p, label, expr FROM unnest(ARRAY['token', 'key', 'api_key']) p, (VALUES
  ('real invitation token', $$fuzz.fx('invite_token')$$), ('real refresh token', $$fuzz.fx('refresh_token')$$),
  ('real reset token', $$fuzz.fx('reset_token')$$), ('real API key', $$fuzz.fx('api_key')$$),
  ('a context token', $$fuzz.fx('jwt:ed valid')$$)
) AS v(label, expr);
INSERT INTO fuzz.pool (typ, label, expr)
SELECT 'bytea'::regtype, 'ciphertext ' || substr(name, 4), format('fuzz.fxb(%L)', name)
  FROM fuzz.fixture WHERE name LIKE 'ct:%' AND b IS NOT NULL;
INSERT INTO fuzz.pool (typ, param, label, expr)
SELECT 'text'::regtype, 'hash', substr(name, 6), format('fuzz.fx(%L)', name)
  FROM fuzz.fixture WHERE name LIKE 'hash:%' AND t IS NOT NULL;

-- ---- calls -------------------------------------------------------------------------------
CREATE TABLE fuzz.calls (
  id serial PRIMARY KEY,
  fn text NOT NULL,      -- the function (or setting) called
  args text NOT NULL,    -- the labels of its arguments
  sql text NOT NULL,     -- the statement try() runs
  kind text NOT NULL DEFAULT 'hand',  -- null, reasonable, position, mix or hand (written out)
  -- true for the functions that run argon2id (0.1 to 0.3 s a call at the default costs); see
  -- test/fuzz/arguments.sh for the passes that run all of their calls
  hashes boolean NOT NULL DEFAULT false
);
-- Functions of schema tenancy that are not called directly, and why: trigger functions only
-- run as triggers; no SQL value of type internal exists (and a function returning internal
-- cannot be called explicitly), so the money_sum support functions only run inside the
-- aggregate, where the hand-written money_sum calls below reach every one of them.
CREATE VIEW fuzz.skipped AS
SELECT p.oid::regprocedure AS function,
       CASE WHEN p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype) THEN 'trigger'
            ELSE 'internal' END AS reason
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND (p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)
        OR 'internal'::regtype = ANY (p.proargtypes::oid[]));
-- Argument types of fuzzed functions without a value pool (NULL only): should stay empty.
CREATE VIEW fuzz.unpooled_types AS
SELECT DISTINCT t::regtype AS type
  FROM pg_proc p, unnest(p.proargtypes::oid[]) t
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND p.oid NOT IN (SELECT function FROM fuzz.skipped)
   AND NOT EXISTS (SELECT 1 FROM fuzz.pool WHERE typ = t);

-- True for the functions of schema tenancy that run argon2id on every call (or nearly).
CREATE FUNCTION fuzz.hashes_passwords(function_name name) RETURNS boolean LANGUAGE sql IMMUTABLE
AS $$ SELECT function_name IN ('hash_password', 'verify_password', 'password_matches', 'create_user',
                              'authenticate', 'reset_password') $$;

-- The value list of one argument: (label, expression), NULL first, then the pool's rows that
-- apply to this function and parameter (distinct expressions).
CREATE FUNCTION fuzz.values_for(fn_name name, param_name name, arg_type regtype)
RETURNS TABLE (label text, expr text) LANGUAGE sql STABLE AS $$
  SELECT 'NULL', 'NULL::' || arg_type::text
  UNION ALL
  (SELECT DISTINCT ON (p.expr) p.label, '(' || p.expr || ')::' || arg_type::text
     FROM fuzz.pool p
    WHERE p.typ = arg_type AND (p.fn IS NULL OR p.fn = fn_name) AND (p.param IS NULL OR p.param = param_name)
    ORDER BY p.expr, p.fn IS NULL, p.param IS NULL)
$$;
-- The reasonable value of one argument: the most specific reasonable pool row, else NULL.
CREATE FUNCTION fuzz.reasonable_for(fn_name name, param_name name, arg_type regtype,
                                    OUT label text, OUT expr text) LANGUAGE sql STABLE AS $$
  SELECT coalesce(r.label, 'NULL'), coalesce('(' || r.expr || ')::' || arg_type::text, 'NULL::' || arg_type::text)
    FROM (SELECT NULL) one
    LEFT JOIN LATERAL (
      SELECT p.label, p.expr FROM fuzz.pool p
       WHERE p.typ = arg_type AND p.reasonable AND (p.fn IS NULL OR p.fn = fn_name)
         AND (p.param IS NULL OR p.param = param_name)
       ORDER BY p.fn IS NULL, p.param IS NULL LIMIT 1) r ON true
$$;

-- Fills fuzz.calls: per function, all-NULL, all-reasonable, one position varied at a time
-- through its whole list, and random_mixes seeded random combinations. Returns the count.
CREATE FUNCTION fuzz.generate(random_mixes int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  f record;
  n int;
  i int;
  k int;
  names text[];
  types regtype[];
  good_labels text[];
  good_exprs text[];
  labels text[];
  exprs text[];
  v record;
  lists jsonb[];
  pick jsonb;
BEGIN
  PERFORM setseed(0.4242);
  FOR f IN
    SELECT p.oid, p.proname, p.pronargs,
           ARRAY(SELECT t::regtype FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS u(t, o) ORDER BY o) AS argtypes,
           coalesce(p.proargnames, '{}') AS argnames
      FROM pg_proc p
     WHERE p.pronamespace = 'tenancy'::regnamespace AND p.oid NOT IN (SELECT function FROM fuzz.skipped)
     ORDER BY p.proname, p.oid
  LOOP
    n := f.pronargs;
    types := f.argtypes;
    names := ARRAY[]::text[];
    good_labels := ARRAY[]::text[];
    good_exprs := ARRAY[]::text[];
    lists := ARRAY[]::jsonb[];
    FOR i IN 1..n LOOP
      names := names || coalesce(nullif(f.argnames[i], ''), '$' || i);
      SELECT * INTO v FROM fuzz.reasonable_for(f.proname, names[i], types[i]);
      good_labels := good_labels || v.label;
      good_exprs := good_exprs || v.expr;
      lists := lists || (SELECT jsonb_agg(jsonb_build_array(x.label, x.expr) ORDER BY x.ord)
                           FROM fuzz.values_for(f.proname, names[i], types[i]) WITH ORDINALITY AS x(label, expr, ord));
    END LOOP;
    -- all NULL (or no arguments at all), then all reasonable
    IF n = 0 THEN
      PERFORM fuzz.add_call(f.oid, ARRAY[]::text[], ARRAY[]::text[], names, 'null');
      CONTINUE;
    END IF;
    SELECT array_agg(u.l->0->>0 ORDER BY u.ord), array_agg(u.l->0->>1 ORDER BY u.ord) INTO labels, exprs
      FROM unnest(lists) WITH ORDINALITY AS u(l, ord);
    PERFORM fuzz.add_call(f.oid, labels, exprs, names, 'null');
    PERFORM fuzz.add_call(f.oid, good_labels, good_exprs, names, 'reasonable');
    -- one position through its list, the others reasonable
    FOR i IN 1..n LOOP
      FOR k IN 1..jsonb_array_length(lists[i]) - 1 LOOP
        CONTINUE WHEN lists[i]->k->>1 = good_exprs[i];
        labels := good_labels;
        exprs := good_exprs;
        labels[i] := lists[i]->k->>0;
        exprs[i] := lists[i]->k->>1;
        PERFORM fuzz.add_call(f.oid, labels, exprs, names, 'position');
      END LOOP;
    END LOOP;
    -- random mixes (fewer for the functions that hash passwords: each call costs 0.1-0.3 s)
    IF n >= 2 THEN
      FOR k IN 1..CASE WHEN fuzz.hashes_passwords(f.proname) THEN least(random_mixes, 2) ELSE random_mixes END LOOP
        labels := ARRAY[]::text[];
        exprs := ARRAY[]::text[];
        FOR i IN 1..n LOOP
          pick := lists[i]->(floor(random() * jsonb_array_length(lists[i])))::int;
          labels := labels || (pick->>0);
          exprs := exprs || (pick->>1);
        END LOOP;
        PERFORM fuzz.add_call(f.oid, labels, exprs, names, 'mix');
      END LOOP;
    END IF;
  END LOOP;
  RETURN (SELECT count(*) FROM fuzz.calls);
END $$;

-- Adds a call (of kind CALL_KIND) of function FN with the argument expressions, labelled by
-- parameter. Every result is read to the end and turned into text (so lazy values are computed).
CREATE FUNCTION fuzz.add_call(fn regprocedure, labels text[], exprs text[], names text[], call_kind text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  call text := (SELECT 'tenancy.' || quote_ident(proname) FROM pg_proc WHERE oid = fn)
               || '(' || array_to_string(exprs, ', ') || ')';
  shown text := '';
  i int;
BEGIN
  FOR i IN 1..coalesce(array_length(labels, 1), 0) LOOP
    shown := shown || CASE WHEN i > 1 THEN ', ' ELSE '' END || names[i] || ' => ' || labels[i];
  END LOOP;
  INSERT INTO fuzz.calls (fn, args, sql, kind, hashes)
  VALUES (fn::text, shown, 'SELECT count(*), sum(length(r::text)) FROM (SELECT ' || call || ' AS r) s', call_kind,
          fuzz.hashes_passwords((SELECT proname FROM pg_proc WHERE oid = fn)));
END $$;

SELECT fuzz.generate(20) AS generated_calls;

-- Hand-written calls: the settings' check hooks (set_config, as SET does), reading the context
-- after each, and the money_sum aggregate over many rows, serially (transition and final
-- functions) and in parallel (partial aggregates in two workers, then serialize, deserialize
-- and combine in the leader).
INSERT INTO fuzz.calls (fn, args, sql)
SELECT 'set_config(tenancy.' || setting || ')', substr(f.name, strpos(f.name, ':') + 1),
       format('SELECT set_config(%L, fuzz.fx(%L), true), tenancy.context()::text', 'tenancy.' || setting, f.name)
  FROM fuzz.fixture f, (VALUES ('context_token', 'jwt:%'), ('context_public_keys', 'keys:%'),
                               ('context_hs256_keys', 'keys:%')) AS s(setting, pattern)
 WHERE f.name LIKE s.pattern AND f.t IS NOT NULL
 ORDER BY 1, 2;
INSERT INTO fuzz.calls (fn, args, sql)
SELECT 'set_config(tenancy.' || setting || ')', label,
       format('SELECT set_config(%L, %s, true), tenancy.context()::text', 'tenancy.' || setting, expr)
  FROM unnest(ARRAY['org_id', 'user_id']) setting, (VALUES
    ('empty', $$''$$), ('org A', $$fuzz.id('A')::text$$), ('upper case', $$upper(fuzz.id('A')::text)$$),
    ('braces', $$'{' || fuzz.id('A') || '}'$$), ('32 hex digits', $$replace(fuzz.id('A')::text, '-', '')$$),
    ('malformed', $$'not-a-uuid'$$), ('1 MB', $$repeat('a', 1048576)$$)) AS v(label, expr)
UNION ALL
SELECT 'set_config(tenancy.org_role)', label,
       format('SELECT set_config(%L, %s, true), tenancy.context()::text', 'tenancy.org_role', expr)
  FROM (VALUES ('empty', $$''$$), ('OWNER', $$'OWNER'$$), ('lower case', $$'owner'$$), ('unknown', $$'GOD'$$),
               ('1 MB', $$repeat('a', 1048576)$$)) AS v(label, expr)
UNION ALL
SELECT 'set_config(tenancy.' || setting || ')', value,
       format('SELECT set_config(%L, %L, true), tenancy.context()::text', 'tenancy.' || setting, value)
  FROM unnest(ARRAY['token_cache_size', 'pwhash_opslimit', 'pwhash_memlimit', 'password_max_bytes']) setting,
       unnest(ARRAY['0', '-1', '2147483647', '1e10', 'abc']) value;
CREATE TABLE fuzz.amounts (kind text NOT NULL, v numeric);
INSERT INTO fuzz.amounts
SELECT 'cents', (n % 100000) / 100.0 FROM generate_series(1, 100000) n
UNION ALL SELECT 'overflow', 1e35 FROM generate_series(1, 20)
UNION ALL SELECT 'mixed scales', CASE n % 3 WHEN 0 THEN 1 WHEN 1 THEN 1.5 ELSE 1.25 END FROM generate_series(1, 1000) n
UNION ALL SELECT 'three decimals', 1.001
UNION ALL SELECT 'NaN among values', CASE WHEN n = 500 THEN 'NaN'::numeric ELSE n END FROM generate_series(1, 1000) n
UNION ALL SELECT 'only NULLs', NULL FROM generate_series(1, 10)
UNION ALL SELECT 'largest and smallest', v FROM unnest(ARRAY[99999999999999999999999999999999999.99,
                                                              -99999999999999999999999999999999999.99, 0.01]) v;
ANALYZE fuzz.amounts;
-- money_sum over the rows of one kind, planned in parallel (set_config is undone with the
-- subtransaction of try()).
CREATE FUNCTION fuzz.parallel_money_sum(amount_kind text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  total text;
BEGIN
  PERFORM set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true),
          set_config('min_parallel_table_scan_size', '0', true),
          set_config('max_parallel_workers_per_gather', '2', true);
  EXECUTE 'SELECT tenancy.money_sum(v)::text FROM fuzz.amounts WHERE kind = $1' INTO total USING amount_kind;
  RETURN total;
END $$;
INSERT INTO fuzz.calls (fn, args, sql)
SELECT 'tenancy.money_sum(numeric) over rows', kind,
       format('SELECT tenancy.money_sum(v)::text FROM fuzz.amounts WHERE kind = %L', kind)
  FROM (SELECT DISTINCT kind FROM fuzz.amounts) k
UNION ALL
SELECT 'tenancy.money_sum(numeric) over rows', kind || ', in parallel',
       format('SELECT fuzz.parallel_money_sum(%L)', kind)
  FROM (SELECT DISTINCT kind FROM fuzz.amounts) k
UNION ALL
SELECT 'tenancy.money_sum(numeric) over rows', 'grouped by kind',
       'SELECT count(*) FROM (SELECT kind, tenancy.money_sum(v) FROM fuzz.amounts WHERE kind <> ''overflow'' AND kind NOT LIKE ''%NaN%'' AND kind <> ''three decimals'' GROUP BY kind) s';

-- Runs call ID in a subtransaction that is always rolled back; answers id|SQLSTATE|ms|message.
CREATE FUNCTION fuzz.try(call_id int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  statement text := (SELECT sql FROM fuzz.calls WHERE id = call_id);
  state text;
  message text := '';
  started timestamptz := clock_timestamp();
BEGIN
  BEGIN
    EXECUTE statement;
    RAISE EXCEPTION 'fuzz: roll back' USING ERRCODE = 'TZ000';
  EXCEPTION
    WHEN query_canceled THEN
      state := SQLSTATE;
      message := SQLERRM;
    WHEN OTHERS THEN
      state := SQLSTATE;
      message := SQLERRM;
  END;
  IF state = 'TZ000' THEN
    state := '00000';
    message := '';
  END IF;
  RETURN call_id || '|' || state || '|'
         || round(extract(epoch FROM clock_timestamp() - started) * 1000) || '|'
         || left(regexp_replace(message, '\s+', ' ', 'g'), 300);
END $$;

-- The application role runs the same calls (with its own privileges and context).
GRANT USAGE ON SCHEMA fuzz TO app;
GRANT SELECT ON ALL TABLES IN SCHEMA fuzz TO app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA fuzz TO app;
