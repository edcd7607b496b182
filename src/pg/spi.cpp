// SPI connection, kept statements and the batched cursor reader.
extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/lsyscache.h"
}

#include "pg/spi.hpp"

namespace tenancy::pg {

// Connects to SPI.
SpiConnection::SpiConnection() : connected_(false), pg_errors_at_connect_(pg_errors_caught()) {
  const int status = pg_call([] { return SPI_connect(); });
  if (status != SPI_OK_CONNECT) {
    throw Error(sqlstate::kInternalError,
                std::string("SPI_connect failed: ") + SPI_result_code_string(status));
  }
  connected_ = true;
}

// Disconnects unless a PostgreSQL error since connecting left SPI to the transaction abort.
// A destructor must not throw: a failure here (not expected from SPI_finish) is dropped, and
// PostgreSQL's end-of-transaction check reports any SPI connection left behind.
SpiConnection::~SpiConnection() {
  if (connected_ && pg_errors_caught() == pg_errors_at_connect_) {
    connected_ = false;
    try {
      pg_call([] { SPI_finish(); });
    } catch (...) {
    }
  }
}

// Disconnects explicitly.
void SpiConnection::finish() {
  if (!connected_) return;
  connected_ = false;
  pg_call([] { SPI_finish(); });
}

// Prepares and keeps the plan; later calls reuse it (PostgreSQL re-plans on schema changes).
SPIPlanPtr SpiStatement::plan() {
  if (plan_ != nullptr) return plan_;
  SPIPlanPtr prepared = pg_call([&] {
    return SPI_prepare(sql_, static_cast<int>(argument_types_.size()), argument_types_.data());
  });
  if (prepared == nullptr) {
    throw Error(sqlstate::kInternalError,
                std::string("SPI_prepare failed: ") + SPI_result_code_string(SPI_result));
  }
  if (lifetime_ == Lifetime::kBackend) pg_call([&] { return SPI_keepplan(prepared); });
  plan_ = prepared;
  return plan_;
}

// Opens a read-only cursor over the kept plan and checks its columns.
SpiCursorReader::SpiCursorReader(SpiStatement &statement, const Datum *arguments,
                                 const char *arg_nulls, std::vector<Oid> expected_columns,
                                 long batch_rows)
    : pg_errors_at_open_(pg_errors_caught()),
      expected_columns_(std::move(expected_columns)),
      batch_rows_(batch_rows > 0 ? batch_rows : 1),
      values_(expected_columns_.size()),
      nulls_(new bool[expected_columns_.size()]) {
  SPIPlanPtr plan = statement.plan();
  portal_ = pg_call([&] {
    return SPI_cursor_open(nullptr, plan, const_cast<Datum *>(arguments), arg_nulls, true);
  });
  try {
    check_columns(portal_->tupDesc);
  } catch (const Error &) {
    close();  // the destructor of a half-built reader does not run
    throw;
  }
}

// Closes the portal unless a PostgreSQL error is unwinding (then the abort closes it).
SpiCursorReader::~SpiCursorReader() {
  if (portal_ != nullptr && pg_errors_caught() == pg_errors_at_open_) {
    try {
      close();
    } catch (...) {  // never throw from a destructor; the portal dies with the transaction
    }
  }
}

// One SPI_cursor_fetch.
uint64 SpiCursorReader::fetch_batch() {
  pg_call([&] { SPI_cursor_fetch(portal_, true, batch_rows_); });
  batch_ = SPI_tuptable;
  return SPI_processed;
}

// heap_deform_tuple into the reader's arrays.
SpiRow SpiCursorReader::deform(uint64 i) {
  pg_call(
      [&] { heap_deform_tuple(batch_->vals[i], batch_->tupdesc, values_.data(), nulls_.get()); });
  return SpiRow{values_.data(), nulls_.get()};
}

// Frees the tuples of the batch just read.
void SpiCursorReader::release_batch() {
  if (batch_ == nullptr) return;
  SPITupleTable *batch = batch_;
  batch_ = nullptr;
  pg_call([&] { SPI_freetuptable(batch); });
}

// Column count and types must match exactly what the caller will read.
void SpiCursorReader::check_columns(TupleDesc descriptor) {
  check_result_columns(descriptor, expected_columns_);
}

// 42804 unless the descriptor has exactly the expected column types.
void check_result_columns(TupleDesc descriptor, const std::vector<Oid> &expected) {
  if (descriptor->natts != static_cast<int>(expected.size())) {
    throw Error(sqlstate::kDatatypeMismatch, "query returned " + std::to_string(descriptor->natts) +
                                                 " columns, expected " +
                                                 std::to_string(expected.size()));
  }
  for (int i = 0; i < descriptor->natts; ++i) {
    const Oid actual = TupleDescAttr(descriptor, i)->atttypid;
    if (actual != expected[i]) {
      throw Error(sqlstate::kDatatypeMismatch, "query column " + std::to_string(i + 1) +
                                                   " has type oid " + std::to_string(actual) +
                                                   ", expected " + std::to_string(expected[i]));
    }
  }
}

// SPI_cursor_close, once.
void SpiCursorReader::close() {
  if (portal_ == nullptr) return;
  Portal portal = portal_;
  portal_ = nullptr;
  pg_call([&] { SPI_cursor_close(portal); });
}

}  // namespace tenancy::pg
