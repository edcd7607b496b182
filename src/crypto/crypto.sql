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
