// The tenant context in force, as read from the settings that hold it. PostgreSQL-free
// interface; implemented in context_settings_pg.cpp.
#pragma once

#include <cstdint>

namespace tenancy {

// The context the current_* functions answer from.
struct TenantContext {
  const uint8_t *org_id = nullptr;   // 16 bytes, or nullptr when no context is in force
  const uint8_t *user_id = nullptr;  // 16 bytes, or nullptr
  int role = -1;                     // OrgRole rank, or -1 when no role is in force
  bool from_token = false;           // a signed token is in force
  bool token_expired = false;  // a token is set but its exp has passed (so nothing is in force)
  int64_t token_expires_at_us = 0;  // the token's exp, Unix microseconds
};

// Setting names.
inline constexpr const char kOrgIdSetting[] = "tenancy.org_id";
inline constexpr const char kUserIdSetting[] = "tenancy.user_id";
inline constexpr const char kOrgRoleSetting[] = "tenancy.org_role";
inline constexpr const char kContextTokenSetting[] = "tenancy.context_token";

// Defines every tenancy.* context setting; called once from _PG_init.
void define_context_settings();

// The context in force at the start of the current statement: a signed token wins over the
// trusted settings while it is set; an expired token leaves no context at all (fail closed).
TenantContext current_tenant_context(int64_t now_us);

// "transaction" or "session": how long the setting holding the context in force will last.
const char *context_scope(bool from_token);

// Whether tenancy.require_signed_context is on.
bool signed_context_required();

}  // namespace tenancy
