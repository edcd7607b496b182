// Classification of in-flight exceptions into SQLSTATE-carrying plain data.
#include "core/guard_core.hpp"

#include <cstdio>
#include <exception>
#include <new>

#include "core/error.hpp"

namespace tenancy {

namespace {

// Copies text into a fixed buffer, truncating, never throwing.
template <size_t N>
void copy_text(char (&target)[N], const char *text) noexcept {
  std::snprintf(target, N, "%s", text != nullptr ? text : "");
}

}  // namespace

// Rethrows the current exception to learn its type, then records what the report needs.
void capture_current_exception(CapturedError &out) noexcept {
  out.detail[0] = '\0';
  out.hint[0] = '\0';
  out.foreign_error = nullptr;
  try {
    throw;
  } catch (const Error &error) {
    copy_text(out.sqlstate, error.sqlstate());
    copy_text(out.message, error.what());
    copy_text(out.detail, error.detail().c_str());
    copy_text(out.hint, error.hint().c_str());
    out.foreign_error = error.foreign_error();
  } catch (const std::bad_alloc &) {
    copy_text(out.sqlstate, sqlstate::kOutOfMemory);
    copy_text(out.message, "out of memory");
  } catch (const std::exception &error) {
    copy_text(out.sqlstate, sqlstate::kInternalError);
    std::snprintf(out.message, sizeof out.message, "internal error in tenancy: %s", error.what());
  } catch (...) {
    copy_text(out.sqlstate, sqlstate::kInternalError);
    copy_text(out.message, "internal error in tenancy: unknown exception");
  }
}

}  // namespace tenancy
