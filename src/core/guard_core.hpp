// The pure half of the two-zone guard: run C++ code, and turn any exception into plain data
// once every object the code created has been destroyed.
#pragma once

namespace tenancy {

// A plain-data description of an exception, safe to keep while PostgreSQL longjmps.
// Fields are left uninitialized until capture_current_exception fills every one of them, so
// the guard costs nothing on the path where no exception is thrown.
struct CapturedError {
  char sqlstate[6];
  char message[1024];
  char detail[1024];
  char hint[512];
  // Non-null when the exception wrapped an error raised by PostgreSQL itself.
  const void *foreign_error;
};

// Describes the exception currently being handled; must be called inside a catch block.
void capture_current_exception(CapturedError &out) noexcept;

// Runs body(); returns false with `error` filled when it threw. By the time this returns, the
// exception object and every local of body() are gone, so the caller may longjmp freely.
template <typename Body>
bool run_captured(Body &&body, CapturedError &error) noexcept {
  try {
    body();
    return true;
  } catch (...) {
    capture_current_exception(error);
  }
  return false;
}

}  // namespace tenancy
