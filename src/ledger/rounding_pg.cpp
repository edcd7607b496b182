// round_half_even(value numeric, places int): banker's rounding, exactly, for currency
// conversion (PostgreSQL's round() rounds halves away from zero).
extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
}

#include <string>

#include "core/error.hpp"
#include "ledger/fixed_point.hpp"
#include "pg/guard.hpp"

// round_half_even(value numeric, places int) RETURNS numeric. NaN and infinities pass through.
TENANCY_FUNCTION(tenancy_round_half_even) {
  const Datum value = PG_GETARG_DATUM(0);
  const int places = PG_GETARG_INT32(1);
  if (places < 0 || places > 1000) {
    throw tenancy::Error(tenancy::sqlstate::kInvalidParameterValue,
                         "places must be between 0 and 1000");
  }
  const char *printed = tenancy::pg::pg_call(
      [&] { return DatumGetCString(DirectFunctionCall1(numeric_out, value)); });
  const std::string text(printed);
  const auto rounded = tenancy::round_half_even(text, places);
  if (!rounded) return value;  // NaN, Infinity, -Infinity
  return tenancy::pg::pg_call([&] {
    return DirectFunctionCall3(numeric_in, CStringGetDatum(rounded->c_str()),
                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  });
}
