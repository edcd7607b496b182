// SPI from C++: a scoped connection, statements prepared once per backend, and a cursor reader
// that fetches in batches, checks column types once and honours cancel between batches.
#pragma once

#include "pg/zone.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pg/guard.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace tenancy::pg {

// SPI_connect for one C++ scope. The destructor disconnects on every path, except when a
// PostgreSQL error was caught since connecting: then SPI's state belongs to the abort that the
// error must lead to (a PgError is always re-raised), and the abort cleans SPI up.
class SpiConnection {
 public:
  SpiConnection();
  ~SpiConnection();
  SpiConnection(const SpiConnection &) = delete;
  SpiConnection &operator=(const SpiConnection &) = delete;

  // Disconnects; call once the results have been copied out.
  void finish();

 private:
  bool connected_;
  uint64_t pg_errors_at_connect_;
};

// A statement text with its argument types, planned on first use. A function-static statement
// keeps its plan for the backend (kBackend); a statement built per call (kCall) leaves its plan
// in the SPI connection's memory, freed by SPI_finish.
class SpiStatement {
 public:
  enum class Lifetime { kBackend, kCall };

  SpiStatement(const char *sql, std::vector<Oid> argument_types,
               Lifetime lifetime = Lifetime::kBackend)
      : sql_(sql), argument_types_(std::move(argument_types)), lifetime_(lifetime) {}

  // The kept plan; prepares it the first time (requires an SPI connection).
  SPIPlanPtr plan();

  // The number of arguments.
  int argument_count() const { return static_cast<int>(argument_types_.size()); }

 private:
  const char *sql_;
  std::vector<Oid> argument_types_;
  Lifetime lifetime_;
  SPIPlanPtr plan_ = nullptr;
};

// 42804 unless the descriptor has exactly the expected column types.
void check_result_columns(TupleDesc descriptor, const std::vector<Oid> &expected);

// One fetched row: values valid until the next batch is fetched.
struct SpiRow {
  const Datum *values;
  const bool *nulls;
};

// A read-only cursor over a statement, read in batches.
class SpiCursorReader {
 public:
  // Opens the cursor; arg_nulls uses SPI's ' '/'n' convention. expected_columns are checked
  // against the result once (42804 on mismatch).
  SpiCursorReader(SpiStatement &statement, const Datum *arguments, const char *arg_nulls,
                  std::vector<Oid> expected_columns, long batch_rows = 1000);
  ~SpiCursorReader();
  SpiCursorReader(const SpiCursorReader &) = delete;
  SpiCursorReader &operator=(const SpiCursorReader &) = delete;

  // Calls on_row(const SpiRow &) for every row, checking for interrupts between batches.
  template <typename OnRow>
  void for_each(OnRow &&on_row) {
    for (;;) {
      check_for_interrupts();
      const uint64 fetched = fetch_batch();
      for (uint64 i = 0; i < fetched; ++i) on_row(deform(i));
      release_batch();
      if (fetched < static_cast<uint64>(batch_rows_)) break;
    }
    close();
  }

 private:
  // Fetches the next batch into SPI_tuptable; returns the row count.
  uint64 fetch_batch();
  // Splits row i of the batch into values_/nulls_.
  SpiRow deform(uint64 i);
  // Frees the batch.
  void release_batch();
  // Compares the cursor's columns with the expected types.
  void check_columns(TupleDesc descriptor);
  // Closes the portal.
  void close();

  Portal portal_ = nullptr;
  uint64_t pg_errors_at_open_;
  std::vector<Oid> expected_columns_;
  long batch_rows_;
  SPITupleTable *batch_ = nullptr;
  std::vector<Datum> values_;
  std::unique_ptr<bool[]> nulls_;
};

}  // namespace tenancy::pg
