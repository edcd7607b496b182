// The boundary of the two-zone rule: SQL-callable functions run their C++ body inside a guard,
// and PostgreSQL calls made from C++ go through pg_call, so neither kind of error crosses over.
#pragma once

#include "pg/zone.hpp"

#include <cstdint>
#include <type_traits>

#include "core/error.hpp"
#include "core/guard_core.hpp"

extern "C" {
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace tenancy::pg {

// A PostgreSQL error caught by pg_call, carried through C++ frames and re-raised unchanged
// (same SQLSTATE, message, and for cancels the same cancel) once they have unwound.
class PgError : public Error {
 public:
  explicit PgError(ErrorData *data);
  // The copied ErrorData to re-raise.
  const void *foreign_error() const noexcept override { return data_; }

 private:
  ErrorData *data_;
};

// Raises captured C++ error data as a PostgreSQL ERROR; never returns.
[[noreturn]] void raise_captured(const CapturedError &error);

// How many PostgreSQL errors pg_call has caught in this backend. Cleanup code compares it with
// the count at acquisition: a PostgreSQL error in between means the resource belongs to the
// transaction abort that the re-raised error will cause.
uint64_t pg_errors_caught();

// Runs run(context) under PG_TRY; a PostgreSQL error is copied, cleared and thrown as PgError.
// The setjmp lives in this function's frame, which holds nothing that longjmp could clobber.
void run_pg_try(void (*run)(void *), void *context);

// Runs `call`, which must consist of PostgreSQL calls and plain data only (no object with a
// destructor may live inside it). A PostgreSQL error becomes a PgError exception, which must
// be re-raised (reach the guard): PostgreSQL's state after an error is only made consistent
// again by aborting the (sub)transaction.
template <typename Call>
auto pg_call(Call &&call) -> decltype(call()) {
  using Result = decltype(call());
  using CallType = std::remove_reference_t<Call>;
  if constexpr (std::is_void_v<Result>) {
    run_pg_try([](void *context) { (*static_cast<CallType *>(context))(); }, &call);
  } else {
    static_assert(std::is_trivially_copyable_v<Result>, "pg_call returns plain data only");
    struct Frame {
      CallType *call;
      Result result;
    } frame{&call, Result{}};
    run_pg_try(
        [](void *context) {
          auto *target = static_cast<Frame *>(context);
          target->result = (*target->call)();
        },
        &frame);
    return frame.result;
  }
}

// Honours query cancel and statement_timeout from C++ loops: throws PostgreSQL's own error.
inline void check_for_interrupts() {
  if (unlikely(INTERRUPTS_PENDING_CONDITION())) pg_call([] { ProcessInterrupts(); });
}

// Calls body inside the guard; any exception becomes an ereport(ERROR) after unwinding.
Datum run_guarded(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo));

}  // namespace tenancy::pg

// Declares a SQL-callable function `name` whose C++ body follows the macro; the body runs
// inside tenancy::pg::run_guarded.
#define TENANCY_FUNCTION(name)                                                                     \
  static Datum name##_guarded_body(FunctionCallInfo fcinfo);                                       \
  extern "C" {                                                                                     \
  PG_FUNCTION_INFO_V1(name);                                                                       \
  Datum name(PG_FUNCTION_ARGS) { return ::tenancy::pg::run_guarded(fcinfo, name##_guarded_body); } \
  }                                                                                                \
  static Datum name##_guarded_body([[maybe_unused]] FunctionCallInfo fcinfo)
