// Tests of opaque token generation, the format check and keyed token hashing in crypto/token.
#include "crypto/token.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "crypto/secret_buffer.hpp"
#include "test_util.hpp"

namespace {

using tenancy::Error;
using tenancy::generate_token;
using tenancy::hash_token;
using tenancy::is_well_formed_token;
using tenancy::require_well_formed_token;
using tenancy::SecretBuffer;
using tenancy_test::to_hex;

// The bytes 0x40..0x5f: a fixed 32-byte token sub-key.
SecretBuffer key_a() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(0x40 + i));
  return SecretBuffer(std::string_view(bytes));
}

// Another fixed 32-byte key that differs from key_a in its last byte only.
SecretBuffer key_b() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(0x40 + i));
  bytes.back() = '\x00';
  return SecretBuffer(std::string_view(bytes));
}

// True when every character of text is in the base64url alphabet.
bool is_base64url_alphabet(std::string_view text) {
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Runs generate_token(nbytes), which must fail, and returns the error.
Error generate_error(int nbytes) {
  try {
    generate_token(nbytes);
  } catch (const Error &error) {
    return error;
  }
  ADD_FAILURE() << "generate_token accepted nbytes " << nbytes;
  return Error("00000", "no error");
}

// Runs hash_token(token, key_a()), which must fail, and returns the error.
Error hash_error(std::string_view token) {
  try {
    hash_token(token, key_a());
  } catch (const Error &error) {
    return error;
  }
  ADD_FAILURE() << "hash_token accepted \"" << token << "\"";
  return Error("00000", "no error");
}

// Tokens of 16, 32 and 1024 bytes have 22, 43 and 1366 characters and decode back.
TEST(GenerateToken, LengthAlphabetAndDecoding) {
  const std::pair<int, size_t> cases[] = {{16, 22}, {32, 43}, {1024, 1366}};
  for (const auto &[nbytes, chars] : cases) {
    SCOPED_TRACE("nbytes " + std::to_string(nbytes));
    const SecretBuffer token = generate_token(nbytes);
    EXPECT_EQ(token.size(), chars);
    EXPECT_TRUE(is_base64url_alphabet(token.view())) << token.view();
    EXPECT_TRUE(is_well_formed_token(token.view()));
    const auto decoded = tenancy::base64url_decode(token.view());
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->size(), static_cast<size_t>(nbytes));
  }
}

// Every length in range gives a well-formed token of the right size (no stray NUL kept).
TEST(GenerateToken, EveryLengthInRangeIsWellFormed) {
  for (int nbytes = tenancy::kMinTokenBytes; nbytes <= tenancy::kMaxTokenBytes; nbytes += 7) {
    const SecretBuffer token = generate_token(nbytes);
    EXPECT_EQ(token.size(), (static_cast<size_t>(nbytes) * 4 + 2) / 3) << nbytes;
    EXPECT_TRUE(is_well_formed_token(token.view())) << nbytes;
    EXPECT_EQ(token.view().find('\0'), std::string_view::npos) << nbytes;
  }
}

// Tokens are random: many calls give distinct values.
TEST(GenerateToken, CallsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) seen.insert(std::string(generate_token(16).view()));
  EXPECT_EQ(seen.size(), 64u);
}

// nbytes outside 16-1024 is refused with 22023.
TEST(GenerateToken, RefusesOutOfRangeLengths) {
  for (const int nbytes : {15, 1025, 0, -1, -16, INT_MIN, INT_MAX}) {
    SCOPED_TRACE("nbytes " + std::to_string(nbytes));
    const Error error = generate_error(nbytes);
    EXPECT_STREQ(error.sqlstate(), "22023");
    EXPECT_NE(std::string(error.what()).find("between 16 and 1024"), std::string::npos)
        << error.what();
  }
}

// The length bounds are 22 and 1366 characters.
TEST(IsWellFormedToken, LengthBoundaries) {
  EXPECT_FALSE(is_well_formed_token(std::string(21, 'A')));
  EXPECT_TRUE(is_well_formed_token(std::string(22, 'A')));
  EXPECT_TRUE(is_well_formed_token(std::string(1366, 'A')));
  EXPECT_FALSE(is_well_formed_token(std::string(1367, 'A')));
  EXPECT_FALSE(is_well_formed_token(std::string(2000, 'A')));
  EXPECT_FALSE(is_well_formed_token(""));
}

// A length base64 cannot have (length % 4 == 1) is refused; the others are accepted.
TEST(IsWellFormedToken, RefusesImpossibleBase64Length) {
  for (size_t length = 22; length <= 1366; ++length) {
    EXPECT_EQ(is_well_formed_token(std::string(length, 'x')), length % 4 != 1) << length;
  }
}

// The whole base64url alphabet is accepted.
TEST(IsWellFormedToken, AcceptsBase64urlAlphabet) {
  EXPECT_TRUE(is_well_formed_token("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  EXPECT_TRUE(is_well_formed_token("abcdefghijklmnopqrstuvwxyz"));
  EXPECT_TRUE(is_well_formed_token("0123456789-_0123456789-_"));
}

// Any character outside the base64url alphabet, in any position, is refused.
TEST(IsWellFormedToken, RefusesOtherCharacters) {
  const std::string valid(24, 'A');
  static const char kBad[] = "+/= \t\n.~%$\0\x7f\xc3\xe9\xff";
  for (size_t i = 0; i + 1 < sizeof kBad; ++i) {
    for (const size_t position : {size_t{0}, size_t{11}, size_t{23}}) {
      std::string token = valid;
      token[position] = kBad[i];
      EXPECT_FALSE(is_well_formed_token(token)) << to_hex(token);
    }
  }
  EXPECT_FALSE(is_well_formed_token(std::string(22, 'A') + "=="));  // padded
  EXPECT_FALSE(
      is_well_formed_token("AAAAAAAAAA\xc3\xa9"
                           "AAAAAAAAAA"));  // UTF-8 é
}

// require_well_formed_token is silent for a good token and throws 22P02 for a bad one.
TEST(RequireWellFormedToken, ThrowsForMalformed) {
  EXPECT_NO_THROW(require_well_formed_token(std::string(22, 'A')));
  try {
    require_well_formed_token("not a token");
    ADD_FAILURE() << "accepted a malformed token";
  } catch (const Error &error) {
    EXPECT_STREQ(error.sqlstate(), "22P02");
  }
}

// hash_token is keyed BLAKE2b-256 with the sub-key as key (vectors from Python's hashlib).
TEST(HashToken, MatchesKeyedBlake2b) {
  EXPECT_EQ(to_hex(hash_token("AAAAAAAAAAAAAAAAAAAAAA", key_a())),
            "66c041f3bf6b36103764bd38af8a5a8e518649745a552af2acae80d82485e86b");
  EXPECT_EQ(to_hex(hash_token("abcdefghijklmnopqrstuvwxyz-_0123456789", key_a())),
            "96495df9e2238092b6f28349b80576cd281dd31c9dba191e2ba07751a8c985c7");
}

// The same token and key always give the same 32-byte digest.
TEST(HashToken, DeterministicAndThirtyTwoBytes) {
  const SecretBuffer token = generate_token(32);
  const std::string first = hash_token(token.view(), key_a());
  EXPECT_EQ(first.size(), tenancy::kTokenDigestBytes);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(hash_token(token.view(), key_a()), first);
}

// Another key gives another digest.
TEST(HashToken, DiffersWithKey) {
  const SecretBuffer token = generate_token(32);
  EXPECT_NE(hash_token(token.view(), key_a()), hash_token(token.view(), key_b()));
}

// Other tokens give other digests, even tokens one character apart.
TEST(HashToken, DiffersWithToken) {
  const std::string token(43, 'A');
  std::string other = token;
  other.back() = 'B';
  EXPECT_NE(hash_token(token, key_a()), hash_token(other, key_a()));
  EXPECT_NE(hash_token(token, key_a()), hash_token(token + "A", key_a()));
  const SecretBuffer random1 = generate_token(16);
  const SecretBuffer random2 = generate_token(16);
  EXPECT_NE(hash_token(random1.view(), key_a()), hash_token(random2.view(), key_a()));
}

// A malformed token is refused with 22P02, and the error never shows the token.
TEST(HashToken, MalformedTokenIsRefusedWithoutEcho) {
  for (const std::string &token :
       {std::string("sEcReTtOkEn+with/slashes=="), std::string("sEcReTtOkEn"),
        std::string("sEcReTtOkEnsEcReTtOkEn sEcReTtOkEn"), std::string(1367, 'Q'), std::string()}) {
    SCOPED_TRACE("token of " + std::to_string(token.size()) + " chars");
    const Error error = hash_error(token);
    EXPECT_STREQ(error.sqlstate(), "22P02");
    EXPECT_STREQ(error.what(), "malformed token");
    if (!token.empty()) {
      const std::string probe = token.substr(0, 11);
      EXPECT_EQ(std::string(error.what()).find(probe), std::string::npos) << error.what();
      EXPECT_EQ(error.detail().find(probe), std::string::npos) << error.detail();
      EXPECT_EQ(error.hint().find(probe), std::string::npos) << error.hint();
    }
  }
}

// Regression test (the bug was found by this test and fixed): hash_token
// ignores crypto_generichash's return value: with a key longer than 64 bytes libsodium refuses
// and leaves the digest as 32 zero bytes, so every token "hashes" to the same value.
TEST(HashToken, KeyOfWrongSizeIsNotSilentlyIgnored) {
  const SecretBuffer oversized{std::string_view(std::string(65, 'k'))};
  std::string first, second;
  try {
    first = hash_token(std::string(22, 'A'), oversized);
    second = hash_token(std::string(22, 'B'), oversized);
  } catch (const Error &) {
    return;  // refusing the key is a correct outcome
  }
  EXPECT_NE(first, std::string(32, '\0'));
  EXPECT_NE(first, second);
}

}  // namespace
