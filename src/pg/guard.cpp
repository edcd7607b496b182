// The guard's PostgreSQL half: raising captured errors and capturing PostgreSQL errors.
extern "C" {
#include "postgres.h"
}

#include "pg/guard.hpp"

namespace tenancy::pg {

// Keeps the ErrorData; its message doubles as what() for C++ code that logs it.
PgError::PgError(ErrorData *data)
    : Error(unpack_sql_state(data->sqlerrcode), data->message != nullptr ? data->message : ""),
      data_(data) {}

namespace {
uint64_t caught_pg_errors = 0;
}

// The number of PostgreSQL errors caught so far.
uint64_t pg_errors_caught() { return caught_pg_errors; }

// Copies the error out of ErrorContext inside PG_CATCH, then throws once PG_TRY is closed.
void run_pg_try(void (*run)(void *), void *context) {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData *volatile caught = nullptr;
  PG_TRY();
  { run(context); }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    caught = CopyErrorData();
    FlushErrorState();
    ++caught_pg_errors;
  }
  PG_END_TRY();
  if (caught != nullptr) throw PgError(caught);
}

// Re-raises PostgreSQL's own error unchanged, or reports a C++ error with its SQLSTATE.
void raise_captured(const CapturedError &error) {
  if (error.foreign_error != nullptr) {
    ReThrowError(static_cast<ErrorData *>(const_cast<void *>(error.foreign_error)));
  }
  const char *code = error.sqlstate;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(code[0], code[1], code[2], code[3], code[4])),
                  errmsg_internal("%s", error.message),
                  error.detail[0] != '\0' ? errdetail_internal("%s", error.detail) : 0,
                  error.hint[0] != '\0' ? errhint("%s", error.hint) : 0));
  pg_unreachable();
}

// The body runs in a lambda whose frame is gone before raise_captured longjmps.
Datum run_guarded(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo)) {
  CapturedError error;
  Datum result = static_cast<Datum>(0);
  if (run_captured([&] { result = body(fcinfo); }, error)) return result;
  raise_captured(error);
}

}  // namespace tenancy::pg
