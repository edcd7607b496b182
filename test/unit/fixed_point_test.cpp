// Tests of the fixed-point money code in ledger/fixed_point: numeric digits to cents, checked
// sums, printing and half-even rounding, checked by hand and against an exact reference.
#include "ledger/fixed_point.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

using tenancy::CentsStatus;
using tenancy::format_cents;
using tenancy::Int128;
using tenancy::int128_to_string;
using tenancy::MoneyAccumulator;
using tenancy::numeric_to_cents;
using tenancy::NumericParts;
using tenancy::round_half_even;
using tenancy::small_numeric_to_cents;

// The largest and the smallest Int128: the cents limits of a sum.
constexpr Int128 kMaxCents = static_cast<Int128>((static_cast<unsigned __int128>(1) << 127) - 1);
constexpr Int128 kMinCents = -kMaxCents - 1;

// The same limits as amounts.
constexpr const char kMaxAmount[] = "1701411834604692317316873037158841057.27";
constexpr const char kMinAmount[] = "-1701411834604692317316873037158841057.28";

// 2^63 cents, where a 64-bit sum would overflow.
constexpr Int128 kTwoTo63 = static_cast<Int128>(1) << 63;

// ---------------------------------------------------------------------------------------------
// The reference: exact signed decimals as base-10 digit vectors, independent of the code tested.

// Fraction digits every reference value carries (enough for every text the tests build).
constexpr int kRefScale = 12;

// An exact signed decimal: the base-10 digits of |value| * 10^kRefScale, least significant
// first, without zeros at the top; zero has no digits and is never negative.
struct RefDecimal {
  bool negative = false;
  std::vector<int> digits;
};

// Drops zeros at the top, and the sign of zero.
void normalize(RefDecimal *value) {
  while (!value->digits.empty() && value->digits.back() == 0) value->digits.pop_back();
  if (value->digits.empty()) value->negative = false;
}

// Parses "[+-][digits][.digits]" (text the tests built, at most kRefScale decimals).
RefDecimal ref_parse(const std::string &text) {
  RefDecimal value;
  size_t position = 0;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    value.negative = text[0] == '-';
    position = 1;
  }
  const size_t point = text.find('.', position);
  const std::string integer =
      text.substr(position, point == std::string::npos ? std::string::npos : point - position);
  std::string fraction = point == std::string::npos ? std::string() : text.substr(point + 1);
  if (fraction.size() > static_cast<size_t>(kRefScale)) {
    throw std::invalid_argument("too many decimals for the reference: " + text);
  }
  fraction.resize(kRefScale, '0');
  const std::string all = integer + fraction;
  for (auto it = all.rbegin(); it != all.rend(); ++it) value.digits.push_back(*it - '0');
  normalize(&value);
  return value;
}

// |a| compared with |b|: negative, zero or positive.
int compare_magnitudes(const std::vector<int> &a, const std::vector<int> &b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// a compared with b, signs included: negative, zero or positive.
int ref_compare(const RefDecimal &a, const RefDecimal &b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  const int magnitude = compare_magnitudes(a.digits, b.digits);
  return a.negative ? -magnitude : magnitude;
}

// a + b exactly: school addition of the magnitudes, or the smaller taken from the larger.
RefDecimal ref_add(const RefDecimal &a, const RefDecimal &b) {
  RefDecimal sum;
  if (a.negative == b.negative) {
    sum.negative = a.negative;
    int carry = 0;
    for (size_t i = 0; i < std::max(a.digits.size(), b.digits.size()) || carry != 0; ++i) {
      int digit = carry;
      if (i < a.digits.size()) digit += a.digits[i];
      if (i < b.digits.size()) digit += b.digits[i];
      sum.digits.push_back(digit % 10);
      carry = digit / 10;
    }
  } else {
    const bool a_larger = compare_magnitudes(a.digits, b.digits) >= 0;
    const RefDecimal &larger = a_larger ? a : b;
    const RefDecimal &smaller = a_larger ? b : a;
    sum.negative = larger.negative;
    int borrow = 0;
    for (size_t i = 0; i < larger.digits.size(); ++i) {
      int digit = larger.digits[i] - borrow - (i < smaller.digits.size() ? smaller.digits[i] : 0);
      borrow = digit < 0 ? 1 : 0;
      sum.digits.push_back(digit + 10 * borrow);
    }
  }
  normalize(&sum);
  return sum;
}

// -a.
RefDecimal ref_negate(RefDecimal a) {
  a.negative = !a.negative;
  normalize(&a);
  return a;
}

// a cut toward zero to places decimals.
RefDecimal ref_truncate(RefDecimal a, int places) {
  const size_t dropped = static_cast<size_t>(kRefScale - places);
  for (size_t i = 0; i < a.digits.size() && i < dropped; ++i) a.digits[i] = 0;
  normalize(&a);
  return a;
}

// The text of a cut toward zero to exactly places decimals ("-12.30" for -12.3 at 2 places).
std::string ref_text(const RefDecimal &a, int places) {
  const RefDecimal cut = ref_truncate(a, places);
  std::string magnitude;  // most significant digit first
  for (size_t i = cut.digits.size(); i-- > 0;) {
    magnitude.push_back(static_cast<char>('0' + cut.digits[i]));
  }
  const size_t minimum = static_cast<size_t>(kRefScale) + 1;
  if (magnitude.size() < minimum) magnitude.insert(0, minimum - magnitude.size(), '0');
  const size_t integer_size = magnitude.size() - kRefScale;
  std::string text = cut.negative ? "-" : "";
  text += magnitude.substr(0, integer_size);
  if (places > 0) text += "." + magnitude.substr(integer_size, static_cast<size_t>(places));
  return text;
}

// The value times 100 cut to an integer, as int128_to_string prints cents ("-5" for -0.05).
std::string ref_cents_text(const RefDecimal &value) {
  std::string text = ref_text(value, 2);
  text.erase(text.find('.'), 1);
  const size_t first = text[0] == '-' ? 1 : 0;
  const size_t nonzero = text.find_first_not_of('0', first);
  if (nonzero == std::string::npos) return "0";
  text.erase(first, nonzero - first);
  return text;
}

// Whether the value has a nonzero digit past the second decimal.
bool ref_has_sub_cents(const RefDecimal &value) {
  return ref_compare(ref_truncate(value, 2), value) != 0;
}

// Whether the value lies within the Int128 cents limits.
bool ref_fits_in_cents(const RefDecimal &value) {
  static const RefDecimal max = ref_parse(kMaxAmount);
  static const RefDecimal min = ref_parse(kMinAmount);
  return ref_compare(value, max) <= 0 && ref_compare(value, min) >= 0;
}

// The reference model of MoneyAccumulator: an exact sum that refuses to leave Int128 cents.
struct RefAccumulator {
  RefDecimal sum;
  int64_t count = 0;
  int dscale = 0;

  // Adds value when the sum stays within the limits; whether it did.
  bool add(const RefDecimal &value, int value_dscale) {
    const RefDecimal next = ref_add(sum, value);
    if (!ref_fits_in_cents(next)) return false;
    sum = next;
    ++count;
    dscale = std::max(dscale, value_dscale);
    return true;
  }

  // Adds other's values when the sum stays within the limits; whether it did.
  bool merge(const RefAccumulator &other) {
    const RefDecimal next = ref_add(sum, other.sum);
    if (!ref_fits_in_cents(next)) return false;
    sum = next;
    count += other.count;
    dscale = std::max(dscale, other.dscale);
    return true;
  }
};

// The reference half-even rounding: cut |x| to places decimals, compare the cut-off remainder
// with exactly half a unit of the last place, and step up on more than half, or on exactly half
// after an odd digit; the sign goes back on afterwards (zero has none).
std::string ref_round_half_even(const std::string &text, int places) {
  const RefDecimal value = ref_parse(text);
  RefDecimal magnitude = value;
  magnitude.negative = false;
  RefDecimal kept = ref_truncate(magnitude, places);
  const RefDecimal remainder = ref_add(magnitude, ref_negate(kept));
  const std::string zeros(static_cast<size_t>(places), '0');
  const RefDecimal unit = ref_parse(places == 0 ? "1" : "0." + zeros.substr(1) + "1");
  const RefDecimal half = ref_parse("0." + zeros + "5");
  const int against_half = ref_compare(remainder, half);
  const size_t last = static_cast<size_t>(kRefScale - places);
  const bool odd = last < kept.digits.size() && kept.digits[last] % 2 == 1;
  if (against_half > 0 || (against_half == 0 && odd)) kept = ref_add(kept, unit);
  if (value.negative) kept = ref_negate(kept);
  return ref_text(kept, places);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL's numeric encoding, written out for the tests.

// A numeric as PostgreSQL stores it: base-10000 digit groups aligned on the decimal point, zero
// groups stripped at both ends, weight = exponent of the first group; zero has no groups, weight
// 0 and no sign.
struct EncodedNumeric {
  bool negative = false;
  int weight = 0;
  int dscale = 0;
  std::vector<int16_t> digits;

  // The parts, pointing into digits (valid while this object lives unchanged).
  NumericParts parts() const {
    NumericParts parts;
    parts.negative = negative;
    parts.weight = weight;
    parts.dscale = dscale;
    parts.digit_bytes = reinterpret_cast<const unsigned char *>(digits.data());
    parts.ndigits = digits.size();
    return parts;
  }
};

// Encodes a plain decimal text ("-12.3400") at display scale dscale, as numeric_in would.
EncodedNumeric encode_numeric(const std::string &text, int dscale) {
  EncodedNumeric encoded;
  encoded.dscale = dscale;
  size_t position = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    position = 1;
  }
  const size_t point = text.find('.', position);
  std::string integer =
      text.substr(position, point == std::string::npos ? std::string::npos : point - position);
  std::string fraction = point == std::string::npos ? std::string() : text.substr(point + 1);
  if (integer.size() % 4 != 0) integer.insert(0, 4 - integer.size() % 4, '0');
  if (fraction.size() % 4 != 0) fraction.append(4 - fraction.size() % 4, '0');
  const std::string all = integer + fraction;
  std::vector<int16_t> groups;
  for (size_t i = 0; i < all.size(); i += 4) {
    groups.push_back(static_cast<int16_t>(std::stoi(all.substr(i, 4))));
  }
  int weight = static_cast<int>(integer.size() / 4) - 1;
  size_t first = 0;
  while (first < groups.size() && groups[first] == 0) {
    ++first;
    --weight;
  }
  size_t end = groups.size();
  while (end > first && groups[end - 1] == 0) --end;
  if (first == end) return encoded;  // zero
  encoded.negative = negative;
  encoded.weight = weight;
  encoded.digits.assign(groups.begin() + static_cast<std::ptrdiff_t>(first),
                        groups.begin() + static_cast<std::ptrdiff_t>(end));
  return encoded;
}

// Decimals written in text (0 when it has no point).
int decimals_of(const std::string &text) {
  const size_t point = text.find('.');
  return point == std::string::npos ? 0 : static_cast<int>(text.size() - point - 1);
}

// A decoding: the status and the cents written (0 when none were).
struct Decoded {
  CentsStatus status;
  Int128 cents;
};

// Encodes text at the scale it is written with and decodes it with numeric_to_cents.
Decoded decode(const std::string &text) {
  const EncodedNumeric encoded = encode_numeric(text, decimals_of(text));
  Decoded decoded{CentsStatus::kOk, 0};
  decoded.status = numeric_to_cents(encoded.parts(), &decoded.cents);
  return decoded;
}

// Parts over hand-written digit groups (which need not be stripped as PostgreSQL would).
NumericParts hand_parts(const std::vector<int16_t> &digits, int weight, int dscale,
                        bool negative = false) {
  NumericParts parts;
  parts.negative = negative;
  parts.weight = weight;
  parts.dscale = dscale;
  parts.digit_bytes = reinterpret_cast<const unsigned char *>(digits.data());
  parts.ndigits = digits.size();
  return parts;
}

// An Int128 from a decimal text, by multiply-add (test-written, in-range texts only).
Int128 int128_from_text(const std::string &text) {
  const bool negative = text[0] == '-';
  Int128 value = 0;
  for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    value = value * 10 + (negative ? -(text[i] - '0') : text[i] - '0');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Random amounts.

// Amounts at boundaries: the fast path's edges (weight 3 vs 4), 2^63 cents, weight 7 vs 8, the
// largest weight-8 amount, and half the Int128 limit (two of them reach 2^127 cents exactly).
const char *const kEdgeAmounts[] = {
    "0.01",
    "0.99",
    "1",
    "9999.99",
    "10000",
    "9999999999999999.99",
    "10000000000000000",
    "10000000000000000.01",
    "92233720368547758.07",
    "92233720368547758.08",
    "92233720368547758.09",
    "99999999999999999999999999999999.99",
    "100000000000000000000000000000000",
    "999999999999999999999999999999999999.99",
    "850705917302346158658436518579420528.63",
    "850705917302346158658436518579420528.64",
};

// An amount: its text, written with exactly dscale decimals, and that display scale.
struct Amount {
  std::string text;
  int dscale;
};

// A random amount with up to max_integer_digits integer digits (half the time within 2 of that), a
// random sign and a display scale of 0..6 (nonzero decimals only in the first two); one in eight
// is an edge amount.
Amount random_amount(std::mt19937_64 &rng, int max_integer_digits) {
  std::string integer, fraction;
  int dscale;
  if (rng() % 8 == 0) {
    const std::string edge = kEdgeAmounts[rng() % std::size(kEdgeAmounts)];
    const size_t point = edge.find('.');
    integer = edge.substr(0, point);
    fraction = point == std::string::npos ? std::string() : edge.substr(point + 1);
    dscale = std::uniform_int_distribution<int>(static_cast<int>(fraction.size()), 6)(rng);
  } else {
    dscale = std::uniform_int_distribution<int>(0, 6)(rng);
    const int lowest = rng() % 2 == 0 ? std::max(0, max_integer_digits - 2) : 0;  // often near max
    const int integer_digits = std::uniform_int_distribution<int>(lowest, max_integer_digits)(rng);
    const bool sparse = rng() % 4 == 0;  // mostly zeros, so whole digit groups are zero
    const auto digit = [&rng, sparse]() {
      return static_cast<char>('0' + (sparse && rng() % 5 != 0 ? 0 : rng() % 10));
    };
    for (int i = 0; i < integer_digits; ++i) {
      integer.push_back(i == 0 ? static_cast<char>('1' + rng() % 9) : digit());
    }
    for (int i = 0; i < std::min(dscale, 2); ++i) fraction.push_back(digit());
  }
  if (integer.empty()) integer = "0";
  fraction.resize(static_cast<size_t>(dscale), '0');
  std::string text = (rng() % 2 == 0 ? "-" : "") + integer;
  if (dscale > 0) text += "." + fraction;
  return Amount{text, dscale};
}

// The amounts of one random case: 1..40 amounts of one magnitude class by case_index % 5 (up to
// 4, 16, 20 or 36 integer digits, or a mix of those per amount).
std::vector<Amount> random_case(std::mt19937_64 &rng, int case_index) {
  static const int kClasses[] = {4, 16, 20, 36};
  const int count = std::uniform_int_distribution<int>(1, 40)(rng);
  std::vector<Amount> amounts;
  for (int i = 0; i < count; ++i) {
    const int max_digits = case_index % 5 < 4 ? kClasses[case_index % 5] : kClasses[rng() % 4];
    amounts.push_back(random_amount(rng, max_digits));
  }
  return amounts;
}

// An amount decoded: its cents, its scale and its exact reference value.
struct DecodedAmount {
  Int128 cents;
  int dscale;
  RefDecimal value;
};

// Encodes and decodes each amount, expecting kOk and exactly the reference's cents.
std::vector<DecodedAmount> decode_all(const std::vector<Amount> &amounts) {
  std::vector<DecodedAmount> decoded;
  for (const Amount &amount : amounts) {
    const EncodedNumeric encoded = encode_numeric(amount.text, amount.dscale);
    Int128 cents = 0;
    EXPECT_EQ(numeric_to_cents(encoded.parts(), &cents), CentsStatus::kOk) << amount.text;
    const RefDecimal value = ref_parse(amount.text);
    EXPECT_EQ(int128_to_string(cents), ref_cents_text(value)) << amount.text;
    // The per-row fast path takes every amount below 10^16 and agrees with the reference.
    int64_t small_cents = 0;
    const bool small = small_numeric_to_cents(encoded.parts(), &small_cents);
    const std::string integer_part = amount.text.substr(0, amount.text.find('.'));
    const size_t integer_digits = integer_part.size() - (integer_part[0] == '-' ? 1 : 0);
    EXPECT_EQ(small, integer_digits <= 16) << amount.text;
    if (small) {
      EXPECT_EQ(int128_to_string(small_cents), ref_cents_text(value)) << amount.text;
    }
    decoded.push_back(DecodedAmount{cents, amount.dscale, value});
  }
  return decoded;
}

// Expects the accumulator to hold exactly the reference model's sum, count and scale.
void expect_same_state(const MoneyAccumulator &actual, const RefAccumulator &expected,
                       const std::string &context) {
  EXPECT_EQ(actual.count(), expected.count) << context;
  EXPECT_EQ(actual.dscale(), expected.dscale) << context;
  EXPECT_EQ(int128_to_string(actual.cents()), ref_cents_text(expected.sum)) << context;
  EXPECT_EQ(format_cents(actual.cents(), actual.dscale()), ref_text(expected.sum, expected.dscale))
      << context;
}

// The accumulator after a serialize/deserialize round trip, expecting it to be the same.
MoneyAccumulator round_trip(const MoneyAccumulator &state) {
  unsigned char bytes[MoneyAccumulator::kSerializedBytes];
  state.serialize(bytes);
  const std::optional<MoneyAccumulator> copy = MoneyAccumulator::deserialize(bytes, sizeof bytes);
  EXPECT_TRUE(copy.has_value());
  if (!copy) return state;
  EXPECT_EQ(copy->cents(), state.cents());
  EXPECT_EQ(copy->count(), state.count());
  EXPECT_EQ(copy->dscale(), state.dscale());
  return *copy;
}

// Cases per random reference test.
constexpr int kReferenceCases = 1500;

// A state with given fields, built through deserialize (count and scale as stored).
MoneyAccumulator state_of(Int128 cents, int64_t count, int32_t dscale) {
  unsigned char bytes[MoneyAccumulator::kSerializedBytes];
  const auto unsigned_cents = static_cast<unsigned __int128>(cents);
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<unsigned char>(unsigned_cents >> (8 * i));
  for (int i = 0; i < 8; ++i) {
    bytes[16 + i] = static_cast<unsigned char>(static_cast<uint64_t>(count) >> (8 * i));
  }
  for (int i = 0; i < 4; ++i) {
    bytes[24 + i] = static_cast<unsigned char>(static_cast<uint32_t>(dscale) >> (8 * i));
  }
  const std::optional<MoneyAccumulator> state = MoneyAccumulator::deserialize(bytes, sizeof bytes);
  if (!state) throw std::invalid_argument("not a state");
  return *state;
}

// ---------------------------------------------------------------------------------------------
// The reference and the encoder themselves.

// The reference adds signed decimals exactly, across zero and with carries and borrows.
TEST(FixedPointReference, AddsSignedDecimalsExactly) {
  const auto sum = [](const char *a, const char *b) {
    return ref_text(ref_add(ref_parse(a), ref_parse(b)), 4);
  };
  EXPECT_EQ(sum("999.99", "0.01"), "1000.0000");
  EXPECT_EQ(sum("-999.99", "-0.01"), "-1000.0000");
  EXPECT_EQ(sum("1000", "-0.0001"), "999.9999");
  EXPECT_EQ(sum("-1000", "0.0001"), "-999.9999");
  EXPECT_EQ(sum("12.5", "-12.5"), "0.0000");
  EXPECT_EQ(sum("0.3", "-1"), "-0.7000");
  EXPECT_EQ(ref_cents_text(ref_parse("-0.05")), "-5");
  EXPECT_EQ(ref_cents_text(ref_parse(kMinAmount)), int128_to_string(kMinCents));
  EXPECT_TRUE(ref_fits_in_cents(ref_parse(kMaxAmount)));
  EXPECT_FALSE(ref_fits_in_cents(ref_parse("1701411834604692317316873037158841057.28")));
  EXPECT_TRUE(ref_fits_in_cents(ref_parse(kMinAmount)));
  EXPECT_FALSE(ref_fits_in_cents(ref_parse("-1701411834604692317316873037158841057.29")));
}

// The encoder groups digits on the decimal point and strips zero groups as PostgreSQL does.
TEST(FixedPointReference, EncodesLikePostgres) {
  const EncodedNumeric cents = encode_numeric("0.05", 2);
  EXPECT_EQ(cents.weight, -1);
  EXPECT_EQ(cents.digits, (std::vector<int16_t>{500}));
  const EncodedNumeric ten_thousand = encode_numeric("10000", 0);
  EXPECT_EQ(ten_thousand.weight, 1);
  EXPECT_EQ(ten_thousand.digits, (std::vector<int16_t>{1}));
  const EncodedNumeric mixed = encode_numeric("-123456789.0001", 4);
  EXPECT_TRUE(mixed.negative);
  EXPECT_EQ(mixed.weight, 2);
  EXPECT_EQ(mixed.digits, (std::vector<int16_t>{1, 2345, 6789, 1}));
  const EncodedNumeric tiny = encode_numeric("0.00001", 5);
  EXPECT_EQ(tiny.weight, -2);
  EXPECT_EQ(tiny.digits, (std::vector<int16_t>{1000}));
  const EncodedNumeric zero = encode_numeric("-0.000", 3);
  EXPECT_FALSE(zero.negative);
  EXPECT_EQ(zero.weight, 0);
  EXPECT_EQ(zero.dscale, 3);
  EXPECT_TRUE(zero.digits.empty());
  const EncodedNumeric scaled = encode_numeric("1.230", 3);
  EXPECT_EQ(scaled.weight, 0);
  EXPECT_EQ(scaled.digits, (std::vector<int16_t>{1, 2300}));
}

// ---------------------------------------------------------------------------------------------
// numeric_to_cents.

// Zero (no digit groups) is zero cents at any scale, whatever the sign flag says.
TEST(NumericToCents, ZeroHasNoDigitGroups) {
  const std::vector<int16_t> none;
  for (int dscale : {0, 2, 5}) {
    Int128 cents = 99;
    EXPECT_EQ(numeric_to_cents(hand_parts(none, 0, dscale), &cents), CentsStatus::kOk);
    EXPECT_EQ(cents, 0);
    cents = 99;
    EXPECT_EQ(numeric_to_cents(hand_parts(none, 0, dscale, true), &cents), CentsStatus::kOk);
    EXPECT_EQ(cents, 0);
  }
  EXPECT_EQ(decode("0").cents, 0);
  EXPECT_EQ(decode("-0.00").cents, 0);
}

// Everyday amounts decode to value * 100, including zeros past the cents (1.230).
TEST(NumericToCents, DecodesSmallAmounts) {
  const struct {
    const char *text;
    int64_t cents;
  } cases[] = {
      {"1", 100},
      {"0.5", 50},
      {"-0.01", -1},
      {"1.230", 123},
      {"0.10", 10},
      {"12.34", 1234},
      {"9999.99", 999999},
      {"10000", 1000000},
      {"-1.5", -150},
      {"0.99", 99},
      {"-123456.78", -12345678},
      {"1.2300000", 123},
  };
  for (const auto &c : cases) {
    const Decoded decoded = decode(c.text);
    EXPECT_EQ(decoded.status, CentsStatus::kOk) << c.text;
    EXPECT_EQ(decoded.cents, c.cents) << c.text;
  }
}

// A nonzero digit past the second decimal is refused, on the fast path and the general one.
TEST(NumericToCents, ReportsTooManyDecimals) {
  for (const char *text :
       {"0.001", "1.0001", "12.345", "-0.005", "0.0099", "12.3450", "-1.999", "0.00000001",
        "9999999999999999.999", "10000000000000000.001", "-92233720368547758.075",
        "999999999999999999999999999999999999.991", "0.0000000000001"}) {
    Int128 cents = 7;
    const EncodedNumeric encoded = encode_numeric(text, decimals_of(text));
    EXPECT_EQ(numeric_to_cents(encoded.parts(), &cents), CentsStatus::kTooManyDecimals) << text;
  }
}

// Zero digit groups past the cents (not stripped, unlike PostgreSQL) do not count as decimals.
TEST(NumericToCents, AcceptsZeroGroupsPastTheCents) {
  const std::vector<int16_t> one_twenty_three = {1, 2300, 0};  // 1.2300 0000
  Int128 cents = 0;
  EXPECT_EQ(numeric_to_cents(hand_parts(one_twenty_three, 0, 8), &cents), CentsStatus::kOk);
  EXPECT_EQ(cents, 123);
  const std::vector<int16_t> half = {5000, 0, 0};  // 0.5000 0000 0000
  EXPECT_EQ(numeric_to_cents(hand_parts(half, -1, 12, true), &cents), CentsStatus::kOk);
  EXPECT_EQ(cents, -50);
  const std::vector<int16_t> big = {1, 0, 0, 0, 100, 0};  // 1 0000 0000 0000.0100 0000
  EXPECT_EQ(numeric_to_cents(hand_parts(big, 3, 8), &cents), CentsStatus::kOk);
  EXPECT_EQ(cents, static_cast<Int128>(100000000000001));
  const std::vector<int16_t> leading_zero = {0, 1, 2300};  // 0000 0001.2300, weight 1
  EXPECT_EQ(numeric_to_cents(hand_parts(leading_zero, 1, 4), &cents), CentsStatus::kOk);
  EXPECT_EQ(cents, 123);
}

// Digit groups are read at any alignment (a datum's digits follow a 2- or 3-byte header).
TEST(NumericToCents, ReadsUnalignedDigitBytes) {
  const EncodedNumeric encoded = encode_numeric("-1234567.89", 2);
  ASSERT_EQ(encoded.digits, (std::vector<int16_t>{123, 4567, 8900}));
  for (size_t offset = 0; offset < 4; ++offset) {
    std::vector<unsigned char> buffer(offset + 2 * encoded.digits.size() + 1, 0xee);
    std::memcpy(buffer.data() + offset, encoded.digits.data(), 2 * encoded.digits.size());
    NumericParts parts = encoded.parts();
    parts.digit_bytes = buffer.data() + offset;
    Int128 cents = 0;
    EXPECT_EQ(numeric_to_cents(parts, &cents), CentsStatus::kOk) << offset;
    EXPECT_EQ(cents, -123456789) << offset;
  }
}

// Around 10^16 the decoding leaves the 64-bit fast path (weight 3) for the general one (4).
TEST(NumericToCents, CrossesFromTheFastPathAtWeightFour) {
  const EncodedNumeric below = encode_numeric("9999999999999999.99", 2);
  EXPECT_EQ(below.weight, 3);
  EXPECT_EQ(below.digits.size(), 5u);
  const EncodedNumeric above = encode_numeric("10000000000000000", 0);
  EXPECT_EQ(above.weight, 4);
  const Int128 ten_to_18 = static_cast<Int128>(1000000000000000000);
  EXPECT_EQ(decode("9999999999999999.99").cents, ten_to_18 - 1);
  EXPECT_EQ(decode("-9999999999999999.99").cents, 1 - ten_to_18);
  EXPECT_EQ(decode("9999999999999999.9").cents, ten_to_18 - 10);
  EXPECT_EQ(decode("10000000000000000").cents, ten_to_18);
  EXPECT_EQ(decode("10000000000000000.01").cents, ten_to_18 + 1);
  EXPECT_EQ(decode("-10000000000000000.01").cents, -ten_to_18 - 1);
  EXPECT_EQ(decode("1000000000000.0001").status, CentsStatus::kTooManyDecimals);
  EXPECT_EQ(decode("10000000000000000.0001").status, CentsStatus::kTooManyDecimals);
}

// Amounts around 2^63 and 2^64 cents decode exactly (no 64-bit wrap-around).
TEST(NumericToCents, DecodesAmountsAroundTwoToTheSixtyThreeCents) {
  EXPECT_EQ(decode("92233720368547758.07").cents, kTwoTo63 - 1);
  EXPECT_EQ(decode("92233720368547758.08").cents, kTwoTo63);
  EXPECT_EQ(decode("92233720368547758.09").cents, kTwoTo63 + 1);
  EXPECT_EQ(decode("-92233720368547758.08").cents, -kTwoTo63);
  EXPECT_EQ(decode("-92233720368547758.09").cents, -kTwoTo63 - 1);
  EXPECT_EQ(decode("184467440737095516.15").cents, (static_cast<Int128>(1) << 64) - 1);
  EXPECT_EQ(decode("184467440737095516.16").cents, static_cast<Int128>(1) << 64);
  EXPECT_EQ(decode("-184467440737095516.17").cents, -(static_cast<Int128>(1) << 64) - 1);
}

// The largest amounts of weight 7 and 8 (up to 36 integer digits) decode exactly.
TEST(NumericToCents, DecodesTheLargestWeightEightAmounts) {
  const std::string nines36(36, '9');
  const EncodedNumeric largest = encode_numeric(nines36 + ".99", 2);
  EXPECT_EQ(largest.weight, 8);
  Int128 cents = 0;
  ASSERT_EQ(numeric_to_cents(largest.parts(), &cents), CentsStatus::kOk);
  EXPECT_EQ(int128_to_string(cents), std::string(38, '9'));
  const Decoded negative = decode("-" + nines36 + ".99");
  EXPECT_EQ(negative.status, CentsStatus::kOk);
  EXPECT_EQ(int128_to_string(negative.cents), "-" + std::string(38, '9'));
  EXPECT_EQ(int128_to_string(decode("1" + std::string(32, '0')).cents), "1" + std::string(34, '0'));
  EXPECT_EQ(int128_to_string(decode(std::string(32, '9') + ".99").cents), std::string(34, '9'));
  const Decoded half_limit = decode("850705917302346158658436518579420528.64");
  EXPECT_EQ(half_limit.status, CentsStatus::kOk);
  EXPECT_EQ(half_limit.cents, static_cast<Int128>(1) << 126);
}

// Amounts past the Int128 cents limits, at weight 9 and beyond, are out of range.
TEST(NumericToCents, ReportsOutOfRangeAboveTheLimit) {
  for (const std::string &text :
       {std::string("1701411834604692317316873037158841057.28"),
        std::string("-1701411834604692317316873037158841057.29"),
        std::string("1701411834604692317316873037158841058"),
        std::string("1") + std::string(37, '0'), "-" + std::string(38, '9') + ".99",
        std::string("1") + std::string(40, '0'), std::string("1") + std::string(80, '0') + ".01"}) {
    EXPECT_EQ(decode(text).status, CentsStatus::kOutOfRange) << text;
  }
}

// Amounts of 10^36 up to the Int128 cents limit fit (10^38 <= cents <= 2^127 - 1), weight 9.
// (Regression: they were refused while the largest weight allowed was 8.)
TEST(NumericToCents, DecodesWeightNineAmountsThatFit) {
  const Decoded limit = decode(kMaxAmount);
  EXPECT_EQ(limit.status, CentsStatus::kOk);
  EXPECT_EQ(limit.cents, kMaxCents);
  const Decoded ten_to_36 = decode("1" + std::string(36, '0'));
  EXPECT_EQ(ten_to_36.status, CentsStatus::kOk);
  EXPECT_EQ(int128_to_string(ten_to_36.cents), "1" + std::string(38, '0'));
  const Decoded negative = decode("-1234567890123456789012345678901234567.89");
  EXPECT_EQ(negative.status, CentsStatus::kOk);
  EXPECT_EQ(int128_to_string(negative.cents), "-123456789012345678901234567890123456789");
}

// The most negative cents (-2^127) fit. (Regression: the magnitude was summed as a positive
// Int128 and negated last, and 2^127 does not fit.)
TEST(NumericToCents, DecodesTheMostNegativeCents) {
  const Decoded minimum = decode(kMinAmount);
  EXPECT_EQ(minimum.status, CentsStatus::kOk);
  EXPECT_EQ(minimum.cents, kMinCents);
}

// Random decimals of 0..45 integer digits and 0..6 decimals: the status and cents the reference
// predicts.
TEST(NumericToCents, MatchesReferenceOnRandomDecimals) {
  std::mt19937_64 rng(0x5eed0001);
  int ok = 0, too_many = 0, out_of_range = 0;
  for (int i = 0; i < 5000; ++i) {
    const int integer_digits = std::uniform_int_distribution<int>(0, 45)(rng);
    const int decimals = std::uniform_int_distribution<int>(0, 6)(rng);
    const bool sparse = rng() % 3 == 0;
    std::string text = rng() % 2 == 0 ? "-" : "";
    for (int d = 0; d < integer_digits; ++d) {
      text.push_back(d == 0 ? static_cast<char>('1' + rng() % 9)
                            : static_cast<char>('0' + (sparse && rng() % 4 != 0 ? 0 : rng() % 10)));
    }
    if (integer_digits == 0) text += "0";
    if (decimals > 0) text += ".";
    for (int d = 0; d < decimals; ++d) {
      text.push_back(static_cast<char>('0' + (sparse && rng() % 3 != 0 ? 0 : rng() % 10)));
    }
    const RefDecimal value = ref_parse(text);
    const bool fits = ref_fits_in_cents(value);
    const bool sub_cents = ref_has_sub_cents(value);
    const int dscale = decimals + std::uniform_int_distribution<int>(0, 2)(rng);
    const EncodedNumeric encoded = encode_numeric(text, dscale);
    Int128 cents = 0;
    const CentsStatus status = numeric_to_cents(encoded.parts(), &cents);
    if (fits && !sub_cents) {
      ASSERT_EQ(status, CentsStatus::kOk) << text;
      ASSERT_EQ(int128_to_string(cents), ref_cents_text(value)) << text;
      ++ok;
    } else if (!fits && !sub_cents) {
      ASSERT_EQ(status, CentsStatus::kOutOfRange) << text;
      ++out_of_range;
    } else if (fits && sub_cents) {
      ASSERT_EQ(status, CentsStatus::kTooManyDecimals) << text;
      ++too_many;
    } else {  // both reasons hold: either report will do
      ASSERT_NE(status, CentsStatus::kOk) << text;
    }
  }
  EXPECT_GT(ok, 500);
  EXPECT_GT(too_many, 500);
  EXPECT_GT(out_of_range, 300);
}

// ---------------------------------------------------------------------------------------------
// MoneyAccumulator.

// A new accumulator holds nothing.
TEST(MoneyAccumulator, StartsEmpty) {
  const MoneyAccumulator state;
  EXPECT_EQ(state.cents(), 0);
  EXPECT_EQ(state.count(), 0);
  EXPECT_EQ(state.dscale(), 0);
}

// add sums the cents, counts the values and keeps the largest display scale.
TEST(MoneyAccumulator, AddsCountsAndKeepsTheLargestScale) {
  MoneyAccumulator state;
  EXPECT_TRUE(state.add(150, 2));
  EXPECT_TRUE(state.add(-25, 4));
  EXPECT_TRUE(state.add(1000, 0));
  EXPECT_TRUE(state.add(0, 1));
  EXPECT_EQ(state.cents(), 1125);
  EXPECT_EQ(state.count(), 4);
  EXPECT_EQ(state.dscale(), 4);
  EXPECT_EQ(format_cents(state.cents(), state.dscale()), "11.2500");
}

// add reaches the upper limit exactly and refuses to cross it, leaving the state unchanged.
TEST(MoneyAccumulator, AddRefusesToCrossTheUpperLimit) {
  MoneyAccumulator state;
  ASSERT_TRUE(state.add(kMaxCents - 5, 2));
  ASSERT_TRUE(state.add(5, 0));
  EXPECT_EQ(state.cents(), kMaxCents);
  EXPECT_FALSE(state.add(1, 7));
  EXPECT_FALSE(state.add(kMaxCents, 3));
  EXPECT_EQ(state.cents(), kMaxCents);
  EXPECT_EQ(state.count(), 2);
  EXPECT_EQ(state.dscale(), 2);
  EXPECT_TRUE(state.add(kMinCents, 1));  // back down past zero: no overflow
  EXPECT_EQ(state.cents(), -1);
  EXPECT_EQ(state.count(), 3);
}

// add reaches the lower limit exactly and refuses to cross it, leaving the state unchanged.
TEST(MoneyAccumulator, AddRefusesToCrossTheLowerLimit) {
  MoneyAccumulator state;
  ASSERT_TRUE(state.add(kMinCents + 5, 2));
  ASSERT_TRUE(state.add(-5, 0));
  EXPECT_EQ(state.cents(), kMinCents);
  EXPECT_FALSE(state.add(-1, 9));
  EXPECT_FALSE(state.add(kMinCents, 3));
  EXPECT_EQ(state.cents(), kMinCents);
  EXPECT_EQ(state.count(), 2);
  EXPECT_EQ(state.dscale(), 2);
  EXPECT_TRUE(state.add(kMaxCents, 2));
  EXPECT_EQ(state.cents(), -1);
}

// Sums that cross 2^127 cents by a little or a lot, from either side, are refused.
TEST(MoneyAccumulator, AddRefusesLargeCrossings) {
  const Int128 half = static_cast<Int128>(1) << 126;
  MoneyAccumulator positive;
  ASSERT_TRUE(positive.add(half, 2));
  EXPECT_FALSE(positive.add(half, 2));  // exactly 2^127
  EXPECT_TRUE(positive.add(half - 1, 2));
  EXPECT_EQ(positive.cents(), kMaxCents);
  MoneyAccumulator negative;
  ASSERT_TRUE(negative.add(-half, 2));
  EXPECT_TRUE(negative.add(-half, 2));  // exactly -2^127 fits
  EXPECT_EQ(negative.cents(), kMinCents);
  EXPECT_FALSE(negative.add(-half, 2));
  EXPECT_EQ(negative.count(), 2);
}

// merge adds the sums and counts and keeps the larger scale; merging nothing changes nothing.
TEST(MoneyAccumulator, MergeCombinesSumsCountsAndScales) {
  MoneyAccumulator a, b;
  ASSERT_TRUE(a.add(100, 2));
  ASSERT_TRUE(a.add(250, 3));
  ASSERT_TRUE(b.add(-50, 5));
  EXPECT_TRUE(a.merge(b));
  EXPECT_EQ(a.cents(), 300);
  EXPECT_EQ(a.count(), 3);
  EXPECT_EQ(a.dscale(), 5);
  EXPECT_TRUE(a.merge(MoneyAccumulator()));
  EXPECT_EQ(a.cents(), 300);
  EXPECT_EQ(a.count(), 3);
  EXPECT_EQ(a.dscale(), 5);
  MoneyAccumulator empty;
  EXPECT_TRUE(empty.merge(a));
  EXPECT_EQ(empty.cents(), 300);
  EXPECT_EQ(empty.count(), 3);
  EXPECT_EQ(empty.dscale(), 5);
}

// merge refuses sums past either limit, leaving both sides unchanged, and reaches each exactly.
TEST(MoneyAccumulator, MergeRefusesToCrossTheLimits) {
  const MoneyAccumulator high = state_of(kMaxCents - 10, 1, 2);
  const MoneyAccumulator eleven = state_of(11, 2, 6);
  MoneyAccumulator target = high;
  EXPECT_FALSE(target.merge(eleven));
  EXPECT_EQ(target.cents(), kMaxCents - 10);
  EXPECT_EQ(target.count(), 1);
  EXPECT_EQ(target.dscale(), 2);
  EXPECT_EQ(eleven.cents(), 11);
  MoneyAccumulator other = eleven;
  EXPECT_FALSE(other.merge(high));
  EXPECT_EQ(other.cents(), 11);
  EXPECT_EQ(other.count(), 2);
  EXPECT_EQ(other.dscale(), 6);
  EXPECT_TRUE(target.merge(state_of(10, 2, 6)));
  EXPECT_EQ(target.cents(), kMaxCents);
  EXPECT_EQ(target.count(), 3);
  EXPECT_EQ(target.dscale(), 6);

  MoneyAccumulator low = state_of(kMinCents + 10, 4, 1);
  EXPECT_FALSE(low.merge(state_of(-11, 1, 3)));
  EXPECT_FALSE(low.merge(state_of(kMinCents, 1, 3)));
  EXPECT_EQ(low.cents(), kMinCents + 10);
  EXPECT_EQ(low.count(), 4);
  EXPECT_EQ(low.dscale(), 1);
  EXPECT_TRUE(low.merge(state_of(-10, 1, 3)));
  EXPECT_EQ(low.cents(), kMinCents);
  EXPECT_EQ(low.count(), 5);
  EXPECT_EQ(low.dscale(), 3);
  MoneyAccumulator max = state_of(kMaxCents, 1, 2);
  EXPECT_FALSE(max.merge(state_of(kMaxCents, 1, 2)));
  EXPECT_TRUE(max.merge(state_of(kMinCents, 1, 2)));
  EXPECT_EQ(max.cents(), -1);
}

// The serialized form is cents (16), count (8), scale (4), least significant byte first.
TEST(MoneyAccumulator, SerializesLittleEndian) {
  MoneyAccumulator state;
  ASSERT_TRUE(state.add(-5, 0x0102));
  ASSERT_TRUE(state.add(3, 2));
  unsigned char bytes[MoneyAccumulator::kSerializedBytes];
  ASSERT_EQ(sizeof bytes, 28u);
  state.serialize(bytes);
  EXPECT_EQ(tenancy_test::to_hex(std::string(reinterpret_cast<char *>(bytes), sizeof bytes)),
            "feffffffffffffffffffffffffffffff"
            "0200000000000000"
            "02010000");
  const MoneyAccumulator big =
      state_of((static_cast<Int128>(0x0102030405060708) << 64) | 0x090a, 5, 7);
  big.serialize(bytes);
  EXPECT_EQ(tenancy_test::to_hex(std::string(reinterpret_cast<char *>(bytes), sizeof bytes)),
            "0a090000000000000807060504030201"
            "0500000000000000"
            "07000000");
}

// States survive serialize/deserialize, the extremes included, and re-serialize identically.
TEST(MoneyAccumulator, SerializationRoundTrips) {
  std::vector<MoneyAccumulator> states = {
      MoneyAccumulator(),        state_of(kMaxCents, std::numeric_limits<int64_t>::max(), 16383),
      state_of(kMinCents, 1, 0), state_of(-1, 0, 2),
      state_of(kTwoTo63, 3, 4),
  };
  std::mt19937_64 rng(0x5eed0002);
  for (int i = 0; i < 200; ++i) {
    const Int128 cents = static_cast<Int128>((static_cast<unsigned __int128>(rng()) << 64) | rng());
    states.push_back(
        state_of(cents, static_cast<int64_t>(rng() >> 1), static_cast<int32_t>(rng() % 16384)));
  }
  for (const MoneyAccumulator &state : states) {
    const MoneyAccumulator copy = round_trip(state);
    unsigned char first[MoneyAccumulator::kSerializedBytes], second[sizeof first];
    state.serialize(first);
    copy.serialize(second);
    EXPECT_EQ(std::memcmp(first, second, sizeof first), 0);
  }
}

// deserialize refuses any size but 28 bytes.
TEST(MoneyAccumulator, DeserializeRejectsWrongSizes) {
  unsigned char bytes[MoneyAccumulator::kSerializedBytes + 8] = {};
  EXPECT_TRUE(MoneyAccumulator::deserialize(bytes, MoneyAccumulator::kSerializedBytes).has_value());
  for (size_t size : {size_t{0}, size_t{1}, size_t{16}, size_t{24}, size_t{27}, size_t{29},
                      size_t{32}, size_t{36}}) {
    EXPECT_FALSE(MoneyAccumulator::deserialize(bytes, size).has_value()) << size;
  }
}

// deserialize refuses a negative count, a negative scale, and a scale above numeric's 16383.
TEST(MoneyAccumulator, DeserializeRejectsNegativeCountOrScale) {
  unsigned char bytes[MoneyAccumulator::kSerializedBytes];
  state_of(123, 4, 2).serialize(bytes);
  unsigned char negative_count[sizeof bytes];
  std::memcpy(negative_count, bytes, sizeof bytes);
  negative_count[23] = 0x80;
  EXPECT_FALSE(MoneyAccumulator::deserialize(negative_count, sizeof bytes).has_value());
  unsigned char minus_one_count[sizeof bytes];
  std::memcpy(minus_one_count, bytes, sizeof bytes);
  std::memset(minus_one_count + 16, 0xff, 8);
  EXPECT_FALSE(MoneyAccumulator::deserialize(minus_one_count, sizeof bytes).has_value());
  unsigned char negative_scale[sizeof bytes];
  std::memcpy(negative_scale, bytes, sizeof bytes);
  std::memset(negative_scale + 24, 0xff, 4);
  EXPECT_FALSE(MoneyAccumulator::deserialize(negative_scale, sizeof bytes).has_value());
  unsigned char huge_scale[sizeof bytes];
  std::memcpy(huge_scale, bytes, sizeof bytes);
  huge_scale[24] = 0x00;  // 16384 = 0x4000
  huge_scale[25] = 0x40;
  EXPECT_FALSE(MoneyAccumulator::deserialize(huge_scale, sizeof bytes).has_value());
  huge_scale[24] = 0xff;  // 16383 = 0x3fff
  huge_scale[25] = 0x3f;
  const auto largest = MoneyAccumulator::deserialize(huge_scale, sizeof bytes);
  ASSERT_TRUE(largest.has_value());
  EXPECT_EQ(largest->dscale(), 16383);
  EXPECT_EQ(largest->cents(), 123);
  EXPECT_EQ(largest->count(), 4);
}

// ---------------------------------------------------------------------------------------------
// format_cents and int128_to_string.

// Zero prints without a sign at every scale.
TEST(FormatCents, PrintsZeroWithoutSign) {
  EXPECT_EQ(format_cents(0, 0), "0");
  EXPECT_EQ(format_cents(0, 1), "0.0");
  EXPECT_EQ(format_cents(0, 2), "0.00");
  EXPECT_EQ(format_cents(0, 5), "0.00000");
}

// Scale 2 prints the cents as they are, with a leading "0." below one.
TEST(FormatCents, PrintsTwoDecimals) {
  EXPECT_EQ(format_cents(1, 2), "0.01");
  EXPECT_EQ(format_cents(-1, 2), "-0.01");
  EXPECT_EQ(format_cents(99, 2), "0.99");
  EXPECT_EQ(format_cents(-99, 2), "-0.99");
  EXPECT_EQ(format_cents(100, 2), "1.00");
  EXPECT_EQ(format_cents(-100, 2), "-1.00");
  EXPECT_EQ(format_cents(123456, 2), "1234.56");
  EXPECT_EQ(format_cents(-10, 2), "-0.10");
}

// Scales 0 and 1 print fewer digits when the cents allow it exactly.
TEST(FormatCents, PrintsScalesZeroAndOne) {
  EXPECT_EQ(format_cents(100, 0), "1");
  EXPECT_EQ(format_cents(-100, 0), "-1");
  EXPECT_EQ(format_cents(1000000, 0), "10000");
  EXPECT_EQ(format_cents(120, 1), "1.2");
  EXPECT_EQ(format_cents(-120, 1), "-1.2");
  EXPECT_EQ(format_cents(50, 1), "0.5");
  EXPECT_EQ(format_cents(-50, 1), "-0.5");
  EXPECT_EQ(format_cents(100, 1), "1.0");
}

// Scales above 2 pad with zeros.
TEST(FormatCents, PadsScalesAboveTwo) {
  EXPECT_EQ(format_cents(123, 3), "1.230");
  EXPECT_EQ(format_cents(-1, 6), "-0.010000");
  EXPECT_EQ(format_cents(100, 4), "1.0000");
  EXPECT_EQ(format_cents(5, 20), "0.05000000000000000000");
}

// The Int128 extremes and 2^63 cents print exactly.
TEST(FormatCents, PrintsTheExtremes) {
  EXPECT_EQ(format_cents(kMaxCents, 2), kMaxAmount);
  EXPECT_EQ(format_cents(kMinCents, 2), kMinAmount);
  EXPECT_EQ(format_cents(kMaxCents, 4), std::string(kMaxAmount) + "00");
  EXPECT_EQ(format_cents(kMinCents, 3), std::string(kMinAmount) + "0");
  EXPECT_EQ(format_cents(kTwoTo63 - 1, 2), "92233720368547758.07");
  EXPECT_EQ(format_cents(kTwoTo63, 2), "92233720368547758.08");
  EXPECT_EQ(format_cents(-kTwoTo63 - 1, 2), "-92233720368547758.09");
}

// Small values, the 64-bit edges and the Int128 extremes print as decimal text.
TEST(FixedPointInt128ToString, PrintsEdgeValues) {
  EXPECT_EQ(int128_to_string(0), "0");
  EXPECT_EQ(int128_to_string(1), "1");
  EXPECT_EQ(int128_to_string(-1), "-1");
  EXPECT_EQ(int128_to_string(10), "10");
  EXPECT_EQ(int128_to_string(-10), "-10");
  EXPECT_EQ(int128_to_string(std::numeric_limits<int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(int128_to_string(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(int128_to_string(static_cast<Int128>(1) << 64), "18446744073709551616");
  EXPECT_EQ(int128_to_string(kMaxCents), "170141183460469231731687303715884105727");
  EXPECT_EQ(int128_to_string(kMinCents), "-170141183460469231731687303715884105728");
}

// Random values of 1..38 digits print as the digits they were built from.
TEST(FixedPointInt128ToString, MatchesTheDigitsOfRandomValues) {
  std::mt19937_64 rng(0x5eed0003);
  for (int i = 0; i < 3000; ++i) {
    const int length = std::uniform_int_distribution<int>(1, 38)(rng);
    std::string text = rng() % 2 == 0 ? "-" : "";
    for (int d = 0; d < length; ++d) {
      text.push_back(static_cast<char>(d == 0 ? '1' + rng() % 9 : '0' + rng() % 10));
    }
    ASSERT_EQ(int128_to_string(int128_from_text(text)), text);
  }
}

// ---------------------------------------------------------------------------------------------
// round_half_even.

// The hand cases: halves go to the even neighbour, carries run, no negative zero.
TEST(RoundHalfEven, RoundsHandCases) {
  const struct {
    const char *text;
    int places;
    const char *expected;
  } cases[] = {
      {"2.345", 2, "2.34"},
      {"2.355", 2, "2.36"},
      {"-2.345", 2, "-2.34"},
      {"0.005", 2, "0.00"},
      {"0.015", 2, "0.02"},
      {"99.995", 2, "100.00"},
      {"9.5", 0, "10"},
      {"8.5", 0, "8"},
      {"-0.004", 2, "0.00"},
      {"5", 2, "5.00"},
      {"+2.345", 2, "2.34"},
      {".5", 0, "0"},
      {".51", 0, "1"},
      {"-.5", 0, "0"},
      {"+.015", 2, "0.02"},
      {"0.5", 0, "0"},
      {"1.5", 0, "2"},
      {"2.5", 0, "2"},
      {"-2.5", 0, "-2"},
      {"-3.5", 0, "-4"},
      {"-0.5", 0, "0"},
      {"2.3450001", 2, "2.35"},
      {"2.3449999", 2, "2.34"},
      {"-2.3450001", 2, "-2.35"},
      {"-999.9999", 3, "-1000.000"},
      {"0.9995", 3, "1.000"},
      {"9.99999", 4, "10.0000"},
      {"1.5", 4, "1.5000"},
      {"-7", 3, "-7.000"},
      {"0", 2, "0.00"},
      {"-0", 2, "0.00"},
      {"-0.000", 2, "0.00"},
      {"-0.005", 2, "0.00"},
      {"-0.0051", 2, "-0.01"},
      {"-0.4", 0, "0"},
      {"0009.995", 2, "10.00"},
      {"1.25", 1, "1.2"},
      {"1.35", 1, "1.4"},
      {"1.2500", 1, "1.2"},
      {"123", 0, "123"},
      {"-123.456", 6, "-123.456000"},
  };
  for (const auto &c : cases) {
    const std::optional<std::string> rounded = round_half_even(c.text, c.places);
    ASSERT_TRUE(rounded.has_value()) << c.text;
    EXPECT_EQ(*rounded, c.expected) << c.text << " at " << c.places;
  }
}

// Long texts, far beyond 128 bits, round exactly.
TEST(RoundHalfEven, RoundsLongTextsExactly) {
  const std::string digits = "12345678901234567890123456789012345678901234567890";
  EXPECT_EQ(round_half_even(digits + ".5", 0), digits);
  EXPECT_EQ(round_half_even(digits + ".5000000000000000000001", 0),
            "12345678901234567890123456789012345678901234567891");
  EXPECT_EQ(round_half_even("-" + std::string(60, '9') + ".995", 2),
            "-1" + std::string(60, '0') + ".00");
  EXPECT_EQ(round_half_even("0." + std::string(40, '0') + "1", 2), "0.00");
}

// Text that is not a plain decimal, and negative places, give nullopt.
TEST(RoundHalfEven, RejectsNonDecimalText) {
  for (const char *text :
       {"",  "NaN", "nan", "Infinity", "-Infinity", "1e5", "1E5", "1.2.3", "--1",   "+-1", "-+1",
        ".", "-",   "+",   "-.",       " 1",        "1 ",  "1,5", "0x10",  "1_000", "12a", "١"}) {
    EXPECT_FALSE(round_half_even(text, 2).has_value()) << text;
  }
  EXPECT_FALSE(round_half_even("1.5", -1).has_value());
}

// Random decimals (often exactly half, or runs of 0s and 9s) at places 0..6 round as the
// reference does.
TEST(RoundHalfEven, MatchesReferenceOnRandomDecimals) {
  std::mt19937_64 rng(0x5eed0004);
  int exact_halves = 0;
  for (int i = 0; i < 6000; ++i) {
    const int places = std::uniform_int_distribution<int>(0, 6)(rng);
    const int style = static_cast<int>(rng() % 4);
    const auto random_digit = [&rng, style]() {
      return static_cast<char>(style == 1 ? (rng() % 2 == 0 ? '0' : '9') : '0' + rng() % 10);
    };
    std::string integer;
    const int integer_digits = std::uniform_int_distribution<int>(0, 20)(rng);
    for (int d = 0; d < integer_digits; ++d) integer.push_back(random_digit());
    std::string fraction;
    if (style >= 2) {  // the kept digits, then exactly half or just off half
      for (int d = 0; d < places; ++d) fraction.push_back(random_digit());
      const int tail = std::uniform_int_distribution<int>(0, 3)(rng);
      if (style == 2) {
        fraction += "5" + std::string(static_cast<size_t>(tail), '0');
      } else {
        fraction += rng() % 2 == 0 ? "4" + std::string(static_cast<size_t>(tail), '9')
                                   : "5" + std::string(static_cast<size_t>(tail), '0') + "1";
      }
    } else {
      const int decimals = std::uniform_int_distribution<int>(0, 10)(rng);
      for (int d = 0; d < decimals; ++d) fraction.push_back(random_digit());
    }
    if (integer.empty() && fraction.empty()) integer = "0";
    const char *const signs[] = {"", "-", "+"};
    std::string text = signs[rng() % 3] + integer;
    if (!fraction.empty()) text += "." + fraction;
    if (style == 2) ++exact_halves;
    const std::optional<std::string> rounded = round_half_even(text, places);
    ASSERT_TRUE(rounded.has_value()) << text;
    ASSERT_EQ(*rounded, ref_round_half_even(text, places)) << text << " at " << places;
  }
  EXPECT_GT(exact_halves, 1000);
}

// ---------------------------------------------------------------------------------------------
// Sums against the reference.

// Random amounts of every magnitude decode exactly, and their sequential sum (with overflow
// refusals where the reference crosses the limits) prints as the reference sum at the max scale.
TEST(FixedPointReference, SequentialSumsMatchTheReference) {
  std::mt19937_64 rng(0x5eed0005);
  int refused = 0, accepted = 0, beyond_64_bits = 0;
  for (int c = 0; c < kReferenceCases; ++c) {
    const std::vector<DecodedAmount> amounts = decode_all(random_case(rng, c));
    MoneyAccumulator state;
    RefAccumulator model;
    for (const DecodedAmount &amount : amounts) {
      const bool added = model.add(amount.value, amount.dscale);
      EXPECT_EQ(state.add(amount.cents, amount.dscale), added)
          << "case " << c << ": " << int128_to_string(state.cents()) << " + "
          << int128_to_string(amount.cents);
      ++(added ? accepted : refused);
    }
    expect_same_state(state, model, "case " + std::to_string(c));
    if (state.cents() > kTwoTo63 || state.cents() < -kTwoTo63) ++beyond_64_bits;
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(refused, 100);
  EXPECT_GT(accepted, 10 * refused);
  EXPECT_GT(beyond_64_bits, 300);
}

// The same amounts split at random into 1..5 partial sums, each serialized and deserialized (also
// midway), then merged in random order: each step as the reference model, the end its sum.
TEST(FixedPointReference, MergedPartitionsMatchTheReference) {
  std::mt19937_64 rng(0x5eed0006);
  int unrefused_cases = 0, refused_merges = 0;
  for (int c = 0; c < kReferenceCases; ++c) {
    const std::vector<DecodedAmount> amounts = decode_all(random_case(rng, c));
    const size_t part_count = std::uniform_int_distribution<size_t>(1, 5)(rng);
    std::vector<MoneyAccumulator> parts(part_count);
    std::vector<RefAccumulator> models(part_count);
    bool any_refused = false;
    for (const DecodedAmount &amount : amounts) {
      const size_t part = rng() % part_count;
      if (rng() % 8 == 0) parts[part] = round_trip(parts[part]);
      const bool added = models[part].add(amount.value, amount.dscale);
      EXPECT_EQ(parts[part].add(amount.cents, amount.dscale), added) << "case " << c;
      any_refused = any_refused || !added;
    }
    std::vector<size_t> order(part_count);
    for (size_t i = 0; i < part_count; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    MoneyAccumulator total;
    RefAccumulator total_model;
    for (size_t part : order) {
      const MoneyAccumulator received = round_trip(parts[part]);
      expect_same_state(received, models[part], "case " + std::to_string(c));
      const bool merged = total_model.merge(models[part]);
      EXPECT_EQ(total.merge(received), merged) << "case " << c;
      any_refused = any_refused || !merged;
      if (!merged) ++refused_merges;
      total = round_trip(total);
    }
    expect_same_state(total, total_model, "case " + std::to_string(c));
    if (!any_refused) {  // nothing refused: the total is the sum of every amount
      RefAccumulator everything;
      for (const DecodedAmount &amount : amounts) {
        everything.sum = ref_add(everything.sum, amount.value);
        ++everything.count;
        everything.dscale = std::max(everything.dscale, amount.dscale);
      }
      expect_same_state(total, everything, "case " + std::to_string(c) + " (all amounts)");
      ++unrefused_cases;
    }
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(unrefused_cases, kReferenceCases / 2);
  EXPECT_GT(refused_merges, 10);
}

}  // namespace
