// The executor-to-C++ row stream: a DestReceiver over SPI_execute_plan_extended.
extern "C" {
#include "postgres.h"

#include "executor/tuptable.h"
#include "nodes/params.h"
#include "utils/elog.h"
}

#include <exception>
#include <string>

#include "pg/spi_stream.hpp"

namespace tenancy::pg {

namespace {

// rStartup: the result's columns must be exactly the expected ones; otherwise the error is
// kept for stream_rows to rethrow (nothing may be thrown into the executor) and no row is
// delivered.
void start_stream(DestReceiver *self, int, TupleDesc descriptor) {
  auto *receiver = reinterpret_cast<RowStreamReceiver *>(self);
  try {
    check_result_columns(descriptor, *receiver->expected_columns);
  } catch (...) {
    receiver->error = std::current_exception();
  }
}

// The PostgreSQL error a kept exception carries (a PgError from a pg_call in the callback), or
// nullptr for a C++ error. The catch block is left before the caller acts on the answer.
const ErrorData *foreign_error_of(const std::exception_ptr &error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const Error &caught) {
    return static_cast<const ErrorData *>(caught.foreign_error());
  } catch (...) {
    return nullptr;
  }
}

// receiveSlot: splits the slot (a PostgreSQL call, made with no C++ object alive in this
// frame) and hands its values to the C++ callback. After a C++ error it returns false, which
// stops the executor. A PostgreSQL error caught in the callback is raised again at once, on its
// way to the abort (PostgreSQL's state is only consistent again after it): it longjmps through
// the executor to the pg_call around the execution, over no C++ object (the receiver and its
// kept exception live in stream_rows' frame, above that pg_call).
bool receive_row(TupleTableSlot *slot, DestReceiver *self) {
  auto *receiver = reinterpret_cast<RowStreamReceiver *>(self);
  if (receiver->error) return false;
  slot_getallattrs(slot);
  ++receiver->rows;
  if (receiver->deliver(receiver, SpiRow{slot->tts_values, slot->tts_isnull})) return true;
  const ErrorData *foreign = foreign_error_of(receiver->error);
  if (foreign != nullptr) ReThrowError(const_cast<ErrorData *>(foreign));
  return false;
}

// rShutdown and rDestroy: the receiver owns nothing.
void end_stream(DestReceiver *) {}

}  // namespace

// Builds the parameters and runs the kept plan read-only to completion into the receiver.
void run_row_stream(SpiStatement &statement, const Datum *arguments, const char *arg_nulls,
                    RowStreamReceiver &receiver) {
  receiver.base.receiveSlot = receive_row;
  receiver.base.rStartup = start_stream;
  receiver.base.rShutdown = end_stream;
  receiver.base.rDestroy = end_stream;
  receiver.base.mydest = DestNone;
  SPIPlanPtr plan = statement.plan();
  const int count = statement.argument_count();
  const int status = pg_call([&] {
    ParamListInfo params = count > 0 ? makeParamList(count) : nullptr;
    for (int i = 0; i < count; ++i) {
      ParamExternData &param = params->params[i];
      param.value = arguments[i];
      param.isnull = arg_nulls != nullptr && arg_nulls[i] == 'n';
      param.pflags = PARAM_FLAG_CONST;
      param.ptype = SPI_getargtypeid(plan, i);
    }
    SPIExecuteOptions options;
    memset(&options, 0, sizeof options);
    options.params = params;
    options.read_only = true;
    options.dest = &receiver.base;
    return SPI_execute_plan_extended(plan, &options);
  });
  // SPI reports a SELECT as SPI_OK_UTILITY when the receiver says DestNone, as this one does.
  if (status != SPI_OK_UTILITY && !receiver.error) {
    throw Error(sqlstate::kInternalError,
                std::string("SPI_execute_plan_extended failed: ") + SPI_result_code_string(status));
  }
}

}  // namespace tenancy::pg
