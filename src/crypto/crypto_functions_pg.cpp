// SQL-callable crypto functions (API.md section 3): passwords, tokens, secrets. Every plaintext
// argument is copied into a SecretBuffer (wiped on every path, errors included), and a
// detoasted copy PostgreSQL made for us is wiped before it is freed.
extern "C" {
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
}

#include <string>

#include "context/context_state.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"
#include "crypto/crypto_settings.hpp"
#include "crypto/password.hpp"
#include "crypto/secret_box.hpp"
#include "crypto/secret_buffer.hpp"
#include "crypto/token.hpp"
#include "pg/clock.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"

#include <sodium.h>

namespace {

using tenancy::Error;
using tenancy::SecretBuffer;
namespace sqlstate = tenancy::sqlstate;

// Argument n (text or bytea, not NULL) as a SecretBuffer; a detoasted copy is wiped and freed.
SecretBuffer secret_arg(FunctionCallInfo fcinfo, int n) {
  varlena *original = reinterpret_cast<varlena *>(PG_GETARG_DATUM(n));
  varlena *detoasted = tenancy::pg::pg_call([&] { return pg_detoast_datum_packed(original); });
  SecretBuffer copy(std::string_view(VARDATA_ANY(detoasted), VARSIZE_ANY_EXHDR(detoasted)));
  if (detoasted != original) {
    sodium_memzero(detoasted, VARSIZE_ANY(detoasted));
    tenancy::pg::pg_call([&] { pfree(detoasted); });
  }
  return copy;
}

// The organization of the context in force, or 42501 naming the function that needs one.
tenancy::Uuid require_context_org(const char *function_name) {
  const auto context = tenancy::current_tenant_context(tenancy::pg::statement_unix_microseconds());
  if (context.org_id == nullptr) {
    throw Error(sqlstate::kInsufficientPrivilege,
                std::string(function_name) + " needs a tenant context",
                "Secrets are bound to the organization of the context.",
                "Call tenancy.set_context() or set tenancy.context_token first.");
  }
  return tenancy::uuid_from_bytes(context.org_id);
}

}  // namespace

// hash_password(password text) RETURNS text
TENANCY_FUNCTION(tenancy_hash_password) {
  const SecretBuffer password = secret_arg(fcinfo, 0);
  return tenancy::pg::text_datum(
      tenancy::hash_password(password.view(), tenancy::current_password_policy()));
}

// verify_password(password text, hash text) RETURNS boolean
TENANCY_FUNCTION(tenancy_verify_password) {
  const SecretBuffer password = secret_arg(fcinfo, 0);
  const std::string hash = tenancy::pg::text_arg(fcinfo, 1);
  PG_RETURN_BOOL(
      tenancy::verify_password(password.view(), hash, tenancy::current_password_policy()));
}

// password_matches(password text, hash text): for authenticate. A NULL, malformed or
// over-costly hash costs one verification against a dummy hash and answers false.
TENANCY_FUNCTION(tenancy_password_matches) {
  if (PG_ARGISNULL(0)) PG_RETURN_BOOL(false);
  const SecretBuffer password = secret_arg(fcinfo, 0);
  const tenancy::PasswordPolicy policy = tenancy::current_password_policy();
  if (PG_ARGISNULL(1)) PG_RETURN_BOOL(tenancy::password_matches(password.view(), nullptr, policy));
  const std::string hash = tenancy::pg::text_arg(fcinfo, 1);
  PG_RETURN_BOOL(tenancy::password_matches(password.view(), &hash, policy));
}

// password_needs_rehash(hash text) RETURNS boolean
TENANCY_FUNCTION(tenancy_password_needs_rehash) {
  const std::string hash = tenancy::pg::text_arg(fcinfo, 0);
  PG_RETURN_BOOL(tenancy::password_needs_rehash(hash, tenancy::current_password_policy()));
}

// generate_token(nbytes int) RETURNS text
TENANCY_FUNCTION(tenancy_generate_token) {
  const SecretBuffer token = tenancy::generate_token(PG_GETARG_INT32(0));
  return tenancy::pg::text_datum(token.view());
}

// token_is_well_formed(token text) RETURNS boolean
TENANCY_FUNCTION(tenancy_token_is_well_formed) {
  const SecretBuffer token = secret_arg(fcinfo, 0);
  PG_RETURN_BOOL(tenancy::is_well_formed_token(token.view()));
}

// hash_token(token text) RETURNS bytea
TENANCY_FUNCTION(tenancy_hash_token) {
  const SecretBuffer token = secret_arg(fcinfo, 0);
  tenancy::require_well_formed_token(token.view());  // before the key: 22P02 wins
  const std::string digest =
      tenancy::hash_token(token.view(), tenancy::server_subkey(tenancy::KeyPurpose::kTokenHash));
  return tenancy::pg::text_datum(digest);  // a bytea is laid out as a text
}

// encrypt_secret(plaintext text) RETURNS bytea
TENANCY_FUNCTION(tenancy_encrypt_secret) {
  const tenancy::Uuid org = require_context_org("encrypt_secret");
  const SecretBuffer plaintext = secret_arg(fcinfo, 0);
  const std::string sealed = tenancy::seal_secret(
      plaintext.view(), org, tenancy::server_subkey(tenancy::KeyPurpose::kSecretBox));
  return tenancy::pg::text_datum(sealed);
}

// decrypt_secret(ciphertext bytea) RETURNS text
TENANCY_FUNCTION(tenancy_decrypt_secret) {
  const tenancy::Uuid org = require_context_org("decrypt_secret");
  const SecretBuffer ciphertext = secret_arg(fcinfo, 0);
  const SecretBuffer plaintext = tenancy::open_secret(
      ciphertext.view(), org, tenancy::server_subkey(tenancy::KeyPurpose::kSecretBox));
  const bool valid = tenancy::pg::pg_call(
      [&] { return pg_verifymbstr(plaintext.chars(), static_cast<int>(plaintext.size()), true); });
  if (!valid) {
    throw Error("22021", "decrypted secret is not valid text in the database encoding");
  }
  return tenancy::pg::text_datum(plaintext.view());
}
