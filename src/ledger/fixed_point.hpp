// Exact money arithmetic for money_sum: amounts as 128-bit counts of cents, decoded straight
// from PostgreSQL's numeric digits (base 10000) without the numeric library, summed with
// overflow checks, and printed back with the display scale sum(numeric) would give.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace tenancy {

using Int128 = __int128;

// The parts of a finite numeric value: value = sign * sum(digits[i] * 10000^(weight - i)),
// displayed with dscale decimal places.
struct NumericParts {
  bool negative = false;
  int weight = 0;
  int dscale = 0;
  const unsigned char *digit_bytes = nullptr;  // ndigits native int16 values, at any alignment
  size_t ndigits = 0;

  // Digit i (0 = most significant), read without assuming alignment.
  int digit(size_t i) const noexcept {
    int16_t value;
    std::memcpy(&value, digit_bytes + 2 * i, sizeof value);
    return value;
  }
};

// Why a value cannot be summed in cents.
enum class CentsStatus { kOk, kTooManyDecimals, kOutOfRange };

// 10000^exponent * 100: cents per unit of a digit group at exponents 0 .. 3.
constexpr int64_t kCentsPerGroupUnit[] = {100, 1000000, 10000000000, 100000000000000};

// The per-row fast path: value * 100 into *cents for amounts below 10^16 with at most 2
// decimals (digit groups at exponents 3 down to -1), in 64-bit arithmetic that cannot overflow
// there; false for every other value, which numeric_to_cents then decides. Inline: it runs once
// per row of money_sum. The whole-unit groups are read by Horner's rule and scaled by
// 10000^(their lowest exponent) * 100; a group at exponent -1 must be whole hundredths.
inline bool small_numeric_to_cents(const NumericParts &parts, int64_t *cents) noexcept {
  const int ndigits = static_cast<int>(parts.ndigits);
  if (ndigits == 0) {  // zero, whatever its weight
    *cents = 0;
    return true;
  }
  const int lowest_exponent = parts.weight - ndigits + 1;
  if (parts.weight > 3 || lowest_exponent < -1) return false;
  const bool has_hundredths = lowest_exponent == -1;
  const int whole_groups = has_hundredths ? ndigits - 1 : ndigits;
  int64_t units = 0;  // below 10^16
  for (int i = 0; i < whole_groups; ++i) units = units * 10000 + parts.digit(i);
  int64_t total = units * kCentsPerGroupUnit[has_hundredths ? 0 : lowest_exponent];
  if (has_hundredths) {
    const int hundredths = parts.digit(ndigits - 1);
    if (hundredths % 100 != 0) return false;  // a third or fourth decimal
    total += hundredths / 100;
  }
  *cents = parts.negative ? -total : total;
  return true;
}

// value * 100 exactly, into *cents; kTooManyDecimals when a digit past the second decimal is
// not zero, kOutOfRange when the value does not fit in 128 bits of cents.
CentsStatus numeric_to_cents(const NumericParts &parts, Int128 *cents) noexcept;

// A running sum of cents, the number of values added, and the largest display scale seen.
class MoneyAccumulator {
 public:
  // Adds one value (in cents) of display scale dscale; false (and unchanged) on overflow.
  // Inline: it runs once per row.
  bool add(Int128 cents, int dscale) noexcept {
    Int128 sum;
    if (__builtin_add_overflow(cents_, cents, &sum)) return false;
    cents_ = sum;
    ++count_;
    if (dscale > dscale_) dscale_ = dscale;
    return true;
  }
  // Adds another accumulator's values; false (and unchanged) on overflow.
  bool merge(const MoneyAccumulator &other);
  // The sum in cents.
  Int128 cents() const { return cents_; }
  // How many values were added.
  int64_t count() const { return count_; }
  // The largest display scale of the values added (sum(numeric)'s result scale).
  int dscale() const { return dscale_; }

  // Bytes of the serialized form.
  static constexpr size_t kSerializedBytes = 16 + 8 + 4;
  // Writes the state into out (kSerializedBytes, little-endian).
  void serialize(unsigned char *out) const;
  // Reads a state written by serialize; nullopt when it is not one.
  static std::optional<MoneyAccumulator> deserialize(const unsigned char *in, size_t size);

 private:
  Int128 cents_ = 0;
  int64_t count_ = 0;
  int32_t dscale_ = 0;
};

// The decimal text of cents / 100 with exactly dscale decimal places (dscale 0 or 1 only when
// the cents allow it exactly), as numeric_out prints a value of that scale.
std::string format_cents(Int128 cents, int dscale);

// The decimal text of an Int128 (which iostreams cannot print).
std::string int128_to_string(Int128 value);

// Rounds a plain decimal text ("-123.4567", no exponent) to places decimals, halves to even,
// exactly, and prints it with exactly places decimals; nullopt when text is not a decimal.
std::optional<std::string> round_half_even(const std::string &text, int places);

}  // namespace tenancy
