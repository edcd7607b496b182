// Test-only SQL functions that drive tenancy's PostgreSQL-zone boundary helpers (guard, pg_call,
// check_for_interrupts, SPI cursor reader, materialized SRF, datum helpers) inside a server.
extern "C" {
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
}

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/srf.hpp"

extern "C" {
PG_MODULE_MAGIC;
}

using tenancy::Error;
using tenancy::pg::check_for_interrupts;
using tenancy::pg::MaterializedRows;
using tenancy::pg::pg_call;
using tenancy::pg::PgError;
using tenancy::pg::require_argument;
using tenancy::pg::SpiConnection;
using tenancy::pg::SpiCursorReader;
using tenancy::pg::SpiRow;
using tenancy::pg::SpiStatement;
using tenancy::pg::text_arg;
using tenancy::pg::text_datum;
namespace sqlstate = tenancy::sqlstate;

namespace {

// Destructors run by DestructorProbe objects in this backend: proof that C++ frames unwound.
int64 destructor_count = 0;

// A local whose destruction is counted.
struct DestructorProbe {
  ~DestructorProbe() { ++destructor_count; }
};

// Raises division_by_zero (22012) inside PostgreSQL and turns it into a PgError.
void divide_by_zero_in_postgres() {
  pg_call([] { DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0)); });
}

// A numeric Datum holding value, built by numeric_in from its decimal text.
Datum numeric_datum(__int128 value) {
  char buffer[48];
  char *digits = buffer + sizeof buffer;
  *--digits = '\0';
  unsigned __int128 magnitude =
      value < 0 ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  do {
    *--digits = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) *--digits = '-';
  const char *text = digits;
  return pg_call([&] {
    return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid),
                               Int32GetDatum(-1));
  });
}

}  // namespace

// Throws the exception named by kind (or returns) with a DestructorProbe in scope.
TENANCY_FUNCTION(boundary_throw) {
  DestructorProbe probe;
  require_argument(fcinfo, 0, "kind");
  const std::string kind = text_arg(fcinfo, 0);
  if (kind == "tenancy") {
    throw Error(sqlstate::kInvalidParameterValue, "bad value", "some detail", "some hint");
  }
  if (kind == "bad_alloc") throw std::bad_alloc();
  if (kind == "std") throw std::runtime_error("boom");
  if (kind == "int") throw 42;
  if (kind == "pg") {
    divide_by_zero_in_postgres();
    throw Error(sqlstate::kInternalError, "division by zero did not raise");
  }
  if (kind == "pg_then_catch") {
    try {
      divide_by_zero_in_postgres();
    } catch (const PgError &error) {
      if (std::strcmp(error.sqlstate(), "22012") != 0 || error.foreign_error() == nullptr) {
        throw Error(sqlstate::kInternalError,
                    std::string("caught an unexpected PgError: ") + error.sqlstate());
      }
      return text_datum("recovered");
    }
    throw Error(sqlstate::kInternalError, "division by zero did not raise");
  }
  if (kind == "none") return text_datum("ok");
  throw Error(sqlstate::kInvalidParameterValue, "unknown kind \"" + kind + "\"");
}

// The number of DestructorProbe objects destroyed so far in this backend.
TENANCY_FUNCTION(boundary_destructor_count) { return Int64GetDatum(destructor_count); }

// Sums a one-int8-column query read through SpiCursorReader; counts rows and non-empty batches.
TENANCY_FUNCTION(boundary_spi_sum) {
  DestructorProbe probe;
  require_argument(fcinfo, 0, "query");
  require_argument(fcinfo, 1, "batch_rows");
  const std::string query = text_arg(fcinfo, 0);
  const int32 batch_rows = PG_GETARG_INT32(1);
  if (batch_rows <= 0) {
    throw Error(sqlstate::kInvalidParameterValue, "batch_rows must be positive",
                "batch_rows is " + std::to_string(batch_rows) + ".");
  }
  MaterializedRows result(fcinfo);
  if (result.column_count() != 3) {
    throw Error(sqlstate::kInternalError, "boundary_spi_sum must return 3 columns");
  }

  int64 row_count = 0;
  int32 batches = 0;
  __int128 total = 0;
  uint64 rows_left_in_batch = 0;
  {
    SpiConnection spi;
    // Built per call: the query text changes from call to call.
    SpiStatement statement(query.c_str(), {}, SpiStatement::Lifetime::kCall);
    SpiCursorReader reader(statement, nullptr, nullptr, {INT8OID}, batch_rows);
    reader.for_each([&](const SpiRow &row) {
      if (rows_left_in_batch == 0) {
        // First row of a newly fetched batch: SPI_processed is that batch's size.
        if (SPI_processed == 0 || SPI_processed > static_cast<uint64>(batch_rows)) {
          throw Error(sqlstate::kInternalError,
                      "fetched a batch of " + std::to_string(SPI_processed) +
                          " rows, asked for at most " + std::to_string(batch_rows));
        }
        ++batches;
        rows_left_in_batch = SPI_processed;
      }
      --rows_left_in_batch;
      ++row_count;
      if (!row.nulls[0]) total += DatumGetInt64(row.values[0]);
    });
    spi.finish();
  }
  if (rows_left_in_batch != 0) {
    throw Error(sqlstate::kInternalError, "for_each stopped in the middle of a batch");
  }

  Datum values[3] = {Int64GetDatum(row_count), Int32GetDatum(batches), numeric_datum(total)};
  bool nulls[3] = {false, false, false};
  result.add_row(values, nulls);
  return static_cast<Datum>(0);
}

// Spins in pure C++ for up to max_seconds, checking for interrupts every iteration.
TENANCY_FUNCTION(boundary_spin) {
  std::vector<DestructorProbe> held(3);
  require_argument(fcinfo, 0, "max_seconds");
  const float8 max_seconds = PG_GETARG_FLOAT8(0);
  if (!std::isfinite(max_seconds) || max_seconds < 0 || max_seconds > 3600) {
    throw Error(sqlstate::kInvalidParameterValue, "max_seconds must be between 0 and 3600");
  }
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                        std::chrono::duration<double>(max_seconds));
  std::string scratch(64, 'a');
  uint64_t state = 1;
  int64 iterations = 0;
  while (Clock::now() < deadline) {
    check_for_interrupts();
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    scratch[state % scratch.size()] = static_cast<char>('a' + (state >> 59));
    ++iterations;
  }
  if (scratch.size() != 64 || held.size() != 3) {
    throw Error(sqlstate::kInternalError, "spin state was corrupted");
  }
  return Int64GetDatum(iterations);
}

// Returns n rows (i, 'row i') through MaterializedRows; a negative n is 22023.
TENANCY_FUNCTION(boundary_srf) {
  DestructorProbe probe;
  MaterializedRows result(fcinfo);
  require_argument(fcinfo, 0, "n");
  const int32 n = PG_GETARG_INT32(0);
  if (n < 0) {
    throw Error(sqlstate::kInvalidParameterValue, "n must not be negative",
                "n is " + std::to_string(n) + ".");
  }
  if (result.column_count() != 2) {
    throw Error(sqlstate::kInternalError, "boundary_srf must return 2 columns");
  }
  for (int32 i = 1; i <= n; ++i) {
    const std::string label = "row " + std::to_string(i);
    Datum values[2] = {Int32GetDatum(i), text_datum(label)};
    bool nulls[2] = {false, false};
    result.add_row(values, nulls);
  }
  return static_cast<Datum>(0);
}

// Catches a column-type mismatch (a C++ error, no PostgreSQL error involved) outside the SPI
// scope and returns its SQLSTATE: the connection and the cursor must still be cleaned up.
TENANCY_FUNCTION(boundary_spi_caught_mismatch) {
  try {
    SpiConnection spi;
    SpiStatement statement("SELECT 'text'::text", {}, SpiStatement::Lifetime::kCall);
    SpiCursorReader reader(statement, nullptr, nullptr, {INT8OID}, 10);
    spi.finish();
  } catch (const Error &error) {
    return text_datum(error.sqlstate());
  }
  return text_datum("none");
}
