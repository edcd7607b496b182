// SQL-callable tenant-context functions: the trusted setter, the token setter, and the readers
// that generated policies call on every row.
extern "C" {
#include "postgres.h"

#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
}

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "context/context_state.hpp"
#include "context/org_role.hpp"
#include "context/role_datum_pg.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"
#include "context/membership_pg.hpp"
#include "pg/clock.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"

namespace tenancy::pg {

namespace {

// Sets one setting through PostgreSQL's own machinery, transaction-local or for the session.
void apply_setting(const char *name, const std::string &value, GucContext context, bool is_local) {
  pg_call([&] {
    (void)set_config_option(name, value.c_str(), context, PGC_S_SESSION,
                            is_local ? GUC_ACTION_LOCAL : GUC_ACTION_SET, true, 0, false);
  });
}

// The refusal every lookup failure shares, so a missing org and a foreign one look alike.
[[noreturn]] void refuse_membership(const Uuid &org_id, const std::optional<Uuid> &user_id) {
  if (!user_id) {
    throw Error(sqlstate::kInsufficientPrivilege,
                "organization " + format_uuid(org_id) + " does not exist");
  }
  throw Error(sqlstate::kInsufficientPrivilege, "user " + format_uuid(*user_id) +
                                                    " is not an active member of organization " +
                                                    format_uuid(org_id) + ", or it does not exist");
}

// The context in force at this statement's start.
TenantContext statement_context() { return current_tenant_context(statement_unix_microseconds()); }

// A uuid Datum from 16 context bytes, or SQL NULL.
Datum uuid_or_null(FunctionCallInfo fcinfo, const uint8_t *bytes) {
  if (bytes == nullptr) PG_RETURN_NULL();
  return uuid_datum(uuid_from_bytes(bytes));
}

}  // namespace

}  // namespace tenancy::pg

using tenancy::Error;
using tenancy::OrgRole;
using tenancy::TenantContext;
using tenancy::Uuid;
namespace sqlstate = tenancy::sqlstate;
namespace tpg = tenancy::pg;

// identity_changed(): statement trigger on the identity tables; every backend's membership
// cache is emptied when the change commits (and this backend's at once).
TENANCY_FUNCTION(tenancy_identity_changed) {
  if (!CALLED_AS_TRIGGER(fcinfo)) {
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "tenancy.identity_changed() must be called as a trigger");
  }
  Relation relation = reinterpret_cast<TriggerData *>(fcinfo->context)->tg_relation;
  tpg::pg_call([&] { CacheInvalidateRelcache(relation); });
  return PointerGetDatum(nullptr);
}

// set_context(org_id, user_id, role, is_local): the trusted setter (EXECUTE revoked from PUBLIC).
TENANCY_FUNCTION(tenancy_set_context) {
  tpg::require_argument(fcinfo, 0, "org_id");
  tpg::require_argument(fcinfo, 3, "is_local");
  if (tenancy::signed_context_required() && !superuser()) {
    throw Error(sqlstate::kInsufficientPrivilege,
                "tenancy.require_signed_context is on, so only a signed token can set the tenant "
                "context",
                "",
                "Use SET LOCAL tenancy.context_token = '<token>' or tenancy.set_context_token().");
  }
  const Uuid org_id = tpg::uuid_arg(fcinfo, 0);
  const std::optional<Uuid> user_id = tpg::optional_uuid_arg(fcinfo, 1);
  std::optional<OrgRole> role;
  if (!PG_ARGISNULL(2))
    role = static_cast<OrgRole>(tpg::role_rank_from_datum(fcinfo, PG_GETARG_DATUM(2)));
  const bool is_local = PG_GETARG_BOOL(3);

  const tenancy::MembershipAnswer membership = tpg::look_up_membership(fcinfo, org_id, user_id);
  if (!membership.organization_live) tpg::refuse_membership(org_id, user_id);
  if (user_id) {
    if (membership.member_role < 0) tpg::refuse_membership(org_id, user_id);
    const auto member_role = static_cast<OrgRole>(membership.member_role);
    if (role && *role > member_role) {
      throw Error(sqlstate::kInsufficientPrivilege,
                  std::string("role ") + tenancy::org_role_label(*role) +
                      " is higher than the user's membership role " +
                      tenancy::org_role_label(member_role),
                  "", "Ask for the membership role or a lower one, or leave role NULL.");
    }
    if (!role) role = member_role;
  }
  tpg::apply_setting(tenancy::kOrgIdSetting, tenancy::format_uuid(org_id), PGC_SUSET, is_local);
  tpg::apply_setting(tenancy::kUserIdSetting, user_id ? tenancy::format_uuid(*user_id) : "",
                     PGC_SUSET, is_local);
  tpg::apply_setting(tenancy::kOrgRoleSetting, role ? tenancy::org_role_label(*role) : "",
                     PGC_SUSET, is_local);
  PG_RETURN_VOID();
}

// set_context_token(token, is_local): exactly SET [LOCAL] tenancy.context_token = token.
TENANCY_FUNCTION(tenancy_set_context_token) {
  tpg::require_argument(fcinfo, 0, "token");
  tpg::require_argument(fcinfo, 1, "is_local");
  const std::string token = tpg::text_arg(fcinfo, 0);
  if (token.empty()) {
    throw Error(sqlstate::kInvalidAuthorization, "tenant context token rejected: it is empty", "",
                "Use tenancy.clear_context() to unset the context.");
  }
  tpg::apply_setting(tenancy::kContextTokenSetting, token, PGC_USERSET, PG_GETARG_BOOL(1));
  PG_RETURN_VOID();
}

// clear_context(): unsets the trusted settings and the token for the session.
TENANCY_FUNCTION(tenancy_clear_context) {
  for (const char *name : {tenancy::kContextTokenSetting, tenancy::kOrgIdSetting,
                           tenancy::kUserIdSetting, tenancy::kOrgRoleSetting}) {
    tpg::apply_setting(name, "", PGC_SUSET, false);
  }
  PG_RETURN_VOID();
}

// current_org_id(): the organization in force, or NULL.
TENANCY_FUNCTION(tenancy_current_org_id) {
  return tpg::uuid_or_null(fcinfo, tpg::statement_context().org_id);
}

// current_user_id(): the user in force, or NULL.
TENANCY_FUNCTION(tenancy_current_user_id) {
  return tpg::uuid_or_null(fcinfo, tpg::statement_context().user_id);
}

// current_org_role(): the role in force, or NULL.
TENANCY_FUNCTION(tenancy_current_org_role) {
  const TenantContext context = tpg::statement_context();
  if (context.org_id == nullptr || context.role < 0) PG_RETURN_NULL();
  return tpg::role_datum_from_rank(fcinfo, context.role);
}

// has_role(min): true iff a role is in force and it is at least min.
TENANCY_FUNCTION(tenancy_has_role) {
  const TenantContext context = tpg::statement_context();
  if (context.org_id == nullptr || context.role < 0) PG_RETURN_BOOL(false);
  PG_RETURN_BOOL(context.role >= tpg::role_rank_from_datum(fcinfo, PG_GETARG_DATUM(0)));
}

// require_org_id(): current_org_id(), or 42501 when no context is in force.
TENANCY_FUNCTION(tenancy_require_org_id) {
  const TenantContext context = tpg::statement_context();
  if (context.org_id == nullptr) {
    throw Error(
        sqlstate::kInsufficientPrivilege,
        context.token_expired ? "the tenant context token has expired" : "no tenant context is set",
        "", "Call tenancy.set_context() or SET LOCAL tenancy.context_token first.");
  }
  return tpg::uuid_or_null(fcinfo, context.org_id);
}

// context(): the context in force as jsonb, for debugging.
TENANCY_FUNCTION(tenancy_context) {
  using Json = nlohmann::json;
  const TenantContext context = tpg::statement_context();
  const auto uuid_text = [](const uint8_t *bytes) -> Json {
    if (bytes == nullptr) return nullptr;
    return tenancy::format_uuid(tenancy::uuid_from_bytes(bytes));
  };
  Json description = {
      {"org_id", uuid_text(context.org_id)},
      {"user_id", uuid_text(context.user_id)},
      {"role", context.org_id != nullptr && context.role >= 0
                   ? Json(tenancy::org_role_label(static_cast<OrgRole>(context.role)))
                   : Json(nullptr)},
      {"scope", context.org_id != nullptr ? Json(tenancy::context_scope(context.from_token))
                                          : Json(nullptr)},
      {"signed", context.from_token && !context.token_expired},
  };
  if (context.token_expired) description["token_expired"] = true;
  const std::string text = description.dump();
  return tpg::pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
}
