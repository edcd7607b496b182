// An event trigger that refuses DROP EXTENSION tenancy (or DROP SCHEMA tenancy) while any of
// the extension's tables holds rows, unless a superuser set tenancy.allow_drop_with_data.
extern "C" {
#include "postgres.h"

#include "commands/event_trigger.h"
#include "nodes/parsenodes.h"
#include "utils/guc.h"
}

#include <string>
#include <vector>

#include "core/error.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "schema/drop_guard.hpp"

namespace {

bool allow_drop_with_data = false;

// True when the statement drops the extension or its schema.
bool drops_tenancy(Node *parsetree) {
  if (parsetree == nullptr || !IsA(parsetree, DropStmt)) return false;
  const DropStmt *drop = reinterpret_cast<const DropStmt *>(parsetree);
  if (drop->removeType != OBJECT_EXTENSION && drop->removeType != OBJECT_SCHEMA) return false;
  const List *objects = drop->objects;
  for (int i = 0; i < list_length(objects); ++i) {
    const Node *object = static_cast<const Node *>(list_nth(objects, i));
    if (IsA(object, String) && std::string(strVal(object)) == "tenancy") return true;
  }
  return false;
}

// The extension's tables (its configuration tables, which pg_dump keeps) that hold rows.
std::vector<std::string> tables_with_rows() {
  using tenancy::pg::SpiStatement;
  SpiStatement statement(
      "SELECT c.oid::pg_catalog.regclass::pg_catalog.text,"
      "       tenancy.table_has_rows(c.oid::pg_catalog.regclass)"
      "  FROM pg_catalog.pg_extension e"
      "  CROSS JOIN LATERAL pg_catalog.unnest(e.extconfig) AS t(relid)"
      "  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid"
      " WHERE e.extname OPERATOR(pg_catalog.=) 'tenancy'"
      " ORDER BY 1",
      {}, SpiStatement::Lifetime::kCall);
  std::vector<std::string> found;
  tenancy::pg::SpiConnection spi;
  {
    tenancy::pg::SpiCursorReader reader(statement, nullptr, nullptr, {TEXTOID, BOOLOID}, 100);
    reader.for_each([&](const tenancy::pg::SpiRow &row) {
      if (!row.nulls[1] && DatumGetBool(row.values[1])) {
        found.push_back(tenancy::pg::text_from_datum(row.values[0]));
      }
    });
  }
  spi.finish();
  return found;
}

}  // namespace

namespace tenancy {

// tenancy.allow_drop_with_data: superuser-only escape hatch.
void define_drop_guard_settings() {
  DefineCustomBoolVariable("tenancy.allow_drop_with_data",
                           "Let DROP EXTENSION tenancy delete tables that hold rows.", nullptr,
                           &allow_drop_with_data, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

}  // namespace tenancy

// guard_drop(): ddl_command_start event trigger for DROP EXTENSION / DROP SCHEMA.
TENANCY_FUNCTION(tenancy_guard_drop) {
  if (!CALLED_AS_EVENT_TRIGGER(fcinfo)) {
    throw tenancy::Error(tenancy::sqlstate::kObjectNotInPrerequisiteState,
                         "tenancy.guard_drop() must be called as an event trigger");
  }
  const auto *event = reinterpret_cast<EventTriggerData *>(fcinfo->context);
  if (allow_drop_with_data || !drops_tenancy(event->parsetree)) PG_RETURN_VOID();
  const std::vector<std::string> tables = tables_with_rows();
  if (tables.empty()) PG_RETURN_VOID();
  std::string names;
  for (const std::string &table : tables) names += (names.empty() ? "" : ", ") + table;
  throw tenancy::Error(
      tenancy::sqlstate::kObjectNotInPrerequisiteState,
      "dropping tenancy would delete the rows of " + std::to_string(tables.size()) + " tables",
      "Tables with rows: " + names + ".",
      "Dump or export the data first; to drop anyway, a superuser can SET "
      "tenancy.allow_drop_with_data = on.");
}
