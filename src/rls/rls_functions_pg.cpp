// SQL-callable RLS generators: gather table facts from the catalogs, generate the DDL in the
// pure core, and (for enable_rls and friends) run it through SPI as the caller.
extern "C" {
#include "postgres.h"

#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/keywords.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

#include <optional>
#include <string>
#include <vector>

#include "context/org_role.hpp"
#include "context/role_datum_pg.hpp"
#include "core/error.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "rls/policy_sql.hpp"

namespace tenancy::pg {

namespace {

// PostgreSQL's own keyword table decides which words must be quoted.
bool is_reserved_keyword(std::string_view word) {
  const std::string text(word);
  const int index = ScanKeywordLookup(text.c_str(), &ScanKeywords);
  return index >= 0 && ScanKeywordCategories[index] != UNRESERVED_KEYWORD;
}

// A relation as the catalogs describe it.
struct RelationInfo {
  Oid id = InvalidOid;
  TableName name;
  char kind = '\0';
  bool is_partition = false;
};

// Plain data read from the catalogs inside pg_call.
struct RawRelation {
  char *name;
  char *schema;
  char kind;
  bool is_partition;
};

// Reads a relation's name, schema and kind; 42P01 when the OID names no relation.
RelationInfo relation_info(Oid relation) {
  const RawRelation raw = pg_call([&] {
    RawRelation found{get_rel_name(relation), nullptr, get_rel_relkind(relation), false};
    if (found.name != nullptr) {
      found.schema = get_namespace_name(get_rel_namespace(relation));
      found.is_partition = get_rel_relispartition(relation);
    }
    return found;
  });
  if (raw.name == nullptr || raw.schema == nullptr) {
    throw Error("42P01", "relation with OID " + std::to_string(relation) + " does not exist");
  }
  return RelationInfo{relation, TableName{raw.schema, raw.name}, raw.kind, raw.is_partition};
}

// The display name of a relation for messages: schema.name, quoted as needed.
std::string display_name(const RelationInfo &info) {
  return qualified_name(info.name.schema, info.name.name, is_reserved_keyword);
}

// Refuses anything but an ordinary or partitioned table that is not itself a partition.
void require_policy_target(const RelationInfo &info) {
  if (info.kind == RELKIND_VIEW || info.kind == RELKIND_MATVIEW) {
    throw Error("42809",
                display_name(info) + " is a view, and row level security applies to tables", "",
                "Isolate the tables under it, and create the view WITH (security_invoker = true).");
  }
  if (info.kind != RELKIND_RELATION && info.kind != RELKIND_PARTITIONED_TABLE) {
    throw Error("42809", display_name(info) + " is not a table");
  }
  if (info.is_partition) {
    throw Error("42809", display_name(info) + " is a partition", "",
                "Call the function on the partitioned parent: it covers every partition.");
  }
}

// Checks that a column exists (42703) and has the expected type (42804).
void require_column(const RelationInfo &info, const std::string &column, Oid expected_type,
                    const char *role_in_policy) {
  const AttrNumber number = pg_call([&] { return get_attnum(info.id, column.c_str()); });
  if (number == InvalidAttrNumber || number < 0) {
    throw Error("42703", "column " + quote_identifier(column, is_reserved_keyword) + " of " +
                             display_name(info) + " does not exist");
  }
  const Oid type = pg_call([&] { return get_atttype(info.id, number); });
  if (OidIsValid(expected_type) && type != expected_type) {
    throw Error(sqlstate::kDatatypeMismatch, std::string(role_in_policy) + " column " +
                                                 quote_identifier(column, is_reserved_keyword) +
                                                 " of " + display_name(info) +
                                                 " must be of type uuid");
  }
}

// The type of a column that is known to exist.
Oid column_type(const RelationInfo &info, const std::string &column) {
  return pg_call([&] { return get_atttype(info.id, get_attnum(info.id, column.c_str())); });
}

// The relation and, for a partitioned table, every partition below it.
std::vector<RelationInfo> relation_and_partitions(const RelationInfo &info) {
  if (info.kind != RELKIND_PARTITIONED_TABLE) return {info};
  List *members = pg_call([&] { return find_all_inheritors(info.id, NoLock, nullptr); });
  std::vector<Oid> ids;
  for (int i = 0; i < list_length(members); ++i) ids.push_back(list_nth_oid(members, i));
  std::vector<RelationInfo> tables;
  for (Oid id : ids) tables.push_back(relation_info(id));
  return tables;
}

// The text of a name argument.
std::string name_arg(FunctionCallInfo fcinfo, int n) { return NameStr(*PG_GETARG_NAME(n)); }

// The role argument n as an OrgRole.
OrgRole role_arg(FunctionCallInfo fcinfo, int n) {
  return static_cast<OrgRole>(role_rank_from_datum(fcinfo, PG_GETARG_DATUM(n)));
}

// The share scope argument: NULL, or one of the scopes org_shares knows.
std::optional<std::string> share_scope_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_ARGISNULL(n)) return std::nullopt;
  std::string scope = text_arg(fcinfo, n);
  if (scope != "ledger" && scope != "dependencies") {
    throw Error(sqlstate::kInvalidParameterValue,
                "share_scope must be 'ledger' or 'dependencies' (the scopes org_shares grants)");
  }
  return scope;
}

// The DDL of enable_rls / rls_policy_sql for the arguments of this call.
std::string tenant_script(FunctionCallInfo fcinfo) {
  for (int n : {0, 1, 2, 3}) {
    static const char *const names[] = {"tbl", "tenant_column", "write_role", "delete_role"};
    require_argument(fcinfo, n, names[n]);
  }
  const RelationInfo target = relation_info(PG_GETARG_OID(0));
  require_policy_target(target);
  TenantTableFacts facts;
  facts.tenant_column = name_arg(fcinfo, 1);
  facts.write_role = role_arg(fcinfo, 2);
  facts.delete_role = role_arg(fcinfo, 3);
  facts.share_scope = share_scope_arg(fcinfo, 4);
  require_column(target, facts.tenant_column, UUIDOID, "tenant");
  std::string script;
  for (const RelationInfo &table : relation_and_partitions(target)) {
    facts.table = table.name;
    facts.has_deleted_at = pg_call([&] { return get_attnum(table.id, "deleted_at"); }) > 0;
    script += tenant_policy_sql(facts, is_reserved_keyword);
  }
  return script;
}

// True when the key column alone is covered by a valid, non-partial unique index of the table.
bool is_unique_on_its_own(const RelationInfo &table, const std::string &column) {
  static SpiStatement statement(
      "SELECT pg_catalog.count(*) FROM pg_catalog.pg_index i"
      " WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisunique AND i.indisvalid"
      "   AND i.indnkeyatts OPERATOR(pg_catalog.=) 1 AND i.indpred IS NULL"
      "   AND i.indexprs IS NULL AND i.indkey[0] OPERATOR(pg_catalog.=) $2",
      {OIDOID, INT2OID});
  const AttrNumber number = pg_call([&] { return get_attnum(table.id, column.c_str()); });
  int64 unique_indexes = 0;
  SpiConnection spi;
  {
    const Datum arguments[2] = {ObjectIdGetDatum(table.id), Int16GetDatum(number)};
    SpiCursorReader reader(statement, arguments, nullptr, {INT8OID}, 1);
    reader.for_each([&](const SpiRow &row) { unique_indexes = DatumGetInt64(row.values[0]); });
  }
  spi.finish();
  return unique_indexes > 0;
}

// The DDL of enable_rls_via for the arguments of this call.
std::string child_script(FunctionCallInfo fcinfo) {
  for (int n : {0, 1, 2, 3, 4, 5}) {
    static const char *const names[] = {"tbl",        "fk_column",  "parent",
                                        "parent_key", "write_role", "delete_role"};
    require_argument(fcinfo, n, names[n]);
  }
  const RelationInfo child = relation_info(PG_GETARG_OID(0));
  const RelationInfo parent = relation_info(PG_GETARG_OID(2));
  require_policy_target(child);
  if (parent.kind != RELKIND_RELATION && parent.kind != RELKIND_PARTITIONED_TABLE) {
    throw Error("42809", display_name(parent) + " is not a table");
  }
  ChildTableFacts facts;
  facts.fk_column = name_arg(fcinfo, 1);
  facts.parent = parent.name;
  facts.parent_key = name_arg(fcinfo, 3);
  facts.parent_tenant_column = "organization_id";
  facts.write_role = role_arg(fcinfo, 4);
  facts.delete_role = role_arg(fcinfo, 5);
  require_column(child, facts.fk_column, InvalidOid, "foreign key");
  require_column(parent, facts.parent_key, InvalidOid, "parent key");
  require_column(parent, facts.parent_tenant_column, UUIDOID, "parent tenant");
  if (!is_unique_on_its_own(parent, facts.parent_key)) {
    // A key unique only together with the tenant column would match parent rows of several
    // organizations, and the policy would let each of them see the child row.
    throw Error("42830",
                "parent key " + quote_identifier(facts.parent_key, is_reserved_keyword) + " of " +
                    display_name(parent) + " is not unique on its own",
                "A child row could then belong to parent rows of several organizations.",
                "Reference a column with its own unique constraint, or give the child an "
                "organization_id and use tenancy.enable_rls().");
  }
  if (column_type(child, facts.fk_column) != column_type(parent, facts.parent_key)) {
    throw Error(sqlstate::kDatatypeMismatch,
                "foreign key column " + quote_identifier(facts.fk_column, is_reserved_keyword) +
                    " and parent key " + quote_identifier(facts.parent_key, is_reserved_keyword) +
                    " have different types");
  }
  std::string script;
  for (const RelationInfo &table : relation_and_partitions(child)) {
    facts.table = table.name;
    script += child_policy_sql(facts, is_reserved_keyword);
  }
  return script;
}

// Runs a generated script as the caller, in one SPI call (the parser, not us, splits it).
// client_min_messages is raised to WARNING for the call, as a function's SET clause would, so
// DROP POLICY IF EXISTS does not report every policy that was not there yet.
void run_script(const std::string &script) {
  SpiConnection spi;
  const int status = pg_call([&] {
    const int nest_level = NewGUCNestLevel();
    (void)set_config_option("client_min_messages", "warning", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    const int result = SPI_execute(script.c_str(), false, 0);
    AtEOXact_GUC(true, nest_level);
    return result;
  });
  if (status < 0) {
    throw Error(sqlstate::kInternalError, std::string("running the generated policy DDL failed: ") +
                                              SPI_result_code_string(status));
  }
  spi.finish();
}

}  // namespace

}  // namespace tenancy::pg

namespace tpg = tenancy::pg;

// rls_policy_sql(tbl, tenant_column, write_role, delete_role, share_scope): the DDL, not run.
TENANCY_FUNCTION(tenancy_rls_policy_sql) { return tpg::text_datum(tpg::tenant_script(fcinfo)); }

// enable_rls(...): runs the DDL of rls_policy_sql and returns it.
TENANCY_FUNCTION(tenancy_enable_rls) {
  const std::string script = tpg::tenant_script(fcinfo);
  tpg::run_script(script);
  return tpg::text_datum(script);
}

// enable_rls_via(tbl, fk_column, parent, parent_key, write_role, delete_role): policies that
// follow a foreign key to the parent's organization.
TENANCY_FUNCTION(tenancy_enable_rls_via) {
  const std::string script = tpg::child_script(fcinfo);
  tpg::run_script(script);
  return tpg::text_datum(script);
}

// disable_rls(tbl): drops the tenancy_* policies and disables row level security.
TENANCY_FUNCTION(tenancy_disable_rls) {
  tpg::require_argument(fcinfo, 0, "tbl");
  const tpg::RelationInfo target = tpg::relation_info(PG_GETARG_OID(0));
  tpg::require_policy_target(target);
  std::string script;
  for (const tpg::RelationInfo &table : tpg::relation_and_partitions(target)) {
    script += tenancy::disable_policy_sql(table.name, tpg::is_reserved_keyword);
  }
  tpg::run_script(script);
  PG_RETURN_VOID();
}
