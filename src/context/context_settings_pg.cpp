// The settings that hold the tenant context, their check/assign hooks, and the trusted keys.
// Hooks are called by PostgreSQL: C++ work happens in noexcept helpers that return plain data,
// and PostgreSQL calls (GUC_check_errmsg) happen only after those helpers have returned.
extern "C" {
#include "postgres.h"

#include "access/parallel.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
}

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "context/context_claims.hpp"
#include "context/context_state.hpp"
#include "context/org_role.hpp"
#include "context/token_cache.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"
#include "crypto/key_ring.hpp"
#include "pg/clock.hpp"

namespace tenancy {

namespace {

// Backing variables PostgreSQL writes.
char *org_id_text = nullptr;
char *user_id_text = nullptr;
char *org_role_text = nullptr;
char *context_token_text = nullptr;
char *public_keys_text = nullptr;
char *hs256_keys_text = nullptr;
bool require_signed = false;
int token_cache_capacity = 1024;

// Parsed forms, pointing into the settings' malloc'd "extra" state (owned by PostgreSQL).
const uint8_t *trusted_org_id = nullptr;
const uint8_t *trusted_user_id = nullptr;
const int *trusted_role = nullptr;
const ContextClaims *token_claims = nullptr;

// The trusted keys; a new generation invalidates cached token verifications.
KeyRing ed25519_keys;
KeyRing hs256_keys;
uint64_t key_generation = 1;
TokenCache token_cache;

// Ed25519 public keys are 32 bytes; HS256 secrets at least the hash size (RFC 7518 3.2).
constexpr size_t kEd25519KeyBytes = 32;
constexpr size_t kHs256MinKeyBytes = 32;
constexpr size_t kHs256MaxKeyBytes = 1024;

// Plain-data result of C++ work done for a hook.
struct HookOutcome {
  bool ok;
  char reason[300];
  ContextClaims claims;
};

// A malloc'd copy for a setting's extra state (PostgreSQL frees it with free()).
template <typename T>
T *malloc_copy(const T &value) {
  T *copy = static_cast<T *>(std::malloc(sizeof(T)));
  if (copy != nullptr) std::memcpy(copy, &value, sizeof(T));
  return copy;
}

// Reports an out-of-memory refusal from a check hook.
bool refuse_out_of_memory() {
  GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
  GUC_check_errmsg("out of memory");
  return false;
}

// True for NULL or the empty string, which mean "unset".
bool is_unset(const char *value) { return value == nullptr || value[0] == '\0'; }

// check_hook for tenancy.org_id and tenancy.user_id: '' or a canonical uuid.
bool check_uuid_setting(char **newval, void **extra, GucSource) {
  if (is_unset(*newval)) return true;
  const auto uuid = parse_uuid(*newval);
  if (!uuid) {
    GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
    GUC_check_errmsg("a tenant context id must be a uuid in canonical form");
    return false;
  }
  *extra = malloc_copy(uuid->bytes);
  return *extra != nullptr || refuse_out_of_memory();
}

// assign_hook for tenancy.org_id.
void assign_org_id(const char *, void *extra) {
  trusted_org_id = static_cast<const uint8_t *>(extra);
}

// assign_hook for tenancy.user_id.
void assign_user_id(const char *, void *extra) {
  trusted_user_id = static_cast<const uint8_t *>(extra);
}

// check_hook for tenancy.org_role: '' or a role label.
bool check_org_role(char **newval, void **extra, GucSource) {
  if (is_unset(*newval)) return true;
  const auto role = parse_org_role(*newval);
  if (!role) {
    GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
    GUC_check_errmsg("tenancy.org_role must be one of VIEWER, MEMBER, ADMIN, OWNER");
    return false;
  }
  *extra = malloc_copy(static_cast<int>(*role));
  return *extra != nullptr || refuse_out_of_memory();
}

// assign_hook for tenancy.org_role.
void assign_org_role(const char *, void *extra) { trusted_role = static_cast<const int *>(extra); }

// Verifies a token (from the cache when possible); skips the clock in a parallel worker,
// which inherits a token its leader already accepted and checks exp on every read anyway.
void verify_for_hook(const char *token, int64_t now_us, bool check_clock,
                     HookOutcome &out) noexcept {
  out.ok = false;
  try {
    const ContextClaims *cached = token_cache.find(token, key_generation, now_us);
    TokenVerdict verdict;
    if (cached != nullptr) {
      verdict.claims = *cached;
    } else {
      verdict = verify_token_signature(token, TokenKeys{ed25519_keys, hs256_keys});
      if (verdict.ok()) token_cache.insert(token, key_generation, verdict.claims);
    }
    if (verdict.ok() && check_clock) verdict = check_token_time(verdict.claims, now_us);
    out.ok = verdict.ok();
    out.claims = verdict.claims;
    std::snprintf(out.reason, sizeof out.reason, "%s", verdict.reason.c_str());
  } catch (...) {
    std::snprintf(out.reason, sizeof out.reason, "it could not be verified (out of memory)");
  }
}

// check_hook for tenancy.context_token: only a verified token gets through; 28000 otherwise.
// The message never contains the token.
bool check_context_token(char **newval, void **extra, GucSource) {
  if (is_unset(*newval)) return true;
  HookOutcome outcome;
  verify_for_hook(*newval, pg::wall_clock_unix_microseconds(), !InitializingParallelWorker,
                  outcome);
  if (!outcome.ok) {
    GUC_check_errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION);
    GUC_check_errmsg("tenant context token rejected: %s", outcome.reason);
    return false;
  }
  *extra = malloc_copy(outcome.claims);
  return *extra != nullptr || refuse_out_of_memory();
}

// assign_hook for tenancy.context_token.
void assign_context_token(const char *, void *extra) {
  token_claims = static_cast<const ContextClaims *>(extra);
}

// Parses a key list into out; false with a reason (which never contains key material).
bool parse_key_list(const char *spec, size_t min_bytes, size_t max_bytes, KeyRing *out,
                    char (&reason)[300]) noexcept {
  try {
    KeyRing parsed = KeyRing::parse(spec != nullptr ? spec : "", min_bytes, max_bytes);
    if (out != nullptr) *out = std::move(parsed);
    return true;
  } catch (const std::exception &error) {
    std::snprintf(reason, sizeof reason, "%s", error.what());
  } catch (...) {
    std::snprintf(reason, sizeof reason, "unknown error");
  }
  if (out != nullptr) *out = KeyRing();
  return false;
}

// Shared check for both key lists.
bool check_key_list(const char *value, size_t min_bytes, size_t max_bytes, const char *setting) {
  char reason[300];
  if (parse_key_list(value, min_bytes, max_bytes, nullptr, reason)) return true;
  GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
  GUC_check_errmsg("invalid %s: %s", setting, reason);
  return false;
}

// check_hook for tenancy.context_public_keys.
bool check_public_keys(char **newval, void **, GucSource) {
  return check_key_list(*newval, kEd25519KeyBytes, kEd25519KeyBytes, "tenancy.context_public_keys");
}

// assign_hook for tenancy.context_public_keys: new keys, new generation.
void assign_public_keys(const char *newval, void *) {
  char reason[300];
  parse_key_list(newval, kEd25519KeyBytes, kEd25519KeyBytes, &ed25519_keys, reason);
  ++key_generation;
}

// check_hook for tenancy.context_hs256_keys.
bool check_hs256_keys(char **newval, void **, GucSource) {
  return check_key_list(*newval, kHs256MinKeyBytes, kHs256MaxKeyBytes,
                        "tenancy.context_hs256_keys");
}

// assign_hook for tenancy.context_hs256_keys.
void assign_hs256_keys(const char *newval, void *) {
  char reason[300];
  parse_key_list(newval, kHs256MinKeyBytes, kHs256MaxKeyBytes, &hs256_keys, reason);
  ++key_generation;
}

// show_hook for tenancy.context_hs256_keys: the secrets are never shown, even to superusers.
const char *show_hs256_keys() { return is_unset(hs256_keys_text) ? "" : "(hidden)"; }

// assign_hook for tenancy.token_cache_size.
void assign_token_cache_size(int newval, void *) {
  token_cache.set_capacity(static_cast<size_t>(newval));
}

// Defines one of the three trusted context settings.
void define_trusted_setting(const char *name, const char *description, char **variable,
                            GucStringCheckHook check, GucStringAssignHook assign) {
  DefineCustomStringVariable(
      name, description, "Set by tenancy.set_context(); plain roles cannot set it.", variable, "",
      PGC_SUSET, GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE, check, assign, nullptr);
}

}  // namespace

// Defines the settings; PostgreSQL re-applies (or, for plain roles' placeholders, discards)
// values set before the library was loaded, in definition order, so the keys come before the
// token that is verified with them.
void define_context_settings() {
  define_trusted_setting(kOrgIdSetting, "Organization of the trusted tenant context.", &org_id_text,
                         check_uuid_setting, assign_org_id);
  define_trusted_setting(kUserIdSetting, "User of the trusted tenant context.", &user_id_text,
                         check_uuid_setting, assign_user_id);
  define_trusted_setting(kOrgRoleSetting, "Role of the trusted tenant context.", &org_role_text,
                         check_org_role, assign_org_role);
  DefineCustomStringVariable("tenancy.context_public_keys",
                             "Ed25519 public keys trusted for context tokens, as kid:base64,...",
                             nullptr, &public_keys_text, "", PGC_SUSET, 0, check_public_keys,
                             assign_public_keys, nullptr);
  DefineCustomStringVariable("tenancy.context_hs256_keys",
                             "HS256 secrets trusted for context tokens, as kid:base64,...",
                             "Optional. Never shown.", &hs256_keys_text, "", PGC_SUSET,
                             GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
                             check_hs256_keys, assign_hs256_keys, show_hs256_keys);
  DefineCustomBoolVariable("tenancy.require_signed_context",
                           "Refuse tenancy.set_context() for non-superusers; only tokens work.",
                           nullptr, &require_signed, false, PGC_SUSET, 0, nullptr, nullptr,
                           nullptr);
  DefineCustomIntVariable("tenancy.token_cache_size",
                          "Verified context tokens kept per backend (0 disables the cache).",
                          nullptr, &token_cache_capacity, 1024, 0, 1000000, PGC_SUSET, 0, nullptr,
                          assign_token_cache_size, nullptr);
  // Defined last: a token planted before the library loaded is checked against the keys above.
  DefineCustomStringVariable(kContextTokenSetting, "Signed tenant context token (JWT).",
                             "Only a token whose signature verifies is accepted.",
                             &context_token_text, "", PGC_USERSET,
                             GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_NO_SHOW_ALL,
                             check_context_token, assign_context_token, nullptr);
}

// Token first; an expired token hides everything; otherwise the trusted settings.
TenantContext current_tenant_context(int64_t now_us) {
  TenantContext context;
  if (token_claims != nullptr && !is_unset(context_token_text)) {
    context.from_token = true;
    context.token_expires_at_us = token_claims->expires_at_us;
    if (token_time_valid(*token_claims, now_us)) {
      context.org_id = token_claims->org_id;
      context.user_id = token_claims->has_user ? token_claims->user_id : nullptr;
      context.role = token_claims->role;
    } else {
      context.token_expired = true;
    }
    return context;
  }
  if (trusted_org_id == nullptr || is_unset(org_id_text)) return context;
  context.org_id = trusted_org_id;
  context.user_id = is_unset(user_id_text) ? nullptr : trusted_user_id;
  context.role = trusted_role != nullptr && !is_unset(org_role_text) ? *trusted_role : -1;
  return context;
}

// Finds a setting's internal record (for its stack of saved values).
const config_generic *find_setting(const char *name) {
  config_generic **settings = get_guc_variables();
  const int count = GetNumConfigOptions();
  for (int i = 0; i < count; ++i) {
    if (std::strcmp(settings[i]->name, name) == 0) return settings[i];
  }
  return nullptr;
}

// "transaction" when the innermost change of the setting in force reverts at transaction (or
// function) end, "session" otherwise.
const char *context_scope(bool from_token) {
  const config_generic *setting = find_setting(from_token ? kContextTokenSetting : kOrgIdSetting);
  if (setting == nullptr || setting->stack == nullptr) return "session";
  const GucStackState state = setting->stack->state;
  return state == GUC_SET ? "session" : "transaction";
}

// tenancy.require_signed_context.
bool signed_context_required() { return require_signed; }

}  // namespace tenancy
