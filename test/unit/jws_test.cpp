// Tests of compact JWS building and splitting, Ed25519 and HMAC-SHA-256 in crypto/jws.
#include "crypto/jws.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "test_util.hpp"

namespace {

using tenancy::base64url_decode;
using tenancy::base64url_encode;
using tenancy::ed25519_sign;
using tenancy::ed25519_verify;
using tenancy_test::from_hex;
using tenancy_test::to_hex;

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
const std::string kRfc8032Seed1 =
    from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const std::string kRfc8032Public1 =
    from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const char kRfc8032Signature1[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";
const std::string kRfc8032Seed2 =
    from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
const std::string kRfc8032Public2 =
    from_hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
const char kRfc8032Signature2[] =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
    "d8c387b2eaeb4302aeeb00d291612bb0c00";

// Ed25519 signing from a seed reproduces the RFC 8032 signatures.
TEST(Ed25519, SignMatchesRfc8032Vectors) {
  EXPECT_EQ(to_hex(ed25519_sign("", kRfc8032Seed1)), kRfc8032Signature1);
  EXPECT_EQ(to_hex(ed25519_sign(from_hex("72"), kRfc8032Seed2)), kRfc8032Signature2);
}

// The RFC 8032 signatures verify under their public keys, and not under the other key.
TEST(Ed25519, VerifyAcceptsRfc8032Vectors) {
  EXPECT_TRUE(ed25519_verify("", from_hex(kRfc8032Signature1), kRfc8032Public1));
  EXPECT_TRUE(ed25519_verify(from_hex("72"), from_hex(kRfc8032Signature2), kRfc8032Public2));
  EXPECT_FALSE(ed25519_verify("", from_hex(kRfc8032Signature1), kRfc8032Public2));
  EXPECT_FALSE(ed25519_verify(from_hex("73"), from_hex(kRfc8032Signature2), kRfc8032Public2));
}

// Signing with libsodium's 64-byte secret key gives the same signature as with its seed.
TEST(Ed25519, SignAcceptsExpandedSecretKey) {
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(public_key, secret_key,
                           reinterpret_cast<const unsigned char *>(kRfc8032Seed1.data()));
  const std::string expanded(reinterpret_cast<char *>(secret_key), sizeof secret_key);
  EXPECT_EQ(std::string(reinterpret_cast<char *>(public_key), sizeof public_key), kRfc8032Public1);
  EXPECT_EQ(ed25519_sign("message", expanded), ed25519_sign("message", kRfc8032Seed1));
}

// Secret keys of other lengths are refused with 22023.
TEST(Ed25519, SignRejectsBadKeyLength) {
  for (size_t length : {0, 16, 31, 33, 63, 65}) {
    try {
      ed25519_sign("message", std::string(length, 'k'));
      ADD_FAILURE() << "accepted a " << length << "-byte key";
    } catch (const tenancy::Error &error) {
      EXPECT_STREQ(error.sqlstate(), "22023");
    }
  }
}

// Verification refuses signatures and public keys of the wrong length instead of reading past
// them.
TEST(Ed25519, VerifyRejectsWrongLengths) {
  const std::string signature = from_hex(kRfc8032Signature1);
  EXPECT_FALSE(ed25519_verify("", signature.substr(0, 63), kRfc8032Public1));
  EXPECT_FALSE(ed25519_verify("", signature + "x", kRfc8032Public1));
  EXPECT_FALSE(ed25519_verify("", "", kRfc8032Public1));
  EXPECT_FALSE(ed25519_verify("", signature, kRfc8032Public1.substr(0, 31)));
  EXPECT_FALSE(ed25519_verify("", signature, ""));
}

// Any single-bit change of the message or signature makes verification fail.
TEST(Ed25519, VerifyRejectsAnyBitFlip) {
  const std::string message = "header.payload";
  const std::string signature = ed25519_sign(message, kRfc8032Seed1);
  ASSERT_TRUE(ed25519_verify(message, signature, kRfc8032Public1));
  for (size_t i = 0; i < signature.size(); ++i) {
    std::string flipped = signature;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(ed25519_verify(message, flipped, kRfc8032Public1)) << "signature byte " << i;
  }
  for (size_t i = 0; i < message.size(); ++i) {
    std::string flipped = message;
    flipped[i] ^= 0x20;
    EXPECT_FALSE(ed25519_verify(flipped, signature, kRfc8032Public1)) << "message byte " << i;
  }
}

// Generated key pairs are 32+32 bytes, differ each time, and sign verifiably.
TEST(Ed25519, GeneratedKeyPairsWork) {
  const auto first = tenancy::generate_ed25519_keypair();
  const auto second = tenancy::generate_ed25519_keypair();
  EXPECT_EQ(first.public_key.size(), 32u);
  EXPECT_EQ(first.secret_seed.size(), 32u);
  EXPECT_NE(first.public_key, second.public_key);
  EXPECT_NE(first.secret_seed, second.secret_seed);
  const std::string signature = ed25519_sign("hello", first.secret_seed);
  EXPECT_TRUE(ed25519_verify("hello", signature, first.public_key));
  EXPECT_FALSE(ed25519_verify("hello", signature, second.public_key));
}

// Key ids are "ed25519-" plus 12 base64url characters, stable per key and valid as kids.
TEST(Ed25519, KeyIdIsStableAndValid) {
  const std::string kid = tenancy::key_id_for(kRfc8032Public1);
  EXPECT_EQ(kid, tenancy::key_id_for(kRfc8032Public1));
  EXPECT_NE(kid, tenancy::key_id_for(kRfc8032Public2));
  ASSERT_EQ(kid.size(), 8u + 12u);
  EXPECT_EQ(kid.substr(0, 8), "ed25519-");
  EXPECT_TRUE(base64url_decode(kid.substr(8)).has_value());
  EXPECT_TRUE(tenancy::is_valid_key_id(kid));
}

// HMAC-SHA-256 reproduces RFC 4231 test cases 1, 2 and 6 (key longer than the block).
TEST(HmacSha256, MatchesRfc4231Vectors) {
  EXPECT_EQ(to_hex(tenancy::hmac_sha256("Hi There", std::string(20, '\x0b'))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(tenancy::hmac_sha256("what do ya want for nothing?", "Jefe")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(to_hex(tenancy::hmac_sha256("Test Using Larger Than Block-Size Key - Hash Key First",
                                        std::string(131, '\xaa'))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Tag verification accepts the right tag and refuses a wrong key, message, tag or length.
TEST(HmacSha256, VerifyChecksEverything) {
  const std::string key = "secret key of some length";
  const std::string tag = tenancy::hmac_sha256("message", key);
  EXPECT_TRUE(tenancy::hmac_sha256_verify("message", tag, key));
  EXPECT_FALSE(tenancy::hmac_sha256_verify("message", tag, key + "x"));
  EXPECT_FALSE(tenancy::hmac_sha256_verify("messagf", tag, key));
  std::string flipped = tag;
  flipped[31] ^= 0x80;
  EXPECT_FALSE(tenancy::hmac_sha256_verify("message", flipped, key));
  EXPECT_FALSE(tenancy::hmac_sha256_verify("message", tag.substr(0, 31), key));
  EXPECT_FALSE(tenancy::hmac_sha256_verify("message", tag + "x", key));
  EXPECT_FALSE(tenancy::hmac_sha256_verify("message", "", key));
}

// make_compact_jws writes base64url(header).base64url(payload).base64url(EdDSA signature).
TEST(CompactJws, MakeEdDsaHasThreeVerifiableParts) {
  const std::string header = R"({"alg":"EdDSA","kid":"k"})";
  const std::string payload = R"({"x":1})";
  const std::string token = tenancy::make_compact_jws(header, payload, "EdDSA", kRfc8032Seed1);
  const std::string signing_input = base64url_encode(header) + "." + base64url_encode(payload);
  ASSERT_EQ(token.substr(0, signing_input.size() + 1), signing_input + ".");
  const auto signature = base64url_decode(token.substr(signing_input.size() + 1));
  ASSERT_TRUE(signature.has_value());
  EXPECT_TRUE(ed25519_verify(signing_input, *signature, kRfc8032Public1));
}

// make_compact_jws with HS256 signs with HMAC-SHA-256 of the signing input.
TEST(CompactJws, MakeHs256UsesHmac) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  const std::string token = tenancy::make_compact_jws("{}", "{}", "HS256", key);
  const std::string signing_input = base64url_encode("{}") + "." + base64url_encode("{}");
  EXPECT_EQ(token,
            signing_input + "." + base64url_encode(tenancy::hmac_sha256(signing_input, key)));
}

// Unknown signature algorithms are refused with 22023.
TEST(CompactJws, MakeRejectsUnknownAlgorithm) {
  for (const char *algorithm : {"none", "", "RS256", "eddsa", "hs256"}) {
    try {
      tenancy::make_compact_jws("{}", "{}", algorithm, kRfc8032Seed1);
      ADD_FAILURE() << "accepted algorithm \"" << algorithm << "\"";
    } catch (const tenancy::Error &error) {
      EXPECT_STREQ(error.sqlstate(), "22023");
    }
  }
}

// Splitting a token gives back the decoded parts and the exact signing input.
TEST(CompactJws, SplitReturnsDecodedParts) {
  const std::string header = R"({"alg":"EdDSA"})";
  const std::string payload = "payload bytes \x01\xff";
  const std::string token = tenancy::make_compact_jws(header, payload, "EdDSA", kRfc8032Seed1);
  const auto jws = tenancy::split_compact_jws(token);
  ASSERT_TRUE(jws.has_value());
  EXPECT_EQ(jws->header_json, header);
  EXPECT_EQ(jws->payload_json, payload);
  EXPECT_EQ(jws->signature, ed25519_sign(jws->signing_input, kRfc8032Seed1));
  EXPECT_EQ(jws->signing_input, token.substr(0, token.rfind('.')));
  // The signing input points into the token itself.
  EXPECT_EQ(jws->signing_input.data(), token.data());
}

// Splitting accepts empty parts (e.g. an unsigned token's empty signature).
TEST(CompactJws, SplitAcceptsEmptyParts) {
  const auto jws = tenancy::split_compact_jws("..");
  ASSERT_TRUE(jws.has_value());
  EXPECT_TRUE(jws->header_json.empty());
  EXPECT_TRUE(jws->payload_json.empty());
  EXPECT_TRUE(jws->signature.empty());
  EXPECT_EQ(jws->signing_input, ".");
}

// Anything but three valid base64url parts is refused.
TEST(CompactJws, SplitRejectsMalformedTokens) {
  const std::string good = tenancy::make_compact_jws("{}", "{}", "EdDSA", kRfc8032Seed1);
  ASSERT_TRUE(tenancy::split_compact_jws(good).has_value());
  const std::string two_parts = good.substr(0, good.rfind('.'));
  for (const std::string &token :
       {std::string(), std::string("abc"), std::string("."), two_parts, good + ".", good + ".e30",
        "." + good, std::string("e30.e30.e30.e30"), std::string("e30=.e30.e30"),
        std::string("e30.e3+.e30"), std::string("e30.e30.e3/"), std::string("e30.e 30.e30"),
        std::string("e30.e30.!!!!"), std::string("e30.e30.A")}) {
    EXPECT_FALSE(tenancy::split_compact_jws(token).has_value()) << "token \"" << token << "\"";
  }
}

}  // namespace
