// record_cost in C: the ledger's hot write path. The checks are a few comparisons here, where
// PL/pgSQL spent 16-20 us per call interpreting them; the INSERT is one statement prepared
// once per backend. Declared SECURITY DEFINER with a pinned search_path (ledger.sql): the
// application role has no INSERT on cost_ledger, so every entry passes these checks.
extern "C" {
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/uuid.h"
}

#include "context/context_state.hpp"
#include "context/org_role.hpp"
#include "core/error.hpp"
#include "pg/clock.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

namespace {

using tenancy::Error;
namespace sqlstate = tenancy::sqlstate;
namespace tpg = tenancy::pg;

constexpr char kUndefinedObject[] = "42704";

// The context's organization and user, or 42501 unless a MEMBER or higher role is in force.
tenancy::TenantContext require_ledger_writer() {
  const tenancy::TenantContext context =
      tenancy::current_tenant_context(tpg::statement_unix_microseconds());
  if (context.org_id == nullptr || context.role < static_cast<int>(tenancy::OrgRole::kMember)) {
    throw Error(sqlstate::kInsufficientPrivilege,
                "writing to the ledger needs a tenant context with the MEMBER role or higher");
  }
  return context;
}

// 22023 unless amount (argument 0) is finite with at most 2 decimal places. The column is
// numeric(18,2), which would round a third decimal silently.
void check_amount(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(0)) {
    throw Error(sqlstate::kInvalidParameterValue, "amount must be a finite number");
  }
  const Datum amount = PG_GETARG_DATUM(0);
  const int exact = tpg::pg_call([&] {
    Numeric value = DatumGetNumeric(amount);
    if (numeric_is_nan(value) || numeric_is_inf(value)) return -1;
    const Datum truncated = DirectFunctionCall2(numeric_trunc, amount, Int32GetDatum(2));
    return DatumGetBool(DirectFunctionCall2(numeric_eq, amount, truncated)) ? 1 : 0;
  });
  if (exact < 0) throw Error(sqlstate::kInvalidParameterValue, "amount must be a finite number");
  if (exact == 0) {
    throw Error(sqlstate::kInvalidParameterValue, "amount must have at most 2 decimal places");
  }
}

// 22023 unless currency (argument 1) is three upper-case ASCII letters.
void check_currency(FunctionCallInfo fcinfo) {
  bool valid = !PG_ARGISNULL(1);
  if (valid) {
    const std::string_view code = tpg::text_view(PG_GETARG_DATUM(1));
    valid = code.size() == 3;
    for (const char letter : code) valid = valid && letter >= 'A' && letter <= 'Z';
  }
  if (!valid) {
    throw Error(sqlstate::kInvalidParameterValue,
                "currency must be an ISO 4217 code: three upper-case letters");
  }
}

// 22023 unless entry_date (argument 2) is a finite date.
void check_entry_date(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(2) || DATE_NOT_FINITE(PG_GETARG_DATEADT(2))) {
    throw Error(sqlstate::kInvalidParameterValue, "entry_date must be a finite date");
  }
}

// 42704 unless project (argument 4) is a live project of org: another organization's project
// answers exactly like a missing one. Read-write SPI, as PL/pgSQL runs a VOLATILE function's
// statements: a new snapshot, so the check sees what the INSERT's foreign key check will see.
void check_project(FunctionCallInfo fcinfo, Datum org) {
  static tpg::SpiStatement statement(
      "SELECT EXISTS (SELECT 1 FROM tenancy.projects p WHERE p.organization_id "
      "OPERATOR(pg_catalog.=) $1 AND p.id OPERATOR(pg_catalog.=) $2 AND p.deleted_at IS NULL)",
      {UUIDOID, UUIDOID});
  Datum arguments[2] = {org, PG_GETARG_DATUM(4)};
  SPIPlanPtr plan = statement.plan();
  const int exists = tpg::pg_call([&] {  // 1 yes, 0 no, -1 the query failed
    if (SPI_execute_plan(plan, arguments, nullptr, false, 1) != SPI_OK_SELECT ||
        SPI_processed != 1) {
      return -1;
    }
    bool is_null = false;
    const Datum found = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    return !is_null && DatumGetBool(found) ? 1 : 0;
  });
  if (exists < 0) throw Error(sqlstate::kInternalError, "record_cost: the project check failed");
  if (exists == 0) throw Error(kUndefinedObject, "project does not exist");
}

// INSERTs the entry and returns its id (a uuid Datum in the caller's memory context).
Datum insert_entry(FunctionCallInfo fcinfo, const tenancy::TenantContext &context, Datum org) {
  static tpg::SpiStatement statement(
      "INSERT INTO tenancy.cost_ledger (organization_id, project_id, description, amount, "
      "currency, entry_date, created_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {UUIDOID, UUIDOID, TEXTOID, NUMERICOID, TEXTOID, DATEOID, UUIDOID});
  const Datum user = context.user_id == nullptr
                         ? Datum(0)
                         : tpg::uuid_datum(tenancy::uuid_from_bytes(context.user_id));
  const Datum values[7] = {org,
                           PG_ARGISNULL(4) ? Datum(0) : PG_GETARG_DATUM(4),
                           PG_ARGISNULL(3) ? Datum(0) : PG_GETARG_DATUM(3),
                           PG_GETARG_DATUM(0),
                           PG_GETARG_DATUM(1),
                           PG_GETARG_DATUM(2),
                           user};
  const char nulls[8] = {' ',
                         PG_ARGISNULL(4) ? 'n' : ' ',
                         PG_ARGISNULL(3) ? 'n' : ' ',
                         ' ',
                         ' ',
                         ' ',
                         context.user_id == nullptr ? 'n' : ' ',
                         '\0'};
  SPIPlanPtr plan = statement.plan();
  const int status = tpg::pg_call(
      [&] { return SPI_execute_plan(plan, const_cast<Datum *>(values), nulls, false, 0); });
  if (status != SPI_OK_INSERT_RETURNING || SPI_processed != 1) {
    throw Error(sqlstate::kInternalError, "record_cost: the entry was not inserted");
  }
  // The id, copied out of SPI's memory into the memory the function returns in.
  return tpg::pg_call([&]() -> Datum {
    bool is_null = false;
    const Datum id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    (void)is_null;  // id is NOT NULL
    return SPI_datumTransfer(id, false, UUID_LEN);
  });
}

}  // namespace

// record_cost(amount, currency, entry_date, description, project_id) RETURNS uuid: a cost entry
// of the context's organization (MEMBER+), by the context's user.
TENANCY_FUNCTION(tenancy_record_cost) {
  const tenancy::TenantContext context = require_ledger_writer();
  check_amount(fcinfo);
  check_currency(fcinfo);
  check_entry_date(fcinfo);
  const Datum org = tpg::uuid_datum(tenancy::uuid_from_bytes(context.org_id));
  tpg::SpiConnection connection;
  if (!PG_ARGISNULL(4)) check_project(fcinfo, org);
  const Datum id = insert_entry(fcinfo, context, org);
  connection.finish();
  return id;
}
