// Tests of key-list parsing in crypto/key_ring.
#include "crypto/key_ring.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace {

using tenancy::Error;
using tenancy::is_valid_key_id;
using tenancy::KeyRing;

// 32 distinct bytes, and the same bytes in both base64 alphabets.
const std::string kKeyA = [] {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(0xe0 + i));
  return key;
}();
const std::string kKeyB(32, '\x42');

// Parses spec, which must fail, and returns the error.
Error parse_error(const std::string &spec, size_t min_bytes = 32, size_t max_bytes = 32) {
  try {
    KeyRing::parse(spec, min_bytes, max_bytes);
  } catch (const Error &error) {
    return error;
  }
  ADD_FAILURE() << "KeyRing::parse accepted \"" << spec << "\"";
  return Error("00000", "no error");
}

// Checks that a rejected spec gives 22023 and shows none of the key text.
void expect_rejected_without_key(const std::string &spec, const std::string &key_text,
                                 size_t min_bytes = 32, size_t max_bytes = 32) {
  SCOPED_TRACE("spec \"" + spec + "\"");
  const Error error = parse_error(spec, min_bytes, max_bytes);
  EXPECT_STREQ(error.sqlstate(), "22023");
  EXPECT_NE(std::string(error.what()).find("is invalid"), std::string::npos) << error.what();
  if (!key_text.empty()) {
    EXPECT_EQ(std::string(error.what()).find(key_text), std::string::npos) << error.what();
    EXPECT_EQ(error.detail().find(key_text), std::string::npos);
    EXPECT_EQ(error.hint().find(key_text), std::string::npos);
  }
}

// A single entry parses and its key is found by kid.
TEST(KeyRing, ParsesSingleEntry) {
  const KeyRing ring = KeyRing::parse("k1:" + tenancy::base64url_encode(kKeyA), 32, 32);
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_FALSE(ring.empty());
  ASSERT_NE(ring.find("k1"), nullptr);
  EXPECT_EQ(*ring.find("k1"), kKeyA);
  EXPECT_EQ(ring.find("k2"), nullptr);
  EXPECT_EQ(ring.find(""), nullptr);
}

// Several entries with blanks around kids, keys, colons and commas all parse.
TEST(KeyRing, ParsesListWithWhitespace) {
  const std::string spec = "  2024-01.a : " + tenancy::base64_encode(kKeyA) + " ,\n\tkey_B:\t" +
                           tenancy::base64url_encode(kKeyB) + "\r\n , ";
  const KeyRing ring = KeyRing::parse(spec, 32, 32);
  EXPECT_EQ(ring.size(), 2u);
  ASSERT_NE(ring.find("2024-01.a"), nullptr);
  EXPECT_EQ(*ring.find("2024-01.a"), kKeyA);
  ASSERT_NE(ring.find("key_B"), nullptr);
  EXPECT_EQ(*ring.find("key_B"), kKeyB);
  EXPECT_EQ(ring.find(" key_B"), nullptr);
}

// Keys may be written in standard padded, url-safe padded or url-safe unpadded base64.
TEST(KeyRing, AcceptsEachBase64Form) {
  const std::string key = kKeyA.substr(0, 31);  // 31 bytes: encodings need padding
  const std::string standard = tenancy::base64_encode(key);
  const std::string url = tenancy::base64url_encode(key);
  const std::string url_padded = url + std::string((4 - url.size() % 4) % 4, '=');
  ASSERT_NE(standard.find('='), std::string::npos);
  ASSERT_NE(standard.find_first_of("+/"), std::string::npos);  // so the alphabets differ
  const KeyRing ring = KeyRing::parse("a:" + standard + ",b:" + url_padded + ",c:" + url, 16, 64);
  ASSERT_EQ(ring.size(), 3u);
  EXPECT_EQ(*ring.find("a"), key);
  EXPECT_EQ(*ring.find("b"), key);
  EXPECT_EQ(*ring.find("c"), key);
}

// An empty or blank spec is an empty ring, not an error.
TEST(KeyRing, EmptySpecIsEmptyRing) {
  EXPECT_TRUE(KeyRing::parse("", 32, 32).empty());
  EXPECT_TRUE(KeyRing::parse("  \t\n", 32, 32).empty());
  EXPECT_EQ(KeyRing::parse("", 32, 32).size(), 0u);
}

// The key length bounds are inclusive.
TEST(KeyRing, LengthBoundsAreInclusive) {
  EXPECT_EQ(KeyRing::parse("k:" + tenancy::base64_encode(std::string(16, 'x')), 16, 64).size(), 1u);
  EXPECT_EQ(KeyRing::parse("k:" + tenancy::base64_encode(std::string(64, 'x')), 16, 64).size(), 1u);
}

// An entry without a colon is refused with 22023 and without echoing the entry.
TEST(KeyRing, RejectsEntryWithoutColon) {
  const std::string key = tenancy::base64_encode(kKeyA);
  expect_rejected_without_key(key, key);
  expect_rejected_without_key("k1:" + tenancy::base64_encode(kKeyB) + "," + key, key);
  expect_rejected_without_key("k1:" + tenancy::base64_encode(kKeyB) + ",,k2:" + key, "");
}

// Malformed kids (empty, bad characters, too long) are refused with 22023.
TEST(KeyRing, RejectsBadKid) {
  const std::string key = tenancy::base64_encode(kKeyA);
  expect_rejected_without_key(":" + key, key);
  expect_rejected_without_key("bad kid:" + key, key);
  expect_rejected_without_key("k/1:" + key, key);
  expect_rejected_without_key("k\"1:" + key, key);
  expect_rejected_without_key(std::string(65, 'k') + ":" + key, key);
  EXPECT_EQ(KeyRing::parse(std::string(64, 'k') + ":" + key, 32, 32).size(), 1u);
}

// A kid listed twice is refused with 22023, and neither key is shown.
TEST(KeyRing, RejectsDuplicateKid) {
  const std::string first = tenancy::base64_encode(kKeyA);
  const std::string second = tenancy::base64_encode(kKeyB);
  expect_rejected_without_key("k1:" + first + ",k1:" + second, first);
  expect_rejected_without_key("k1:" + first + ",k1:" + second, second);
}

// A key that is not base64 is refused with 22023 and is not echoed.
TEST(KeyRing, RejectsBadBase64) {
  const std::string key = tenancy::base64_encode(kKeyA);
  const std::string corrupted = key.substr(0, 10) + "!" + key.substr(11);
  expect_rejected_without_key("k1:" + corrupted, corrupted.substr(0, 10));
  expect_rejected_without_key("k1:" + corrupted, corrupted.substr(11));
  const std::string spaced = key.substr(0, 20) + " " + key.substr(20);
  expect_rejected_without_key("k1:" + spaced, key.substr(0, 20));
  expect_rejected_without_key("k1:", "");  // empty key: decodes to 0 bytes, too short
}

// A key of the wrong decoded length is refused with 22023, and the key is not shown.
TEST(KeyRing, RejectsWrongLength) {
  const std::string short_key = tenancy::base64_encode(kKeyA.substr(0, 31));
  const std::string long_key = tenancy::base64_encode(kKeyA + "x");
  expect_rejected_without_key("k1:" + short_key, short_key);
  expect_rejected_without_key("k1:" + long_key, long_key);
  const Error error = parse_error("k1:" + short_key);
  EXPECT_NE(std::string(error.what()).find("31 bytes"), std::string::npos) << error.what();
}

// The error names the position of the bad entry.
TEST(KeyRing, ErrorNamesEntryPosition) {
  const std::string good = tenancy::base64_encode(kKeyA);
  const Error error = parse_error("a:" + good + ",b:" + good + ",c:not-base64!");
  EXPECT_NE(std::string(error.what()).find("entry 3"), std::string::npos) << error.what();
}

// Kids are 1-64 characters of A-Z a-z 0-9 . _ -.
TEST(KeyRing, ValidKeyIds) {
  EXPECT_TRUE(is_valid_key_id("a"));
  EXPECT_TRUE(is_valid_key_id("Key-2024_01.v2"));
  EXPECT_TRUE(is_valid_key_id(std::string(64, 'z')));
  EXPECT_FALSE(is_valid_key_id(""));
  EXPECT_FALSE(is_valid_key_id(std::string(65, 'z')));
  for (const char *kid : {"a b", "a:b", "a,b", "a/b", "a+b", "é", "a\nb", "a\"b"}) {
    EXPECT_FALSE(is_valid_key_id(kid)) << kid;
  }
}

}  // namespace
