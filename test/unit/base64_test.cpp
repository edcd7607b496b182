// Tests of the base64 codecs in core/base64.
#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "test_util.hpp"

namespace {

using tenancy::base64_decode_any;
using tenancy::base64_encode;
using tenancy::base64url_decode;
using tenancy::base64url_encode;

// RFC 4648 section 10 test vectors: input and standard padded encoding.
const std::vector<std::pair<std::string, std::string>> kRfc4648Vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

// Drops trailing '=' padding.
std::string unpadded(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

// Standard encoding matches the RFC 4648 vectors exactly.
TEST(Base64, StandardEncodeMatchesRfc4648Vectors) {
  for (const auto &[input, encoded] : kRfc4648Vectors) {
    EXPECT_EQ(base64_encode(input), encoded) << "input \"" << input << "\"";
  }
}

// url-safe encoding is the RFC 4648 vectors without padding.
TEST(Base64, UrlEncodeMatchesRfc4648VectorsUnpadded) {
  for (const auto &[input, encoded] : kRfc4648Vectors) {
    EXPECT_EQ(base64url_encode(input), unpadded(encoded)) << "input \"" << input << "\"";
  }
}

// url-safe decoding of the unpadded RFC 4648 vectors gives back the inputs.
TEST(Base64, UrlDecodeMatchesRfc4648Vectors) {
  for (const auto &[input, encoded] : kRfc4648Vectors) {
    const auto decoded = base64url_decode(unpadded(encoded));
    ASSERT_TRUE(decoded.has_value()) << "encoding \"" << encoded << "\"";
    EXPECT_EQ(*decoded, input);
  }
}

// The url-safe alphabet uses '-' and '_' where the standard one uses '+' and '/'.
TEST(Base64, UrlAlphabetDiffersFromStandard) {
  const std::string bytes = tenancy_test::from_hex("fbff");
  EXPECT_EQ(base64_encode(bytes), "+/8=");
  EXPECT_EQ(base64url_encode(bytes), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::optional<std::string>(bytes));
}

// Encode-then-decode returns the same bytes for every length 0..64, in both codecs.
TEST(Base64, RoundTripsRandomBytesOfEveryLength) {
  std::mt19937 rng(20240601);
  for (size_t length = 0; length <= 64; ++length) {
    for (int trial = 0; trial < 8; ++trial) {
      const std::string bytes = tenancy_test::random_bytes(rng, length);
      const std::string url = base64url_encode(bytes);
      EXPECT_EQ(url.find('='), std::string::npos);
      EXPECT_EQ(url.size(), (length * 4 + 2) / 3) << "unpadded length for " << length;
      EXPECT_EQ(base64url_decode(url), std::optional<std::string>(bytes)) << "length " << length;
      const std::string standard = base64_encode(bytes);
      EXPECT_EQ(standard.size() % 4, 0u);
      EXPECT_EQ(base64_decode_any(standard), std::optional<std::string>(bytes))
          << "length " << length;
      EXPECT_EQ(base64_decode_any(url), std::optional<std::string>(bytes)) << "length " << length;
    }
  }
}

// Strict url-safe decoding refuses '=' padding.
TEST(Base64, UrlDecodeRejectsPadding) {
  EXPECT_FALSE(base64url_decode("Zg==").has_value());
  EXPECT_FALSE(base64url_decode("Zm8=").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vYg==").has_value());
  EXPECT_FALSE(base64url_decode("=").has_value());
  EXPECT_FALSE(base64url_decode("Zm9v=").has_value());
}

// Strict url-safe decoding refuses the standard alphabet's '+' and '/'.
TEST(Base64, UrlDecodeRejectsStandardAlphabet) {
  EXPECT_FALSE(base64url_decode("+/8").has_value());
  EXPECT_FALSE(base64url_decode("-/8").has_value());
  EXPECT_FALSE(base64url_decode("+_8").has_value());
  EXPECT_FALSE(base64url_decode("Zm9v+A").has_value());
}

// Strict url-safe decoding refuses stray characters and whitespace anywhere.
TEST(Base64, UrlDecodeRejectsStrayCharactersAndWhitespace) {
  for (const char *text : {"Zm9v!", "Zm 9v", " Zm9v", "Zm9v ", "Zm9v\n", "Zm\t9v", "Zm9v.",
                           "Zm9v\r\n", "Z*9v", "Zm9v\xc3\xa9"}) {
    EXPECT_FALSE(base64url_decode(text).has_value()) << "text \"" << text << "\"";
  }
  // An embedded NUL must not end the input early.
  EXPECT_FALSE(base64url_decode(std::string("Zm9v\0Zm9v", 9)).has_value());
}

// Strict url-safe decoding refuses lengths no encoding can have (1 mod 4).
TEST(Base64, UrlDecodeRejectsImpossibleLengths) {
  EXPECT_FALSE(base64url_decode("Z").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vYmFyZ").has_value());
}

// Strict url-safe decoding refuses non-zero unused bits in the last character.
TEST(Base64, UrlDecodeRejectsNonCanonicalTrailingBits) {
  // "f" is "Zg"; "Zh".."Zv" carry the same byte with non-zero spare bits.
  EXPECT_TRUE(base64url_decode("Zg").has_value());
  for (const char *text : {"Zh", "Zi", "Zv", "Zm9", "Zm-", "Zm9vYmF"}) {
    EXPECT_FALSE(base64url_decode(text).has_value()) << "text \"" << text << "\"";
  }
  // "fo" is "Zm8"; "Zm9" sets a spare bit.
  EXPECT_TRUE(base64url_decode("Zm8").has_value());
}

// The empty string decodes to no bytes.
TEST(Base64, UrlDecodeOfEmptyIsEmpty) { EXPECT_EQ(base64url_decode(""), std::string()); }

// decode_any accepts standard padded, url-safe padded and url-safe unpadded text.
TEST(Base64, DecodeAnyAcceptsEachDocumentedForm) {
  const std::string bytes = tenancy_test::from_hex("fbff00fe");
  EXPECT_EQ(base64_encode(bytes), "+/8A/g==");
  EXPECT_EQ(base64_decode_any("+/8A/g=="), std::optional<std::string>(bytes));
  EXPECT_EQ(base64_decode_any("-_8A_g=="), std::optional<std::string>(bytes));
  EXPECT_EQ(base64_decode_any("-_8A_g"), std::optional<std::string>(bytes));
}

// decode_any refuses mixed alphabets, unpadded standard text with '+' or '/', and junk.
TEST(Base64, DecodeAnyRejectsMalformedText) {
  for (const char *text :
       {"+_8A/g==", "-/8A_g==", "+/8A/g", "Zm9v!", "Zm 9v", "Zg=", "Zg===", "Z", "Zh==", "=Zg="}) {
    EXPECT_FALSE(base64_decode_any(text).has_value()) << "text \"" << text << "\"";
  }
}

}  // namespace
