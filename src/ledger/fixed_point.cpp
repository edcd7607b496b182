// 128-bit cents: decoding from base-10000 digits, checked sums, printing, half-even rounding.
#include "ledger/fixed_point.hpp"

#include <algorithm>
#include <cstring>

namespace tenancy {

namespace {

// 10000^k as Int128 for k = 0..9 (10000^9 = 10^36 < 2^127 / 100).
Int128 power_of_10000(int k) noexcept {
  Int128 value = 1;
  for (int i = 0; i < k; ++i) value *= 10000;
  return value;
}

// Largest digit-group exponent whose contribution can fit in 127 bits: 1 * 10000^9 * 100 =
// 10^38 < 2^127 (larger digits at exponent 9 are caught by the overflow checks).
constexpr int kMaxWeight = 9;

}  // namespace

// Each digit group at exponent p contributes d * 10^(4p + 2) cents: integral for p >= 0, d / 100
// for p = -1 (exact only when d is a multiple of 100), nothing allowed below.
CentsStatus numeric_to_cents(const NumericParts &parts, Int128 *cents) noexcept {
  int64_t small_cents;
  if (small_numeric_to_cents(parts, &small_cents)) {
    *cents = small_cents;
    return CentsStatus::kOk;
  }
  Int128 total = 0;
  for (size_t i = 0; i < parts.ndigits; ++i) {
    const int digit = parts.digit(i);
    if (digit == 0) continue;
    const int exponent = parts.weight - static_cast<int>(i);
    Int128 contribution;
    if (exponent >= 0) {
      if (exponent > kMaxWeight) return CentsStatus::kOutOfRange;
      if (__builtin_mul_overflow(static_cast<Int128>(digit) * 100, power_of_10000(exponent),
                                 &contribution)) {
        return CentsStatus::kOutOfRange;
      }
    } else if (exponent == -1) {
      if (digit % 100 != 0) return CentsStatus::kTooManyDecimals;
      contribution = digit / 100;
    } else {
      return CentsStatus::kTooManyDecimals;
    }
    // Accumulated in the value's own direction, so that -2^127 cents (whose magnitude does
    // not fit) is reachable.
    const bool overflow = parts.negative ? __builtin_sub_overflow(total, contribution, &total)
                                         : __builtin_add_overflow(total, contribution, &total);
    if (overflow) return CentsStatus::kOutOfRange;
  }
  *cents = total;
  return CentsStatus::kOk;
}

// Checked merge of two partial sums (parallel aggregation).
bool MoneyAccumulator::merge(const MoneyAccumulator &other) {
  Int128 sum;
  if (__builtin_add_overflow(cents_, other.cents_, &sum)) return false;
  cents_ = sum;
  count_ += other.count_;
  dscale_ = std::max(dscale_, other.dscale_);
  return true;
}

// cents (16 bytes), count (8), dscale (4), least significant byte first.
void MoneyAccumulator::serialize(unsigned char *out) const {
  const auto unsigned_cents = static_cast<unsigned __int128>(cents_);
  for (int i = 0; i < 16; ++i) out[i] = static_cast<unsigned char>(unsigned_cents >> (8 * i));
  const auto unsigned_count = static_cast<uint64_t>(count_);
  for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<unsigned char>(unsigned_count >> (8 * i));
  const auto unsigned_scale = static_cast<uint32_t>(dscale_);
  for (int i = 0; i < 4; ++i) out[24 + i] = static_cast<unsigned char>(unsigned_scale >> (8 * i));
}

// The inverse of serialize; a wrong size or a negative count or scale is not a state.
std::optional<MoneyAccumulator> MoneyAccumulator::deserialize(const unsigned char *in,
                                                              size_t size) {
  if (size != kSerializedBytes) return std::nullopt;
  unsigned __int128 unsigned_cents = 0;
  for (int i = 15; i >= 0; --i) unsigned_cents = unsigned_cents << 8 | in[i];
  uint64_t unsigned_count = 0;
  for (int i = 7; i >= 0; --i) unsigned_count = unsigned_count << 8 | in[16 + i];
  uint32_t unsigned_scale = 0;
  for (int i = 3; i >= 0; --i) unsigned_scale = unsigned_scale << 8 | in[24 + i];
  MoneyAccumulator state;
  state.cents_ = static_cast<Int128>(unsigned_cents);
  state.count_ = static_cast<int64_t>(unsigned_count);
  state.dscale_ = static_cast<int32_t>(unsigned_scale);
  if (state.count_ < 0 || state.dscale_ < 0 || state.dscale_ > 16383) return std::nullopt;
  return state;
}

// Digits of the magnitude, most significant first (works for the most negative value too).
std::string int128_to_string(Int128 value) {
  unsigned __int128 magnitude = value < 0 ? static_cast<unsigned __int128>(-(value + 1)) + 1
                                          : static_cast<unsigned __int128>(value);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Integer part, then the two cent digits cut or padded to dscale places.
std::string format_cents(Int128 cents, int dscale) {
  const bool negative = cents < 0;
  std::string magnitude = int128_to_string(cents);
  if (negative) magnitude.erase(0, 1);
  if (magnitude.size() < 3) magnitude.insert(0, 3 - magnitude.size(), '0');
  std::string integer = magnitude.substr(0, magnitude.size() - 2);
  std::string fraction = magnitude.substr(magnitude.size() - 2);
  if (dscale < 2) {
    fraction.resize(static_cast<size_t>(dscale));
  } else {
    fraction.append(static_cast<size_t>(dscale - 2), '0');
  }
  const bool is_zero = cents == 0;
  std::string text = (negative && !is_zero ? "-" : "") + integer;
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

// Cut at places; look at the dropped digits: more than half rounds up, exactly half rounds to
// the even neighbour, less is dropped. Carries run through the kept digits.
std::optional<std::string> round_half_even(const std::string &text, int places) {
  if (places < 0) return std::nullopt;
  size_t position = 0;
  bool negative = false;
  if (position < text.size() && (text[position] == '-' || text[position] == '+')) {
    negative = text[position] == '-';
    ++position;
  }
  std::string integer, fraction;
  bool seen_point = false;
  for (; position < text.size(); ++position) {
    const char c = text[position];
    if (c == '.' && !seen_point) {
      seen_point = true;
    } else if (c >= '0' && c <= '9') {
      (seen_point ? fraction : integer).push_back(c);
    } else {
      return std::nullopt;
    }
  }
  if (integer.empty() && fraction.empty()) return std::nullopt;
  if (integer.empty()) integer = "0";
  const size_t keep = static_cast<size_t>(places);
  std::string dropped = fraction.size() > keep ? fraction.substr(keep) : std::string();
  fraction.resize(keep, '0');
  std::string kept = integer + fraction;  // the rounded magnitude's digits, without the point
  bool round_up = false;
  if (!dropped.empty()) {
    const bool rest_zero = dropped.find_first_not_of('0', 1) == std::string::npos;
    if (dropped[0] > '5' || (dropped[0] == '5' && !rest_zero)) {
      round_up = true;
    } else if (dropped[0] == '5' && rest_zero) {
      round_up = (kept.back() - '0') % 2 == 1;
    }
  }
  if (round_up) {
    size_t i = kept.size();
    while (i > 0) {
      --i;
      if (kept[i] == '9') {
        kept[i] = '0';
      } else {
        ++kept[i];
        break;
      }
      if (i == 0) kept.insert(kept.begin(), '1');
    }
  }
  std::string integer_part = kept.substr(0, kept.size() - keep);
  const size_t first_nonzero = integer_part.find_first_not_of('0');
  integer_part = first_nonzero == std::string::npos ? "0" : integer_part.substr(first_nonzero);
  const std::string fraction_part = kept.substr(kept.size() - keep);
  const bool is_zero =
      integer_part == "0" && fraction_part.find_first_not_of('0') == std::string::npos;
  std::string result = (negative && !is_zero ? "-" : "") + integer_part;
  if (keep > 0) result += "." + fraction_part;
  return result;
}

}  // namespace tenancy
