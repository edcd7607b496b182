// The executor-to-C++ row stream: a DestReceiver over SPI_execute_plan_extended.
extern "C" {
#include "postgres.h"

#include "executor/tuptable.h"
#include "nodes/params.h"
}

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

// receiveSlot: splits the slot (a PostgreSQL call, made with no C++ object alive in this
// frame) and hands its values to the C++ callback; false stops the executor after an error.
bool receive_row(TupleTableSlot *slot, DestReceiver *self) {
  auto *receiver = reinterpret_cast<RowStreamReceiver *>(self);
  if (receiver->error) return false;
  slot_getallattrs(slot);
  ++receiver->rows;
  return receiver->deliver(receiver, SpiRow{slot->tts_values, slot->tts_isnull});
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
  // SPI reports a SELECT into a receiver that is not its own as SPI_OK_UTILITY (DestNone).
  if (status != SPI_OK_SELECT && status != SPI_OK_UTILITY && !receiver.error) {
    throw Error(sqlstate::kInternalError,
                std::string("SPI_execute_plan_extended failed: ") + SPI_result_code_string(status));
  }
}

}  // namespace tenancy::pg
