// tenancy.org_role label OIDs, cached per FmgrInfo.
extern "C" {
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "utils/syscache.h"
}

#include "context/role_datum_pg.hpp"

#include "context/org_role.hpp"
#include "pg/guard.hpp"

namespace tenancy::pg {

namespace {

// The label OIDs of tenancy.org_role in rank order.
struct RoleLabelOids {
  Oid by_rank[kOrgRoleCount];
};

// Looks the enum's labels up in the catalog cache.
void look_up_role_labels(RoleLabelOids &labels) {
  const Oid type_oid = pg_call([] {
    return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("org_role"),
                           ObjectIdGetDatum(get_namespace_oid("tenancy", false)));
  });
  if (!OidIsValid(type_oid))
    throw Error(sqlstate::kInternalError, "type tenancy.org_role is missing");
  for (int rank = 0; rank < kOrgRoleCount; ++rank) {
    const char *label = org_role_label(static_cast<OrgRole>(rank));
    labels.by_rank[rank] = pg_call([&] {
      return GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid, ObjectIdGetDatum(type_oid),
                             CStringGetDatum(label));
    });
    if (!OidIsValid(labels.by_rank[rank])) {
      throw Error(sqlstate::kInternalError, std::string("tenancy.org_role lacks label ") + label);
    }
  }
}

// The labels for this call site, looked up on its first call.
const RoleLabelOids &role_labels(FunctionCallInfo fcinfo) {
  if (fcinfo->flinfo->fn_extra == nullptr) {
    RoleLabelOids found;
    look_up_role_labels(found);
    auto *cached = pg_call([&] {
      return static_cast<RoleLabelOids *>(
          MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(RoleLabelOids)));
    });
    *cached = found;
    fcinfo->flinfo->fn_extra = cached;
  }
  return *static_cast<const RoleLabelOids *>(fcinfo->flinfo->fn_extra);
}

}  // namespace

// Finds the label OID among the four.
int role_rank_from_datum(FunctionCallInfo fcinfo, Datum role) {
  const RoleLabelOids &labels = role_labels(fcinfo);
  const Oid label = DatumGetObjectId(role);
  for (int rank = 0; rank < kOrgRoleCount; ++rank) {
    if (labels.by_rank[rank] == label) return rank;
  }
  throw Error(sqlstate::kInvalidParameterValue, "not a tenancy.org_role value");
}

// The label OID of a rank.
Datum role_datum_from_rank(FunctionCallInfo fcinfo, int rank) {
  return ObjectIdGetDatum(role_labels(fcinfo).by_rank[rank]);
}

}  // namespace tenancy::pg
