// Tests of canonical UUID parsing and printing in core/uuid.
#include "core/uuid.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "test_util.hpp"

namespace {

using tenancy::format_uuid;
using tenancy::parse_uuid;
using tenancy::Uuid;

constexpr const char kLower[] = "0123abcd-4567-89ef-a0b1-c2d3e4f5a6b7";
constexpr const char kUpper[] = "0123ABCD-4567-89EF-A0B1-C2D3E4F5A6B7";
constexpr const char kBytesHex[] = "0123abcd456789efa0b1c2d3e4f5a6b7";

// A lower-case canonical uuid parses to its bytes in order.
TEST(Uuid, ParsesLowerCaseCanonicalForm) {
  const auto uuid = parse_uuid(kLower);
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(tenancy_test::to_hex(std::string(uuid->bytes.begin(), uuid->bytes.end())), kBytesHex);
}

// An upper-case canonical uuid parses to the same bytes as its lower-case form.
TEST(Uuid, ParsesUpperCaseCanonicalForm) {
  const auto upper = parse_uuid(kUpper);
  const auto lower = parse_uuid(kLower);
  ASSERT_TRUE(upper.has_value());
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(*upper, *lower);
}

// Mixed case is accepted too (each digit is read case-insensitively).
TEST(Uuid, ParsesMixedCase) {
  const auto mixed = parse_uuid("0123aBcD-4567-89eF-A0b1-c2D3e4F5a6B7");
  ASSERT_TRUE(mixed.has_value());
  EXPECT_EQ(*mixed, *parse_uuid(kLower));
}

// The nil and the all-ones uuids parse to all-zero and all-0xff bytes.
TEST(Uuid, ParsesExtremeValues) {
  const auto nil = parse_uuid("00000000-0000-0000-0000-000000000000");
  ASSERT_TRUE(nil.has_value());
  EXPECT_EQ(*nil, Uuid{});
  const auto max = parse_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff");
  ASSERT_TRUE(max.has_value());
  for (uint8_t b : max->bytes) EXPECT_EQ(b, 0xff);
}

// Formatting prints lower case with hyphens at 8-4-4-4-12.
TEST(Uuid, FormatsLowerCaseCanonical) {
  EXPECT_EQ(format_uuid(*parse_uuid(kUpper)), kLower);
  EXPECT_EQ(format_uuid(Uuid{}), "00000000-0000-0000-0000-000000000000");
}

// Random uuids survive format-then-parse, and canonical text survives parse-then-format.
TEST(Uuid, RoundTrips) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Uuid uuid;
    const std::string bytes = tenancy_test::random_bytes(rng, 16);
    for (size_t i = 0; i < 16; ++i) uuid.bytes[i] = static_cast<uint8_t>(bytes[i]);
    const std::string text = format_uuid(uuid);
    ASSERT_EQ(text.size(), 36u);
    const auto parsed = parse_uuid(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, uuid);
    EXPECT_EQ(format_uuid(*parsed), text);
  }
}

// Anything but exactly 36 characters is refused.
TEST(Uuid, RejectsWrongLength) {
  EXPECT_FALSE(parse_uuid("").has_value());
  EXPECT_FALSE(parse_uuid("0123abcd-4567-89ef-a0b1-c2d3e4f5a6b").has_value());    // 35
  EXPECT_FALSE(parse_uuid("0123abcd-4567-89ef-a0b1-c2d3e4f5a6b70").has_value());  // 37
  EXPECT_FALSE(parse_uuid(std::string(kLower) + " ").has_value());
  EXPECT_FALSE(parse_uuid(std::string(" ") + kLower).has_value());
}

// Hyphens must be exactly at positions 8, 13, 18 and 23.
TEST(Uuid, RejectsMisplacedHyphens) {
  EXPECT_FALSE(parse_uuid("0123abc-d4567-89ef-a0b1-c2d3e4f5a6b7").has_value());
  EXPECT_FALSE(parse_uuid("0123abcd4-567-89ef-a0b1-c2d3e4f5a6b7").has_value());
  EXPECT_FALSE(parse_uuid("0123abcd-456789ef--a0b1-c2d3e4f5a6b7").has_value());
  EXPECT_FALSE(parse_uuid("0123abcd-4567-89ef-a0b1c-2d3e4f5a6b7").has_value());
  EXPECT_FALSE(parse_uuid("0123abcd-4567-89ef-a0b1-c2d3e4f5a6-7").has_value());
  EXPECT_FALSE(parse_uuid("0123abcd_4567_89ef_a0b1_c2d3e4f5a6b7").has_value());
}

// Non-hexadecimal characters are refused wherever they appear.
TEST(Uuid, RejectsNonHexDigits) {
  const std::string good = kLower;
  for (size_t i = 0; i < good.size(); ++i) {
    if (good[i] == '-') continue;
    for (char bad : {'g', 'G', 'z', ' ', '+', 'x', '\0'}) {
      std::string text = good;
      text[i] = bad;
      EXPECT_FALSE(parse_uuid(text).has_value()) << "position " << i << " char " << int(bad);
    }
  }
}

// Braces, urn prefixes and the 32-digit form without hyphens are not canonical.
TEST(Uuid, RejectsOtherNotations) {
  EXPECT_FALSE(parse_uuid("{0123abcd-4567-89ef-a0b1-c2d3e4f5a6b7}").has_value());
  EXPECT_FALSE(parse_uuid("{0123abcd-4567-89ef-a0b1-c2d3e4f5a6}").has_value());  // 36 chars
  EXPECT_FALSE(parse_uuid("urn:uuid:0123abcd-4567-89ef-a0b1-c2d3e4f5a6b7").has_value());
  EXPECT_FALSE(parse_uuid(kBytesHex).has_value());
  EXPECT_FALSE(parse_uuid(std::string(kBytesHex) + "0000").has_value());  // 36, no hyphens
}

}  // namespace
