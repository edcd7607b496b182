// Tests of the pure half of the two-zone guard in core/guard_core.
#include "core/guard_core.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace {

using tenancy::CapturedError;
using tenancy::run_captured;

// Counts destructor runs of a local object.
struct DestructionCounter {
  explicit DestructionCounter(int &count) : count_(count) {}
  ~DestructionCounter() { ++count_; }
  int &count_;
};

// An exception that counts how many of its objects are alive.
class CountedError : public tenancy::Error {
 public:
  static int alive;
  CountedError() : tenancy::Error(tenancy::sqlstate::kInvalidAuthorization, "counted") { ++alive; }
  CountedError(const CountedError &other) : tenancy::Error(other) { ++alive; }
  ~CountedError() override { --alive; }
};
int CountedError::alive = 0;

// An error wrapping a foreign (PostgreSQL) error.
class ForeignError : public tenancy::Error {
 public:
  explicit ForeignError(const void *foreign)
      : tenancy::Error(tenancy::sqlstate::kInternalError, "foreign"), foreign_(foreign) {}
  const void *foreign_error() const noexcept override { return foreign_; }

 private:
  const void *foreign_;
};

// A captured error pre-filled with junk, to prove every field is written.
CapturedError junk_error() {
  CapturedError error;
  std::memset(&error, 'J', sizeof error);
  error.sqlstate[5] = '\0';
  error.foreign_error = &error;
  return error;
}

// A body that completes returns true and has run.
TEST(GuardCore, CompletingBodyReturnsTrue) {
  CapturedError error;
  bool ran = false;
  EXPECT_TRUE(run_captured([&] { ran = true; }, error));
  EXPECT_TRUE(ran);
}

// A tenancy::Error gives its SQLSTATE, message, detail and hint.
TEST(GuardCore, TenancyErrorIsCapturedWithAllFields) {
  CapturedError error = junk_error();
  const bool completed = run_captured(
      [] {
        throw tenancy::Error(tenancy::sqlstate::kInsufficientPrivilege, "permission denied",
                             "the detail", "the hint");
      },
      error);
  EXPECT_FALSE(completed);
  EXPECT_STREQ(error.sqlstate, "42501");
  EXPECT_STREQ(error.message, "permission denied");
  EXPECT_STREQ(error.detail, "the detail");
  EXPECT_STREQ(error.hint, "the hint");
  EXPECT_EQ(error.foreign_error, nullptr);
}

// An Error without detail or hint leaves those fields empty.
TEST(GuardCore, EmptyDetailAndHintAreEmpty) {
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured(
      [] { throw tenancy::Error(tenancy::sqlstate::kInvalidTextRepresentation, "bad text"); },
      error));
  EXPECT_STREQ(error.sqlstate, "22P02");
  EXPECT_STREQ(error.message, "bad text");
  EXPECT_STREQ(error.detail, "");
  EXPECT_STREQ(error.hint, "");
}

// std::bad_alloc gives 53200 out of memory.
TEST(GuardCore, BadAllocIsOutOfMemory) {
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured([] { throw std::bad_alloc(); }, error));
  EXPECT_STREQ(error.sqlstate, "53200");
  EXPECT_STREQ(error.message, "out of memory");
  EXPECT_STREQ(error.detail, "");
  EXPECT_STREQ(error.hint, "");
  EXPECT_EQ(error.foreign_error, nullptr);
}

// std::runtime_error gives XX000 with its text in the message.
TEST(GuardCore, StdExceptionIsInternalErrorWithText) {
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured([] { throw std::runtime_error("something broke"); }, error));
  EXPECT_STREQ(error.sqlstate, "XX000");
  EXPECT_NE(std::strstr(error.message, "something broke"), nullptr) << error.message;
  EXPECT_STREQ(error.detail, "");
  EXPECT_STREQ(error.hint, "");
  EXPECT_EQ(error.foreign_error, nullptr);
}

// Other std::exception types (e.g. std::out_of_range from at()) are XX000 too.
TEST(GuardCore, OutOfRangeIsInternalError) {
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured([] { (void)std::string("abc").at(10); }, error));
  EXPECT_STREQ(error.sqlstate, "XX000");
}

// A non-exception type (throw 42) gives XX000.
TEST(GuardCore, NonExceptionTypeIsInternalError) {
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured([] { throw 42; }, error));
  EXPECT_STREQ(error.sqlstate, "XX000");
  EXPECT_GT(std::strlen(error.message), 0u);
  EXPECT_STREQ(error.detail, "");
  EXPECT_STREQ(error.hint, "");
  EXPECT_EQ(error.foreign_error, nullptr);
}

// Locals of the body are destroyed before run_captured returns, on both paths.
TEST(GuardCore, LocalsAreDestroyedBeforeReturn) {
  int destroyed = 0;
  CapturedError error;
  EXPECT_FALSE(run_captured(
      [&] {
        DestructionCounter first(destroyed);
        DestructionCounter second(destroyed);
        throw tenancy::Error(tenancy::sqlstate::kInsufficientPrivilege, "denied");
      },
      error));
  EXPECT_EQ(destroyed, 2);
  destroyed = 0;
  EXPECT_TRUE(run_captured([&] { DestructionCounter local(destroyed); }, error));
  EXPECT_EQ(destroyed, 1);
}

// The exception object itself is gone by the time run_captured returns.
TEST(GuardCore, ExceptionObjectIsDestroyedBeforeReturn) {
  CapturedError error;
  CountedError::alive = 0;
  EXPECT_FALSE(run_captured([] { throw CountedError(); }, error));
  EXPECT_EQ(CountedError::alive, 0);
  EXPECT_STREQ(error.sqlstate, "28000");
  EXPECT_STREQ(error.message, "counted");
}

// A subclass overriding foreign_error() has its pointer captured.
TEST(GuardCore, ForeignErrorPointerIsCaptured) {
  static int foreign_marker = 0;
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured([] { throw ForeignError(&foreign_marker); }, error));
  EXPECT_EQ(error.foreign_error, &foreign_marker);
  EXPECT_STREQ(error.sqlstate, "XX000");
  EXPECT_STREQ(error.message, "foreign");
}

// Long texts are truncated to the buffers and stay NUL-terminated.
TEST(GuardCore, LongTextsAreTruncated) {
  CapturedError error = junk_error();
  EXPECT_FALSE(run_captured(
      [] {
        throw tenancy::Error(tenancy::sqlstate::kInvalidParameterValue, std::string(5000, 'm'),
                             std::string(5000, 'd'), std::string(5000, 'h'));
      },
      error));
  EXPECT_STREQ(error.sqlstate, "22023");
  EXPECT_EQ(std::strlen(error.message), sizeof error.message - 1);
  EXPECT_EQ(std::strlen(error.detail), sizeof error.detail - 1);
  EXPECT_EQ(std::strlen(error.hint), sizeof error.hint - 1);
  EXPECT_EQ(error.message[0], 'm');
  EXPECT_EQ(error.detail[0], 'd');
  EXPECT_EQ(error.hint[0], 'h');
}

// capture_current_exception works directly inside a catch block.
TEST(GuardCore, CaptureInsideCatchBlock) {
  CapturedError error = junk_error();
  try {
    throw tenancy::Error(tenancy::sqlstate::kObjectNotInPrerequisiteState, "not ready");
  } catch (...) {
    tenancy::capture_current_exception(error);
  }
  EXPECT_STREQ(error.sqlstate, "55000");
  EXPECT_STREQ(error.message, "not ready");
}

// run_captured is noexcept, so a throwing body cannot escape it.
TEST(GuardCore, RunCapturedIsNoexcept) {
  CapturedError error;
  auto body = [] { throw 1; };
  EXPECT_TRUE(noexcept(run_captured(body, error)));
}

}  // namespace
