// Streams a statement's result rows straight from the executor to C++, without SPI's tuple
// table: each row is handed over as the executor's own slot values, so nothing is copied or
// re-split per row. For large reads (the dependency graph's edges).
#pragma once

#include "pg/zone.hpp"

#include <exception>
#include <type_traits>
#include <vector>

#include "pg/spi.hpp"

extern "C" {
#include "tcop/dest.h"
}

namespace tenancy::pg {

// The receiver the executor feeds. It lives in the C++ caller's frame; the executor calls it
// from inside pg_call. Its callbacks hold no C++ object across a PostgreSQL call, and no
// exception leaves them: a C++ error stops the execution (receiveSlot returns false) and is
// rethrown once the executor has returned.
struct RowStreamReceiver {
  DestReceiver base;  // first: the executor sees a DestReceiver
  const std::vector<Oid> *expected_columns;
  bool (*deliver)(RowStreamReceiver *self, const SpiRow &row) noexcept;
  void *on_row;
  std::exception_ptr error;
  uint64 rows = 0;
};

// Runs statement (an SPI connection must be open) with the arguments (SPI's ' '/'n' nulls
// convention), calling on_row(const SpiRow &) for every row; the values are valid during the
// call only. expected_columns are checked once (42804 on mismatch). Returns the row count.
// Cancel and statement_timeout are honoured by the executor between rows.
template <typename OnRow>
uint64 stream_rows(SpiStatement &statement, const Datum *arguments, const char *arg_nulls,
                   const std::vector<Oid> &expected_columns, OnRow &&on_row);

// Executes the plan into receiver (the non-template part of stream_rows).
void run_row_stream(SpiStatement &statement, const Datum *arguments, const char *arg_nulls,
                    RowStreamReceiver &receiver);

template <typename OnRow>
uint64 stream_rows(SpiStatement &statement, const Datum *arguments, const char *arg_nulls,
                   const std::vector<Oid> &expected_columns, OnRow &&on_row) {
  using Callback = std::remove_reference_t<OnRow>;
  RowStreamReceiver receiver{};
  receiver.expected_columns = &expected_columns;
  receiver.on_row = const_cast<void *>(static_cast<const void *>(&on_row));
  receiver.deliver = [](RowStreamReceiver *self, const SpiRow &row) noexcept {
    try {
      (*static_cast<Callback *>(self->on_row))(row);
      return true;
    } catch (...) {
      self->error = std::current_exception();
      return false;
    }
  };
  run_row_stream(statement, arguments, arg_nulls, receiver);
  if (receiver.error) std::rethrow_exception(receiver.error);
  return receiver.rows;
}

}  // namespace tenancy::pg
