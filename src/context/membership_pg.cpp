// Direct index probes of tenancy.organizations, tenancy.organization_members and tenancy.users.
// Trusted code reading its own tables: no SQL, no planner, no RLS (the lookup must see every
// row, as the tables' owner would), and the caller needs no table privileges.
extern "C" {
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"
}

#include "context/membership_pg.hpp"

#include <cstring>

#include "context/role_datum_pg.hpp"
#include "pg/guard.hpp"

namespace tenancy::pg {

namespace {

// A unique index to probe: its table, the index, and the uuid columns it starts with.
struct IndexProbe {
  const char *table;
  const char *index;
  int key_count;
  const char *key_columns[2];
};

constexpr IndexProbe kOrganizationById = {"organizations", "organizations_pkey", 1, {"id"}};
constexpr IndexProbe kMemberByOrgAndUser = {"organization_members",
                                            "organization_members_organization_id_user_id_key",
                                            2,
                                            {"organization_id", "user_id"}};
constexpr IndexProbe kUserById = {"users", "users_pkey", 1, {"id"}};
constexpr int kProbeCount = 3;

// Catalog facts of one probe target, resolved once per backend.
struct ResolvedProbe {
  Oid relation;
  Oid index;
  AttrNumber keys[2];
  AttrNumber deleted_at;
  AttrNumber is_active;  // InvalidAttrNumber when the table has no such column
  AttrNumber role;       // likewise
};

// The resolved targets; dropped on any relcache invalidation of one of them (DROP EXTENSION,
// ALTER TABLE), so a re-created extension is found again.
struct ResolvedTargets {
  bool valid;
  ResolvedProbe probes[kProbeCount];
};
ResolvedTargets resolved = {false, {}};
bool invalidation_callback_registered = false;

// Answers read since the identity tables last changed.
MembershipCache membership_cache;

// Relcache callback: a change to one of the identity tables (its rows, through the
// tenancy.identity_changed trigger, or its definition) empties the cache; a definition
// change also forgets the resolved OIDs.
void forget_identity_state(Datum, Oid relation) {
  if (!resolved.valid) return;
  for (const ResolvedProbe &probe : resolved.probes) {
    if (relation == InvalidOid || relation == probe.relation || relation == probe.index) {
      membership_cache.clear();
      resolved.valid = false;
      return;
    }
  }
}

// The attribute number of a column of a tenancy table; errors if it is missing.
AttrNumber column_number(Oid relation, const char *column) {
  const AttrNumber number = get_attnum(relation, column);
  if (number == InvalidAttrNumber) {
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_COLUMN),
             errmsg("column %s of a tenancy table is missing; reinstall the extension", column)));
  }
  return number;
}

// Resolves one target's OIDs and column numbers.
void resolve(const IndexProbe &target, Oid schema, ResolvedProbe &out) {
  out.relation = get_relname_relid(target.table, schema);
  out.index = get_relname_relid(target.index, schema);
  if (!OidIsValid(out.relation) || !OidIsValid(out.index)) {
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("table tenancy.%s or its index %s is missing; reinstall the extension",
                           target.table, target.index)));
  }
  for (int i = 0; i < target.key_count; ++i)
    out.keys[i] = column_number(out.relation, target.key_columns[i]);
  out.deleted_at = column_number(out.relation, "deleted_at");
  out.is_active = get_attnum(out.relation, "is_active");
  out.role = get_attnum(out.relation, "role");
}

// The resolved targets, resolving them when needed; PostgreSQL calls and plain data only.
const ResolvedTargets &resolved_targets() {
  if (!invalidation_callback_registered) {
    CacheRegisterRelcacheCallback(forget_identity_state, Datum(0));
    invalidation_callback_registered = true;
  }
  if (!resolved.valid) {
    const Oid schema = get_namespace_oid("tenancy", false);
    resolve(kOrganizationById, schema, resolved.probes[0]);
    resolve(kMemberByOrgAndUser, schema, resolved.probes[1]);
    resolve(kUserById, schema, resolved.probes[2]);
    resolved.valid = true;
  }
  return resolved;
}

// What one probe found: whether a live row exists, and the columns set_context reads.
struct ProbeResult {
  bool live_row;
  bool active;  // users.is_active
  Datum role;   // organization_members.role
  bool role_null;
};

// Probes one unique index for keys; PostgreSQL calls and plain data only (runs in pg_call).
ProbeResult probe(int which, int key_count, const Datum *keys) {
  ProbeResult result = {false, false, Datum(0), true};
  const ResolvedProbe &target = resolved_targets().probes[which];
  ScanKeyData scan_keys[2];
  for (int i = 0; i < key_count; ++i) {
    ScanKeyInit(&scan_keys[i], target.keys[i], BTEqualStrategyNumber, F_UUID_EQ, keys[i]);
  }
  Relation relation = table_open(target.relation, AccessShareLock);
  // The latest snapshot, taken after pending invalidations were processed: what gets cached
  // is never older than the last change this backend has heard of.
  SysScanDesc scan =
      systable_beginscan(relation, target.index, true, GetLatestSnapshot(), key_count, scan_keys);
  HeapTuple tuple = systable_getnext(scan);
  if (HeapTupleIsValid(tuple)) {
    TupleDesc descriptor = RelationGetDescr(relation);
    result.live_row = heap_attisnull(tuple, target.deleted_at, descriptor);
    if (target.is_active != InvalidAttrNumber) {
      bool is_null = true;
      const Datum value = heap_getattr(tuple, target.is_active, descriptor, &is_null);
      result.active = !is_null && DatumGetBool(value);
    }
    if (target.role != InvalidAttrNumber) {
      result.role = heap_getattr(tuple, target.role, descriptor, &result.role_null);
    }
  }
  systable_endscan(scan);
  table_close(relation, AccessShareLock);
  return result;
}

// Probes inside pg_call, so a PostgreSQL error becomes a C++ exception.
ProbeResult guarded_probe(int which, int key_count, const Datum *keys) {
  return pg_call([&] { return probe(which, key_count, keys); });
}

// Reads the rows: organization first; the membership and the user only when a user is named.
MembershipAnswer read_membership(FunctionCallInfo fcinfo, const Uuid &org_id,
                                 const std::optional<Uuid> &user_id) {
  pg_uuid_t org_key;
  std::memcpy(org_key.data, org_id.bytes.data(), UUID_LEN);
  MembershipAnswer answer;
  const Datum organization_keys[1] = {UUIDPGetDatum(&org_key)};
  answer.organization_live = guarded_probe(0, 1, organization_keys).live_row;
  if (!answer.organization_live || !user_id) return answer;

  pg_uuid_t user_key;
  std::memcpy(user_key.data, user_id->bytes.data(), UUID_LEN);
  const Datum member_keys[2] = {UUIDPGetDatum(&org_key), UUIDPGetDatum(&user_key)};
  const ProbeResult member = guarded_probe(1, 2, member_keys);
  if (!member.live_row || member.role_null) return answer;
  const Datum user_keys[1] = {UUIDPGetDatum(&user_key)};
  const ProbeResult user = guarded_probe(2, 1, user_keys);
  if (!user.live_row || !user.active) return answer;
  answer.member_role = role_rank_from_datum(fcinfo, member.role);
  return answer;
}

}  // namespace

// Hears about committed changes first, then answers from the cache or the tables.
MembershipAnswer look_up_membership(FunctionCallInfo fcinfo, const Uuid &org_id,
                                    const std::optional<Uuid> &user_id) {
  pg_call([] {
    AcceptInvalidationMessages();
    (void)resolved_targets();
  });
  if (const auto cached = membership_cache.find(org_id, user_id)) return *cached;
  const MembershipAnswer answer = read_membership(fcinfo, org_id, user_id);
  membership_cache.insert(org_id, user_id, answer);
  return answer;
}

}  // namespace tenancy::pg
