-- Passwords, tokens, secrets and the server key (API.md section 3). The cluster runs with
-- tenancy.create_key_file = on, so the key file exists in the data directory.
-- Cheap argon2id costs keep the test fast; the limits are what verification enforces.
SET tenancy.pwhash_opslimit = 1;
SET tenancy.pwhash_memlimit = '8MB';

---------------------------------------------------------------------------------------------
-- Passwords
---------------------------------------------------------------------------------------------

SELECT tenancy.hash_password('correct horse') AS h \gset
-- An argon2id string with the configured costs (the salt and hash vary).
SELECT :'h' ~ '^\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS argon2id_string;
SELECT tenancy.verify_password('correct horse', :'h') AS right_password,
       tenancy.verify_password('correct horsE', :'h') AS wrong_password,
       tenancy.hash_password('correct horse') <> :'h' AS salted;
-- No 72-byte truncation (bcrypt's): passwords sharing their first 100 bytes differ.
SELECT tenancy.hash_password(repeat('x', 100) || 'tail-1') AS long_hash \gset
SELECT tenancy.verify_password(repeat('x', 100) || 'tail-1', :'long_hash') AS same,
       tenancy.verify_password(repeat('x', 100) || 'tail-2', :'long_hash') AS other_tail,
       tenancy.verify_password(repeat('x', 72), :'long_hash') AS prefix_72;

-- Rehash when the costs move.
SELECT tenancy.password_needs_rehash(:'h') AS same_costs;
SET tenancy.pwhash_opslimit = 2;
SELECT tenancy.password_needs_rehash(:'h') AS more_iterations;
RESET tenancy.pwhash_opslimit;
SET tenancy.pwhash_opslimit = 1;
SET tenancy.pwhash_memlimit = '16MB';
SELECT tenancy.password_needs_rehash(:'h') AS more_memory;
SET tenancy.pwhash_memlimit = '8MB';
-- An argon2i hash (libsodium's older variant) still verifies, and asks to be rehashed.
SELECT tenancy.password_needs_rehash('$argon2i$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI') AS argon2i;

-- The DoS guard: a stored hash asking for more than the maximums is refused (22023) before any
-- work; here it would be 4 GiB and 100 passes.
SELECT outcome($$SELECT tenancy.verify_password('pw', '$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI')$$) AS huge_memory,
       outcome($$SELECT tenancy.verify_password('pw', '$argon2id$v=19$m=8192,t=100,p=1$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI')$$) AS many_passes;
-- Within the maximums, the same hash is checked (and simply does not match).
SET tenancy.pwhash_max_opslimit = 100;
SELECT outcome($$SELECT tenancy.verify_password('pw', '$argon2id$v=19$m=8,t=100,p=1$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI')$$) AS allowed;
RESET tenancy.pwhash_max_opslimit;
-- New hashes cannot be made costlier than verification would accept.
SET tenancy.pwhash_opslimit = 5;
SELECT outcome($$SELECT tenancy.hash_password('pw')$$) AS costs_above_maximum;
SET tenancy.pwhash_opslimit = 1;

-- Bad input: empty or over-long passwords, malformed hashes. No message shows the password.
SET tenancy.password_max_bytes = 64;
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.hash_password('')$$),
  ($$SELECT tenancy.hash_password(repeat('p', 65))$$),
  ($$SELECT tenancy.hash_password(repeat('p', 64)) IS NOT NULL$$),
  ($$SELECT tenancy.verify_password('', '$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI')$$),
  ($$SELECT tenancy.verify_password('pw', 'not a hash')$$),
  ($$SELECT tenancy.verify_password('pw', '$2b$12$abcdefghijklmnopqrstuu0123456789012345678901234567890')$$),
  ($$SELECT tenancy.verify_password('pw', '$argon2id$v=19$m=8192,t=1,p=2$c29tZXNhbHRzb21lc2FsdA$MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI')$$),
  ($$SELECT tenancy.password_needs_rehash('$argon2id$v=19$m=8192')$$)) AS t(s);
RESET tenancy.password_max_bytes;
-- A plain role cannot loosen the costs.
SET ROLE regress_tenancy_app;
SELECT outcome($$SET tenancy.pwhash_opslimit = 1$$) AS app_sets_costs,
       outcome($$SET tenancy.pwhash_max_memlimit = '4GB'$$) AS app_sets_limit;
RESET ROLE;
-- STRICT: NULL in, NULL out.
SELECT tenancy.hash_password(NULL) IS NULL AS hash_null, tenancy.verify_password('pw', NULL) IS NULL AS verify_null;

---------------------------------------------------------------------------------------------
-- Tokens
---------------------------------------------------------------------------------------------

SELECT length(tenancy.generate_token()) AS default_length, length(tenancy.generate_token(16)) AS len_16,
       length(tenancy.generate_token(1024)) AS len_1024,
       tenancy.generate_token() ~ '^[A-Za-z0-9_-]{43}$' AS base64url,
       tenancy.generate_token() <> tenancy.generate_token() AS random;
SELECT outcome($$SELECT tenancy.generate_token(15)$$) AS too_few, outcome($$SELECT tenancy.generate_token(1025)$$) AS too_many;

-- hash_token: 32 bytes, deterministic, different for different tokens.
SELECT octet_length(tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')) AS digest_bytes,
       tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') = tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') AS deterministic,
       tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') <> tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB') AS distinct_tokens;
-- Keyed: not a digest anyone could compute without the server key.
SELECT tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') <> sha256('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'::bytea) AS not_sha256;
-- A token of the wrong length or alphabet: 22P02, and the token is not in the message.
SELECT s AS statement, outcome(s) FROM (VALUES
  ($$SELECT tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAA')$$),
  ($$SELECT tenancy.hash_token(repeat('A', 1367))$$),
  ($$SELECT tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAA')$$),
  ($$SELECT tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAA+AAAAAAAAAAAAAA')$$),
  ($$SELECT tenancy.hash_token('AAAAAAAAAAAAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAA')$$),
  ($$SELECT tenancy.hash_token('secret-value secret-value-secret')$$),
  ($$SELECT tenancy.hash_token('')$$)) AS t(s);
SELECT tenancy.token_is_well_formed('AAAAAAAAAAAAAAAAAAAAAA') AS min_length, tenancy.token_is_well_formed(repeat('A', 1366)) AS max_length,
       tenancy.token_is_well_formed('AAAAAAAAAAAAAAAAAAAAA') AS too_short;

---------------------------------------------------------------------------------------------
-- Secrets
---------------------------------------------------------------------------------------------

-- Bound to the context's organization: A encrypts, A decrypts; B and no context cannot.
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
SELECT tenancy.encrypt_secret('warehouse password') AS ct \gset
SELECT tenancy.decrypt_secret(:'ct') AS decrypted, octet_length(:'ct'::bytea) AS ciphertext_bytes,
       get_byte(:'ct'::bytea, 0) AS version,
       tenancy.encrypt_secret('warehouse password') <> :'ct'::bytea AS fresh_nonce,
       tenancy.decrypt_secret(tenancy.encrypt_secret('')) = '' AS empty_secret,
       tenancy.decrypt_secret(tenancy.encrypt_secret('пароль ✓')) AS utf8;
-- Tampered (each part), truncated, or forged: 28000, the same message every time.
SELECT label, outcome(s) FROM (VALUES
  ('version byte', format($$SELECT tenancy.decrypt_secret(set_byte(%L::bytea, 0, 2))$$, :'ct')),
  ('nonce bit', format($$SELECT tenancy.decrypt_secret(set_byte(%L::bytea, 5, get_byte(%L::bytea, 5) # 1))$$, :'ct', :'ct')),
  ('ciphertext bit', format($$SELECT tenancy.decrypt_secret(set_byte(%L::bytea, 30, get_byte(%L::bytea, 30) # 1))$$, :'ct', :'ct')),
  ('tag bit', format($$SELECT tenancy.decrypt_secret(set_byte(%L::bytea, octet_length(%L::bytea) - 1, get_byte(%L::bytea, octet_length(%L::bytea) - 1) # 128))$$, :'ct', :'ct', :'ct', :'ct')),
  ('last byte cut', format($$SELECT tenancy.decrypt_secret(substr(%L::bytea, 1, octet_length(%L::bytea) - 1))$$, :'ct', :'ct')),
  ('cut to 40 bytes', format($$SELECT tenancy.decrypt_secret(substr(%L::bytea, 1, 40))$$, :'ct')),
  ('empty', $$SELECT tenancy.decrypt_secret('\x')$$),
  ('forged zeros', $$SELECT tenancy.decrypt_secret('\x01' || decode(repeat('00', 60), 'hex'))$$)) AS t(label, s);
SELECT tenancy.set_context('0b000000-0000-4000-8000-00000000000b', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
SELECT outcome(format($$SELECT tenancy.decrypt_secret(%L)$$, :'ct')) AS another_org;
SELECT tenancy.clear_context();
SELECT outcome(format($$SELECT tenancy.decrypt_secret(%L)$$, :'ct')) AS no_context,
       outcome($$SELECT tenancy.encrypt_secret('x')$$) AS encrypt_without_context;

-- warehouse_connections.access_token_encrypted holds only ciphertexts.
SELECT tenancy.set_context('0a000000-0000-4000-8000-00000000000a', 'a1000000-0000-4000-8000-0000000000a1', is_local => false);
INSERT INTO tenancy.warehouse_connections (organization_id, database_name, access_token_encrypted)
VALUES ('0a000000-0000-4000-8000-00000000000a', 'crypto_wh', tenancy.encrypt_secret('wh-token-A'));
SELECT tenancy.decrypt_secret(access_token_encrypted) AS warehouse_token FROM tenancy.warehouse_connections
 WHERE database_name = 'crypto_wh';
SELECT outcome($$UPDATE tenancy.warehouse_connections SET access_token_encrypted = convert_to('plain-token', 'UTF8') WHERE database_name = 'crypto_wh'$$) AS plaintext_refused;
DELETE FROM tenancy.warehouse_connections WHERE database_name = 'crypto_wh';
SELECT tenancy.clear_context();

---------------------------------------------------------------------------------------------
-- The server key never shows
---------------------------------------------------------------------------------------------

-- The key file (read by the superuser, for this test only): 32 bytes.
SELECT octet_length(pg_read_binary_file('tenancy.key')) AS key_bytes;
SELECT encode(pg_read_binary_file('tenancy.key'), 'hex') AS key_hex,
       encode(pg_read_binary_file('tenancy.key'), 'base64') AS key_b64,
       translate(rtrim(encode(pg_read_binary_file('tenancy.key'), 'base64'), '='), '+/', '-_') AS key_b64url \gset
-- Not in any setting, any function's result, or a catalog a role can read.
SELECT count(*) AS settings_showing_key FROM pg_settings
 WHERE setting ILIKE '%' || :'key_hex' || '%' OR setting LIKE '%' || :'key_b64' || '%'
    OR setting LIKE '%' || :'key_b64url' || '%';
SELECT count(*) AS settings_showing_key_in_show_all FROM (SELECT * FROM pg_show_all_settings()) s
 WHERE s.setting ILIKE '%' || :'key_hex' || '%' OR s.setting LIKE '%' || :'key_b64url' || '%';
-- key_file names the file only, and only to superusers.
SELECT name, setting, context FROM pg_settings WHERE name IN ('tenancy.key_file', 'tenancy.create_key_file') ORDER BY 1;
SET ROLE regress_tenancy_app;
SELECT outcome($$SHOW tenancy.key_file$$) AS app_shows_key_file;
RESET ROLE;
---------------------------------------------------------------------------------------------
-- Declarations: volatility, STRICT, PARALLEL labels
---------------------------------------------------------------------------------------------
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef
  FROM pg_proc p
 WHERE p.oid IN ('tenancy.hash_password(text)'::regprocedure, 'tenancy.verify_password(text, text)'::regprocedure,
                 'tenancy.password_needs_rehash(text)'::regprocedure, 'tenancy.generate_token(int)'::regprocedure,
                 'tenancy.hash_token(text)'::regprocedure, 'tenancy.token_is_well_formed(text)'::regprocedure,
                 'tenancy.encrypt_secret(text)'::regprocedure, 'tenancy.decrypt_secret(bytea)'::regprocedure)
 ORDER BY 1::text;
