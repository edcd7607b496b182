// The money_sum aggregate: exact sums of amounts with at most two decimals in 128-bit cents.
// The transition function reads the numeric's stored digits directly (no palloc, no numeric
// library call per row); the final function prints the sum and lets numeric_in build the value,
// so the result is the one sum(numeric) returns, display scale included. Parallel: combine,
// serialize and deserialize. A value out of range is an error (22003), never a wrong total.
extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
}

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "core/error.hpp"
#include "ledger/fixed_point.hpp"
#include "pg/guard.hpp"

namespace {

using tenancy::Int128;
using tenancy::MoneyAccumulator;

constexpr char kNumericValueOutOfRange[] = "22003";

// Header bits of a stored numeric (the on-disk format of PostgreSQL's numeric type).
constexpr uint16_t kSignMask = 0xC000;
constexpr uint16_t kNegative = 0x4000;
constexpr uint16_t kShort = 0x8000;
constexpr uint16_t kSpecial = 0xC000;
constexpr uint16_t kShortSignMask = 0x2000;
constexpr uint16_t kShortDscaleMask = 0x1F80;
constexpr int kShortDscaleShift = 7;
constexpr uint16_t kShortWeightSignMask = 0x0040;
constexpr uint16_t kShortWeightMask = 0x003F;
constexpr uint16_t kLongDscaleMask = 0x3FFF;

// Reads a 16-bit word at any alignment (packed varlenas are not aligned).
uint16_t read_word(const char *at) {
  uint16_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// The aggregate's memory context; the support functions are only called as an aggregate's.
MemoryContext aggregate_context(FunctionCallInfo fcinfo) {
  MemoryContext context = nullptr;
  if (AggCheckCallContext(fcinfo, &context) == 0) {
    throw tenancy::Error(tenancy::sqlstate::kObjectNotInPrerequisiteState,
                         "money_sum support functions can only be called by the aggregate");
  }
  return context;
}

// A fresh state in the aggregate's context (once per group). palloc aligns to 8 bytes; the
// 128-bit sum needs 16, so the block is over-allocated and the state placed on a 16-byte
// boundary inside it.
MoneyAccumulator *new_state(MemoryContext context) {
  constexpr size_t kAlignment = alignof(MoneyAccumulator);
  void *memory = tenancy::pg::pg_call(
      [&] { return MemoryContextAlloc(context, sizeof(MoneyAccumulator) + kAlignment); });
  const auto address = reinterpret_cast<uintptr_t>(memory);
  const uintptr_t aligned = (address + kAlignment - 1) & ~(uintptr_t{kAlignment} - 1);
  return new (reinterpret_cast<void *>(aligned)) MoneyAccumulator();
}

// The error for a value money_sum cannot add exactly.
tenancy::Error out_of_range(const char *why) {
  return tenancy::Error(kNumericValueOutOfRange, std::string("money_sum: ") + why,
                        "money_sum adds amounts with at most 2 decimal places whose total stays "
                        "below 10^36 in absolute value.",
                        "Use sum() for other values.");
}

// Reads the header and digit span of an in-line (not toasted) numeric; false for NaN,
// infinities and malformed data. Cannot throw or raise. Always inlined: it runs once per row.
inline __attribute__((always_inline)) bool read_parts(const varlena *raw,
                                                      tenancy::NumericParts *parts) noexcept {
  const char *data = VARDATA_ANY(raw);
  const size_t size = VARSIZE_ANY_EXHDR(raw);
  if (size < sizeof(uint16_t)) return false;
  const uint16_t header = read_word(data);
  size_t header_size;
  if ((header & kSignMask) == kSpecial) return false;
  if ((header & kSignMask) == kShort) {
    parts->negative = (header & kShortSignMask) != 0;
    parts->dscale = (header & kShortDscaleMask) >> kShortDscaleShift;
    // The 7-bit two's-complement weight, sign-extended without a branch (amounts below one
    // have weight -1: a data-dependent branch here mispredicts).
    constexpr int kWeightBits = kShortWeightSignMask | kShortWeightMask;
    parts->weight = (static_cast<int>(header & kWeightBits) ^ kShortWeightSignMask) -
                    static_cast<int>(kShortWeightSignMask);
    header_size = 2;
  } else {
    if (size < 4) return false;
    parts->negative = (header & kSignMask) == kNegative;
    parts->dscale = header & kLongDscaleMask;
    parts->weight = static_cast<int16_t>(read_word(data + 2));
    header_size = 4;
  }
  parts->digit_bytes = reinterpret_cast<const unsigned char *>(data + header_size);
  parts->ndigits = (size - header_size) / 2;
  return true;
}

// Decodes a numeric Datum into cents and its display scale, reading the stored digits.
Int128 decode_cents(Datum value, int *dscale) {
  auto *raw = reinterpret_cast<varlena *>(DatumGetPointer(value));
  if (VARATT_IS_EXTERNAL(raw) || VARATT_IS_COMPRESSED(raw)) {
    raw = tenancy::pg::pg_call([&] { return pg_detoast_datum(raw); });  // rare: huge values
  }
  tenancy::NumericParts parts;
  if (!read_parts(raw, &parts)) {
    const uint16_t header = read_word(VARDATA_ANY(raw));
    throw out_of_range((header & kSignMask) == kSpecial ? "NaN and infinity cannot be added"
                                                        : "malformed numeric");
  }
  Int128 cents = 0;
  switch (tenancy::numeric_to_cents(parts, &cents)) {
    case tenancy::CentsStatus::kOk:
      break;
    case tenancy::CentsStatus::kTooManyDecimals:
      throw out_of_range("the value has more than 2 decimal places");
    case tenancy::CentsStatus::kOutOfRange:
      throw out_of_range("the value is too large");
  }
  *dscale = parts.dscale;
  return cents;
}

}  // namespace

// The per-row fast path: an in-line value below 10^16 with at most 2 decimals added to an
// existing state.
// Nothing in it can throw or raise an error (every callee is noexcept and makes no PostgreSQL
// call that can fail), so it runs outside the guard; the first row, NULLs, toasted values and
// every error take the guarded path below, which decides again from scratch.
bool add_in_place(FunctionCallInfo fcinfo) noexcept {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) return false;
  const auto *raw = reinterpret_cast<const varlena *>(DatumGetPointer(PG_GETARG_DATUM(1)));
  if (VARATT_IS_EXTERNAL(raw) || VARATT_IS_COMPRESSED(raw)) return false;
  tenancy::NumericParts parts;
  int64_t cents = 0;
  if (!read_parts(raw, &parts) || !tenancy::small_numeric_to_cents(parts, &cents)) return false;
  return reinterpret_cast<MoneyAccumulator *>(PG_GETARG_POINTER(0))->add(cents, parts.dscale);
}

// money_sum_transition(state internal, value numeric) RETURNS internal. NULL values are skipped
// (as sum skips them); a group of only NULLs keeps a NULL state. Declared by hand (not with
// TENANCY_FUNCTION) so that the common row skips the guard's frame: see add_in_place.
static Datum money_sum_transition_guarded(FunctionCallInfo fcinfo);
extern "C" {
PG_FUNCTION_INFO_V1(tenancy_money_sum_transition);
Datum tenancy_money_sum_transition(PG_FUNCTION_ARGS) {
  if (add_in_place(fcinfo)) PG_RETURN_POINTER(PG_GETARG_POINTER(0));
  return tenancy::pg::run_guarded(fcinfo, money_sum_transition_guarded);
}
}

// The guarded transition: every case, errors included.
static Datum money_sum_transition_guarded(FunctionCallInfo fcinfo) {
  auto *state =
      PG_ARGISNULL(0) ? nullptr : reinterpret_cast<MoneyAccumulator *>(PG_GETARG_POINTER(0));
  if (PG_ARGISNULL(1)) {
    if (state == nullptr) PG_RETURN_NULL();
    PG_RETURN_POINTER(state);
  }
  int dscale = 0;
  const Int128 cents = decode_cents(PG_GETARG_DATUM(1), &dscale);
  if (state == nullptr) state = new_state(aggregate_context(fcinfo));
  if (!state->add(cents, dscale)) throw out_of_range("the total is too large");
  PG_RETURN_POINTER(state);
}

// money_sum_combine(a internal, b internal) RETURNS internal: a + b (parallel aggregation).
TENANCY_FUNCTION(tenancy_money_sum_combine) {
  MemoryContext context = aggregate_context(fcinfo);
  auto *left =
      PG_ARGISNULL(0) ? nullptr : reinterpret_cast<MoneyAccumulator *>(PG_GETARG_POINTER(0));
  auto *right =
      PG_ARGISNULL(1) ? nullptr : reinterpret_cast<MoneyAccumulator *>(PG_GETARG_POINTER(1));
  if (right == nullptr) {
    if (left == nullptr) PG_RETURN_NULL();
    PG_RETURN_POINTER(left);
  }
  if (left == nullptr) {
    left = new_state(context);
    *left = *right;
    PG_RETURN_POINTER(left);
  }
  if (!left->merge(*right)) throw out_of_range("the total is too large");
  PG_RETURN_POINTER(left);
}

// money_sum_serialize(state internal) RETURNS bytea.
TENANCY_FUNCTION(tenancy_money_sum_serialize) {
  aggregate_context(fcinfo);
  const auto *state = reinterpret_cast<const MoneyAccumulator *>(PG_GETARG_POINTER(0));
  bytea *out = tenancy::pg::pg_call(
      [] { return static_cast<bytea *>(palloc(VARHDRSZ + MoneyAccumulator::kSerializedBytes)); });
  SET_VARSIZE(out, VARHDRSZ + MoneyAccumulator::kSerializedBytes);
  state->serialize(reinterpret_cast<unsigned char *>(VARDATA(out)));
  PG_RETURN_BYTEA_P(out);
}

// money_sum_deserialize(bytes bytea, unused internal) RETURNS internal.
TENANCY_FUNCTION(tenancy_money_sum_deserialize) {
  MemoryContext context = aggregate_context(fcinfo);
  auto *raw = reinterpret_cast<varlena *>(PG_GETARG_DATUM(0));
  bytea *bytes = tenancy::pg::pg_call([&] { return pg_detoast_datum_packed(raw); });
  const auto state = MoneyAccumulator::deserialize(
      reinterpret_cast<const unsigned char *>(VARDATA_ANY(bytes)), VARSIZE_ANY_EXHDR(bytes));
  if (!state) {
    throw tenancy::Error(tenancy::sqlstate::kInternalError, "malformed money_sum state");
  }
  MoneyAccumulator *copy = new_state(context);
  *copy = *state;
  PG_RETURN_POINTER(copy);
}

// money_sum_final(state internal) RETURNS numeric: NULL for no values, else the exact sum with
// the largest display scale among the values (as sum(numeric)).
TENANCY_FUNCTION(tenancy_money_sum_final) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  const auto *state = reinterpret_cast<const MoneyAccumulator *>(PG_GETARG_POINTER(0));
  if (state->count() == 0) PG_RETURN_NULL();
  const std::string text = tenancy::format_cents(state->cents(), state->dscale());
  return tenancy::pg::pg_call([&] {
    return DirectFunctionCall3(numeric_in, CStringGetDatum(text.c_str()),
                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  });
}
