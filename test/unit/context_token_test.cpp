// Tests of signed tenant-context token verification in context/context_claims.
#include "context/context_claims.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "context/org_role.hpp"
#include "core/base64.hpp"
#include "core/uuid.hpp"
#include "crypto/jws.hpp"
#include "crypto/key_ring.hpp"

namespace tenancy {

// Prints failures by name in assertion messages.
void PrintTo(TokenFailure failure, std::ostream *os) {
  static const char *const kNames[] = {"kNone",        "kMalformed",    "kUnsupportedAlgorithm",
                                       "kUnknownKey",  "kBadSignature", "kExpired",
                                       "kNotYetValid", "kMissingClaim", "kInvalidClaim"};
  const int index = static_cast<int>(failure);
  *os << (index >= 0 && index < 9 ? kNames[index] : "TokenFailure(?)");
}

}  // namespace tenancy

namespace {

using Json = nlohmann::json;
using tenancy::base64url_decode;
using tenancy::base64url_encode;
using tenancy::ContextClaims;
using tenancy::KeyRing;
using tenancy::TokenFailure;
using tenancy::TokenKeys;
using tenancy::TokenVerdict;

constexpr const char kOrg[] = "11111111-2222-4333-8444-555555555555";
constexpr const char kUser[] = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
constexpr int64_t kIat = 1700000000;   // seconds
constexpr int64_t kExp = kIat + 3600;  // seconds
constexpr int64_t kNbf = kIat - 60;    // seconds
constexpr int64_t kUs = 1000000;       // microseconds per second
constexpr int64_t kNowUs = (kIat + 10) * kUs;

// The 16 bytes of a canonical uuid.
std::vector<uint8_t> uuid_bytes(const char *text) {
  const auto uuid = tenancy::parse_uuid(text);
  return std::vector<uint8_t>(uuid->bytes.begin(), uuid->bytes.end());
}

// A claims array as a vector, for comparison.
std::vector<uint8_t> bytes_of(const uint8_t (&array)[16]) {
  return std::vector<uint8_t>(array, array + 16);
}

// Splits a token at its dots.
std::vector<std::string> parts_of(const std::string &token) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

class ContextTokenTest : public ::testing::Test {
 protected:
  // The header of an EdDSA token signed by the trusted key "ed1".
  static Json eddsa_header(const char *kid = "ed1") {
    return Json{{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", kid}};
  }

  // The header of an HS256 token under the key "hs1".
  static Json hs256_header(const char *kid = "hs1") {
    return Json{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", kid}};
  }

  // A payload with every claim set.
  static Json full_payload() {
    return Json{{"org_id", kOrg}, {"sub", kUser}, {"org_role", "ADMIN"},
                {"iat", kIat},    {"exp", kExp},  {"nbf", kNbf}};
  }

  // A token signed with the trusted Ed25519 key.
  std::string eddsa_token(const Json &payload, const Json &header = eddsa_header()) const {
    return tenancy::make_compact_jws(header.dump(), payload.dump(), "EdDSA", trusted_.secret_seed);
  }

  // A token MACed with the configured HS256 secret.
  std::string hs256_token(const Json &payload, const Json &header = hs256_header()) const {
    return tenancy::make_compact_jws(header.dump(), payload.dump(), "HS256", hs256_secret_);
  }

  // Verifies at kNowUs with EdDSA keys only.
  TokenVerdict verify(const std::string &token, int64_t now_us = kNowUs) const {
    return tenancy::verify_context_token(token, eddsa_only_, now_us);
  }

  // Checks a refusal: the right failure, a reason, and no token text in the reason.
  static void expect_refused(const TokenVerdict &verdict, const std::string &token,
                             TokenFailure failure) {
    EXPECT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.failure, failure) << "reason: " << verdict.reason;
    EXPECT_FALSE(verdict.reason.empty());
    expect_reason_hides_token(verdict.reason, token);
  }

  // The reason must not contain the token or any sizeable part of it.
  static void expect_reason_hides_token(const std::string &reason, const std::string &token) {
    if (!token.empty()) {
      EXPECT_EQ(reason.find(token), std::string::npos) << reason;
    }
    for (const std::string &part : parts_of(token)) {
      if (part.size() >= 8) {
        EXPECT_EQ(reason.find(part), std::string::npos) << reason;
      }
    }
  }

  const tenancy::Ed25519KeyPair trusted_ = tenancy::generate_ed25519_keypair();
  const tenancy::Ed25519KeyPair other_trusted_ = tenancy::generate_ed25519_keypair();
  const tenancy::Ed25519KeyPair untrusted_ = tenancy::generate_ed25519_keypair();
  const std::string hs256_secret_ = std::string("0123456789abcdef0123456789abcdef");
  const KeyRing ed25519_ring_ =
      KeyRing::parse("ed1:" + tenancy::base64_encode(trusted_.public_key) +
                         ",ed2:" + tenancy::base64url_encode(other_trusted_.public_key),
                     32, 32);
  const KeyRing empty_ring_ = KeyRing::parse("", 32, 64);
  const KeyRing hs256_ring_ =
      KeyRing::parse("hs1:" + tenancy::base64_encode(hs256_secret_), 32, 64);
  const TokenKeys eddsa_only_{ed25519_ring_, empty_ring_};
  const TokenKeys with_hs256_{ed25519_ring_, hs256_ring_};
};

// ---------------------------------------------------------------------------------------------
// Accepted tokens.

// A good EdDSA token verifies and yields org, user, role rank and times in microseconds.
TEST_F(ContextTokenTest, GoodEdDsaTokenYieldsClaims) {
  const std::string token = eddsa_token(full_payload());
  const TokenVerdict verdict = verify(token);
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(verdict.failure, TokenFailure::kNone);
  const ContextClaims &claims = verdict.claims;
  EXPECT_EQ(bytes_of(claims.org_id), uuid_bytes(kOrg));
  EXPECT_TRUE(claims.has_user);
  EXPECT_EQ(bytes_of(claims.user_id), uuid_bytes(kUser));
  EXPECT_EQ(claims.role, static_cast<int8_t>(tenancy::OrgRole::kAdmin));
  EXPECT_EQ(claims.expires_at_us, kExp * kUs);
  EXPECT_EQ(claims.issued_at_us, kIat * kUs);
  EXPECT_EQ(claims.not_before_us, kNbf * kUs);
}

// Each role label maps to its rank.
TEST_F(ContextTokenTest, EachRoleMapsToItsRank) {
  for (int rank = 0; rank < tenancy::kOrgRoleCount; ++rank) {
    Json payload = full_payload();
    payload["org_role"] = tenancy::org_role_label(static_cast<tenancy::OrgRole>(rank));
    const TokenVerdict verdict = verify(eddsa_token(payload));
    ASSERT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_EQ(verdict.claims.role, rank);
  }
}

// Without sub, org_role and nbf: no user, role -1, nbf INT64_MIN.
TEST_F(ContextTokenTest, OptionalClaimsMayBeAbsent) {
  const Json payload = {{"org_id", kOrg}, {"iat", kIat}, {"exp", kExp}};
  const TokenVerdict verdict = verify(eddsa_token(payload));
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(bytes_of(verdict.claims.org_id), uuid_bytes(kOrg));
  EXPECT_FALSE(verdict.claims.has_user);
  EXPECT_EQ(verdict.claims.role, -1);
  EXPECT_EQ(verdict.claims.not_before_us, std::numeric_limits<int64_t>::min());
}

// JSON null optional claims count as absent.
TEST_F(ContextTokenTest, NullOptionalClaimsCountAsAbsent) {
  Json payload = full_payload();
  payload["sub"] = nullptr;
  payload["org_role"] = nullptr;
  payload.erase("nbf");
  const TokenVerdict verdict = verify(eddsa_token(payload));
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_FALSE(verdict.claims.has_user);
  EXPECT_EQ(verdict.claims.role, -1);
}

// Fractional NumericDates become whole microseconds.
TEST_F(ContextTokenTest, FractionalTimesBecomeMicroseconds) {
  Json payload = full_payload();
  payload["iat"] = 1700000000.25;
  payload["exp"] = 1700003600.5;
  payload["nbf"] = 1699999940.125;
  const TokenVerdict verdict = verify(eddsa_token(payload));
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(verdict.claims.issued_at_us, 1700000000250000);
  EXPECT_EQ(verdict.claims.expires_at_us, 1700003600500000);
  EXPECT_EQ(verdict.claims.not_before_us, 1699999940125000);
}

// Upper-case uuids in claims are accepted.
TEST_F(ContextTokenTest, UpperCaseUuidClaimsAreAccepted) {
  Json payload = full_payload();
  payload["org_id"] = "11111111-2222-4333-8444-555555555555";
  payload["sub"] = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE";
  const TokenVerdict verdict = verify(eddsa_token(payload));
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(bytes_of(verdict.claims.user_id), uuid_bytes(kUser));
}

// A token signed by the second trusted key (key rotation) verifies under its kid.
TEST_F(ContextTokenTest, SecondKeyOfRingVerifies) {
  const std::string token = tenancy::make_compact_jws(
      eddsa_header("ed2").dump(), full_payload().dump(), "EdDSA", other_trusted_.secret_seed);
  EXPECT_TRUE(verify(token).ok());
}

// The payload written by context_claims_json verifies back to the same claims.
TEST_F(ContextTokenTest, ContextClaimsJsonRoundTrips) {
  const auto org = tenancy::parse_uuid(kOrg);
  const auto user = tenancy::parse_uuid(kUser);
  const std::string payload = tenancy::context_claims_json(*org, &*user, "OWNER", kIat, kExp);
  const std::string token =
      tenancy::make_compact_jws(eddsa_header().dump(), payload, "EdDSA", trusted_.secret_seed);
  const TokenVerdict verdict = verify(token);
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(bytes_of(verdict.claims.org_id), uuid_bytes(kOrg));
  EXPECT_TRUE(verdict.claims.has_user);
  EXPECT_EQ(bytes_of(verdict.claims.user_id), uuid_bytes(kUser));
  EXPECT_EQ(verdict.claims.role, static_cast<int8_t>(tenancy::OrgRole::kOwner));
  EXPECT_EQ(verdict.claims.issued_at_us, kIat * kUs);
  EXPECT_EQ(verdict.claims.expires_at_us, kExp * kUs);
}

// context_claims_json leaves out sub and org_role when not given.
TEST_F(ContextTokenTest, ContextClaimsJsonOmitsAbsentClaims) {
  const Json payload =
      Json::parse(tenancy::context_claims_json(*tenancy::parse_uuid(kOrg), nullptr, nullptr, 1, 2));
  EXPECT_EQ(payload, (Json{{"org_id", kOrg}, {"iat", 1}, {"exp", 2}}));
}

// ---------------------------------------------------------------------------------------------
// Signatures and keys.

// Flipping a byte of the signature makes it a bad signature.
TEST_F(ContextTokenTest, FlippedSignatureByteIsBadSignature) {
  const std::string token = eddsa_token(full_payload());
  const size_t dot = token.rfind('.');
  for (size_t index : {size_t{0}, size_t{31}, size_t{63}}) {
    std::string signature = *base64url_decode(token.substr(dot + 1));
    signature[index] ^= 0x01;
    const std::string forged = token.substr(0, dot + 1) + base64url_encode(signature);
    expect_refused(verify(forged), forged, TokenFailure::kBadSignature);
  }
}

// Changing the payload after signing makes it a bad signature.
TEST_F(ContextTokenTest, AlteredPayloadIsBadSignature) {
  const std::string token = eddsa_token(full_payload());
  const auto parts = parts_of(token);
  Json payload = full_payload();
  payload["org_role"] = "OWNER";
  const std::string forged = parts[0] + "." + base64url_encode(payload.dump()) + "." + parts[2];
  expect_refused(verify(forged), forged, TokenFailure::kBadSignature);
  // A single flipped byte of the payload JSON, too.
  std::string raw = full_payload().dump();
  raw[raw.find(kOrg)] ^= 0x01;
  const std::string flipped = parts[0] + "." + base64url_encode(raw) + "." + parts[2];
  expect_refused(verify(flipped), flipped, TokenFailure::kBadSignature);
}

// Changing the header after signing makes it a bad signature.
TEST_F(ContextTokenTest, AlteredHeaderIsBadSignature) {
  const std::string token = eddsa_token(full_payload());
  const auto parts = parts_of(token);
  Json header = eddsa_header();
  header["typ"] = "jwt";
  const std::string forged = base64url_encode(header.dump()) + "." + parts[1] + "." + parts[2];
  expect_refused(verify(forged), forged, TokenFailure::kBadSignature);
}

// A token signed by an untrusted key under a trusted kid is a bad signature.
TEST_F(ContextTokenTest, WrongKeyUnderTrustedKidIsBadSignature) {
  const std::string token = tenancy::make_compact_jws(
      eddsa_header("ed1").dump(), full_payload().dump(), "EdDSA", untrusted_.secret_seed);
  expect_refused(verify(token), token, TokenFailure::kBadSignature);
  // ed2's signature does not verify under ed1's key either.
  const std::string swapped = tenancy::make_compact_jws(
      eddsa_header("ed1").dump(), full_payload().dump(), "EdDSA", other_trusted_.secret_seed);
  expect_refused(verify(swapped), swapped, TokenFailure::kBadSignature);
}

// A signature part of the wrong length is a bad signature.
TEST_F(ContextTokenTest, WrongLengthSignatureIsBadSignature) {
  const std::string token = eddsa_token(full_payload());
  const size_t dot = token.rfind('.');
  const std::string signature = *base64url_decode(token.substr(dot + 1));
  for (const std::string &bad : {signature.substr(0, 63), signature + "x", std::string()}) {
    const std::string forged = token.substr(0, dot + 1) + base64url_encode(bad);
    expect_refused(verify(forged), forged, TokenFailure::kBadSignature);
  }
}

// A kid that is not configured, or no kid at all, is an unknown key.
TEST_F(ContextTokenTest, UnknownOrMissingKidIsUnknownKey) {
  const std::string unknown = tenancy::make_compact_jws(
      eddsa_header("ed9").dump(), full_payload().dump(), "EdDSA", untrusted_.secret_seed);
  expect_refused(verify(unknown), unknown, TokenFailure::kUnknownKey);
  Json header = eddsa_header();
  header.erase("kid");
  const std::string no_kid = eddsa_token(full_payload(), header);
  expect_refused(verify(no_kid), no_kid, TokenFailure::kUnknownKey);
  header["kid"] = 1;
  const std::string numeric_kid = eddsa_token(full_payload(), header);
  expect_refused(verify(numeric_kid), numeric_kid, TokenFailure::kUnknownKey);
  header["kid"] = nullptr;
  const std::string null_kid = eddsa_token(full_payload(), header);
  expect_refused(verify(null_kid), null_kid, TokenFailure::kUnknownKey);
}

// An EdDSA token naming an HS256 kid finds no Ed25519 key.
TEST_F(ContextTokenTest, EdDsaTokenWithHs256KidIsUnknownKey) {
  const std::string token = eddsa_token(full_payload(), eddsa_header("hs1"));
  expect_refused(tenancy::verify_context_token(token, with_hs256_, kNowUs), token,
                 TokenFailure::kUnknownKey);
}

// ---------------------------------------------------------------------------------------------
// Algorithms.

// alg "none" with an empty signature is refused as an unsupported algorithm.
TEST_F(ContextTokenTest, AlgNoneIsRefused) {
  for (const char *alg : {"none", "None", "NONE"}) {
    const Json header = {{"alg", alg}, {"kid", "ed1"}};
    const std::string token =
        base64url_encode(header.dump()) + "." + base64url_encode(full_payload().dump()) + ".";
    expect_refused(verify(token), token, TokenFailure::kUnsupportedAlgorithm);
    expect_refused(tenancy::verify_context_token(token, with_hs256_, kNowUs), token,
                   TokenFailure::kUnsupportedAlgorithm);
  }
}

// Algorithms other than EdDSA and HS256 are refused.
TEST_F(ContextTokenTest, OtherAlgorithmsAreRefused) {
  for (const char *alg : {"RS256", "ES256", "HS512", "eddsa", "Ed25519", ""}) {
    Json header = eddsa_header();
    header["alg"] = alg;
    const std::string token = eddsa_token(full_payload(), header);
    expect_refused(verify(token), token, TokenFailure::kUnsupportedAlgorithm);
  }
}

// A header without a string alg is malformed.
TEST_F(ContextTokenTest, MissingOrNonStringAlgIsMalformed) {
  Json header = eddsa_header();
  header.erase("alg");
  const std::string no_alg = eddsa_token(full_payload(), header);
  expect_refused(verify(no_alg), no_alg, TokenFailure::kMalformed);
  header["alg"] = Json::array({"EdDSA"});
  const std::string array_alg = eddsa_token(full_payload(), header);
  expect_refused(verify(array_alg), array_alg, TokenFailure::kMalformed);
}

// HS256 is refused while no HS256 key is configured, even with a correct MAC.
TEST_F(ContextTokenTest, Hs256RefusedWhenNotConfigured) {
  const std::string token = hs256_token(full_payload());
  ASSERT_TRUE(tenancy::verify_context_token(token, with_hs256_, kNowUs).ok());
  expect_refused(verify(token), token, TokenFailure::kUnsupportedAlgorithm);
}

// HS256 verifies when configured and yields the claims.
TEST_F(ContextTokenTest, Hs256AcceptedWhenConfigured) {
  const TokenVerdict verdict =
      tenancy::verify_context_token(hs256_token(full_payload()), with_hs256_, kNowUs);
  ASSERT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(bytes_of(verdict.claims.org_id), uuid_bytes(kOrg));
  EXPECT_EQ(verdict.claims.role, static_cast<int8_t>(tenancy::OrgRole::kAdmin));
  // EdDSA tokens still verify alongside.
  EXPECT_TRUE(tenancy::verify_context_token(eddsa_token(full_payload()), with_hs256_, kNowUs).ok());
}

// HS256 with the wrong secret is a bad signature.
TEST_F(ContextTokenTest, Hs256WrongSecretIsBadSignature) {
  const std::string token = tenancy::make_compact_jws(hs256_header().dump(), full_payload().dump(),
                                                      "HS256", hs256_secret_ + "x");
  expect_refused(tenancy::verify_context_token(token, with_hs256_, kNowUs), token,
                 TokenFailure::kBadSignature);
}

// HS256 MACed with an Ed25519 public key under its kid (key confusion) finds no HS256 key.
TEST_F(ContextTokenTest, Hs256WithEd25519KidIsUnknownKey) {
  const std::string token = tenancy::make_compact_jws(
      hs256_header("ed1").dump(), full_payload().dump(), "HS256", trusted_.public_key);
  expect_refused(tenancy::verify_context_token(token, with_hs256_, kNowUs), token,
                 TokenFailure::kUnknownKey);
}

// A header with crit is refused, whatever it lists.
TEST_F(ContextTokenTest, CritHeaderIsRefused) {
  for (const Json &crit : {Json::array({"exp"}), Json::array(), Json("b64")}) {
    Json header = eddsa_header();
    header["crit"] = crit;
    const std::string token = eddsa_token(full_payload(), header);
    expect_refused(verify(token), token, TokenFailure::kUnsupportedAlgorithm);
  }
}

// ---------------------------------------------------------------------------------------------
// Structure.

// Truncated tokens are malformed (or a bad signature when the cut leaves valid base64).
TEST_F(ContextTokenTest, TruncatedTokenIsRefused) {
  const std::string token = eddsa_token(full_payload());
  const std::string two_parts = token.substr(0, token.rfind('.'));
  expect_refused(verify(two_parts), two_parts, TokenFailure::kMalformed);
  const std::string dangling = token.substr(0, token.rfind('.') + 1);  // empty signature
  expect_refused(verify(dangling), dangling, TokenFailure::kBadSignature);
  const std::string one_part = token.substr(0, token.find('.'));
  expect_refused(verify(one_part), one_part, TokenFailure::kMalformed);
  // 86 signature characters minus one is not a possible base64 length.
  const std::string minus_one = token.substr(0, token.size() - 1);
  expect_refused(verify(minus_one), minus_one, TokenFailure::kMalformed);
  // Minus two leaves 63 whole bytes: decodable, but not a signature.
  const std::string minus_two = token.substr(0, token.size() - 2);
  expect_refused(verify(minus_two), minus_two, TokenFailure::kBadSignature);
  // Cut in the middle of the payload.
  const std::string half = token.substr(0, token.size() / 2);
  expect_refused(verify(half), half, TokenFailure::kMalformed);
}

// Garbage and parts that are not base64url are malformed.
TEST_F(ContextTokenTest, GarbageIsMalformed) {
  const auto parts = parts_of(eddsa_token(full_payload()));
  for (const std::string &token : {
           std::string("garbage"),
           std::string("not.a.token!"),
           std::string("!!!!.$$$$.####"),
           std::string(".."),
           std::string("a.b.c"),
           "+" + parts[0].substr(1) + "." + parts[1] + "." + parts[2],
           parts[0] + "." + parts[1] + "=." + parts[2],
           parts[0] + "." + parts[1] + "." + parts[2] + "==",
           parts[0] + " ." + parts[1] + "." + parts[2],
           parts[0] + "." + parts[1] + ".\n" + parts[2],
           std::string("Bearer ") + parts[0] + "." + parts[1] + "." + parts[2],
       }) {
    SCOPED_TRACE("token \"" + token + "\"");
    expect_refused(verify(token), token, TokenFailure::kMalformed);
  }
}

// An empty token is malformed.
TEST_F(ContextTokenTest, EmptyTokenIsMalformed) {
  expect_refused(verify(""), "", TokenFailure::kMalformed);
}

// A fourth part (an extra dot) is malformed.
TEST_F(ContextTokenTest, ExtraDotIsMalformed) {
  const std::string token = eddsa_token(full_payload());
  for (const std::string &bad :
       {token + ".", token + ".e30", "." + token,
        token.substr(0, token.find('.')) + ".." + token.substr(token.find('.') + 1)}) {
    SCOPED_TRACE("token \"" + bad + "\"");
    expect_refused(verify(bad), bad, TokenFailure::kMalformed);
  }
}

// Tokens over 8192 bytes are malformed even when validly signed; 8192 exactly is accepted.
TEST_F(ContextTokenTest, OversizeTokenIsMalformed) {
  ASSERT_EQ(tenancy::kMaxTokenBytes, 8192u);
  bool saw_limit = false;
  bool saw_over = false;
  // Base64url lengths skip one residue mod 4, so also vary the header to hit 8192 exactly.
  for (size_t header_pad = 0; header_pad < 4 && !saw_limit; ++header_pad) {
    Json header = eddsa_header();
    header["x"] = std::string(header_pad, 'h');
    for (size_t padding = 5000; padding < 7000; ++padding) {
      Json payload = full_payload();
      payload["pad"] = std::string(padding, 'p');
      const std::string token = eddsa_token(payload, header);
      if (token.size() == 8192) {
        saw_limit = true;
        const TokenVerdict verdict = verify(token);
        EXPECT_TRUE(verdict.ok()) << verdict.reason;
      } else if (token.size() > 8192) {
        if (!saw_over) expect_refused(verify(token), token, TokenFailure::kMalformed);
        saw_over = true;
        break;
      }
    }
  }
  EXPECT_TRUE(saw_limit) << "no padding gave an 8192-byte token";
  EXPECT_TRUE(saw_over);
  const std::string huge(100000, 'A');
  expect_refused(verify(huge), huge, TokenFailure::kMalformed);
}

// A header that is not a JSON object is malformed.
TEST_F(ContextTokenTest, HeaderNotJsonObjectIsMalformed) {
  for (const char *header : {"[]", "\"EdDSA\"", "null", "42", "not json", "{\"alg\":", "",
                             "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"} trailing"}) {
    const std::string token =
        tenancy::make_compact_jws(header, full_payload().dump(), "EdDSA", trusted_.secret_seed);
    SCOPED_TRACE(std::string("header ") + header);
    expect_refused(verify(token), token, TokenFailure::kMalformed);
  }
}

// A validly signed payload that is not a JSON object is malformed.
TEST_F(ContextTokenTest, PayloadNotJsonObjectIsMalformed) {
  for (const char *payload :
       {"[]", "\"org\"", "null", "1700000000", "not json", "{\"org_id\":", "", "{} {}"}) {
    const std::string token =
        tenancy::make_compact_jws(eddsa_header().dump(), payload, "EdDSA", trusted_.secret_seed);
    SCOPED_TRACE(std::string("payload ") + payload);
    expect_refused(verify(token), token, TokenFailure::kMalformed);
  }
}

// ---------------------------------------------------------------------------------------------
// Claims.

// A payload without org_id is missing a claim (null counts as absent).
TEST_F(ContextTokenTest, MissingOrgIdIsMissingClaim) {
  Json payload = full_payload();
  payload.erase("org_id");
  const std::string token = eddsa_token(payload);
  expect_refused(verify(token), token, TokenFailure::kMissingClaim);
  payload["org_id"] = nullptr;
  const std::string null_org = eddsa_token(payload);
  expect_refused(verify(null_org), null_org, TokenFailure::kMissingClaim);
}

// An org_id that is not a canonical uuid string is an invalid claim.
TEST_F(ContextTokenTest, NonUuidOrgIdIsInvalidClaim) {
  for (const Json &org :
       {Json("not-a-uuid"), Json(""), Json("111111112222433384445555555555555555"),
        Json("{11111111-2222-4333-8444-555555555555}"), Json("11111111-2222-4333-8444-55555555555"),
        Json(42), Json::array({kOrg}), Json::object({{"id", kOrg}}), Json(true)}) {
    Json payload = full_payload();
    payload["org_id"] = org;
    const std::string token = eddsa_token(payload);
    SCOPED_TRACE("org_id " + org.dump());
    expect_refused(verify(token), token, TokenFailure::kInvalidClaim);
  }
}

// A sub that is not a canonical uuid string is an invalid claim.
TEST_F(ContextTokenTest, NonUuidSubIsInvalidClaim) {
  for (const Json &sub :
       {Json("alice"), Json(""), Json(7), Json("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee")}) {
    Json payload = full_payload();
    payload["sub"] = sub;
    const std::string token = eddsa_token(payload);
    SCOPED_TRACE("sub " + sub.dump());
    expect_refused(verify(token), token, TokenFailure::kInvalidClaim);
  }
}

// An org_role that is not an exact role label is an invalid claim.
TEST_F(ContextTokenTest, BadOrgRoleIsInvalidClaim) {
  for (const Json &role :
       {Json("admin"), Json("SUPERUSER"), Json(""), Json(2), Json(true), Json::array({"ADMIN"})}) {
    Json payload = full_payload();
    payload["org_role"] = role;
    const std::string token = eddsa_token(payload);
    SCOPED_TRACE("org_role " + role.dump());
    expect_refused(verify(token), token, TokenFailure::kInvalidClaim);
  }
}

// Without exp or iat the token is missing a claim.
TEST_F(ContextTokenTest, MissingExpOrIatIsMissingClaim) {
  for (const char *claim : {"exp", "iat"}) {
    Json payload = full_payload();
    payload.erase(claim);
    const std::string token = eddsa_token(payload);
    SCOPED_TRACE(claim);
    expect_refused(verify(token), token, TokenFailure::kMissingClaim);
  }
}

// exp, iat and nbf must be sane non-negative numbers.
TEST_F(ContextTokenTest, NonNumericTimesAreInvalidClaims) {
  for (const char *claim : {"exp", "iat", "nbf"}) {
    for (const Json &value : {Json("1700000000"), Json(nullptr), Json(true), Json(-1), Json(1e300),
                              Json(253402300800.0), Json::array({kExp})}) {
      Json payload = full_payload();
      payload[claim] = value;
      const std::string token = eddsa_token(payload);
      SCOPED_TRACE(std::string(claim) + " = " + value.dump());
      expect_refused(verify(token), token, TokenFailure::kInvalidClaim);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Time.

// A token expires at exp exactly (exp is exclusive).
TEST_F(ContextTokenTest, ExpiredAtAndAfterExp) {
  const std::string token = eddsa_token(full_payload());
  EXPECT_TRUE(verify(token, kExp * kUs - 1).ok());
  expect_refused(verify(token, kExp * kUs), token, TokenFailure::kExpired);
  expect_refused(verify(token, kExp * kUs + 1), token, TokenFailure::kExpired);
  expect_refused(verify(token, (kExp + 86400) * kUs), token, TokenFailure::kExpired);
}

// A token is not valid before nbf (nbf is inclusive).
TEST_F(ContextTokenTest, NotYetValidBeforeNbf) {
  const std::string token = eddsa_token(full_payload());
  expect_refused(verify(token, kNbf * kUs - 1), token, TokenFailure::kNotYetValid);
  expect_refused(verify(token, 0), token, TokenFailure::kNotYetValid);
  EXPECT_TRUE(verify(token, kNbf * kUs).ok());
}

// A token whose nbf lies in the future is not yet valid now.
TEST_F(ContextTokenTest, FutureNbfIsNotYetValid) {
  Json payload = full_payload();
  payload["nbf"] = kIat + 600;
  const std::string token = eddsa_token(payload);
  expect_refused(verify(token), token, TokenFailure::kNotYetValid);
}

// Signature verification alone ignores the clock; check_token_time applies it.
TEST_F(ContextTokenTest, SignatureCheckIgnoresClock) {
  const std::string token = eddsa_token(full_payload());
  const TokenVerdict signature_only = tenancy::verify_token_signature(token, eddsa_only_);
  ASSERT_TRUE(signature_only.ok()) << signature_only.reason;
  const ContextClaims &claims = signature_only.claims;
  EXPECT_TRUE(tenancy::check_token_time(claims, kNowUs).ok());
  EXPECT_EQ(tenancy::check_token_time(claims, kExp * kUs).failure, TokenFailure::kExpired);
  EXPECT_EQ(tenancy::check_token_time(claims, kNbf * kUs - 1).failure, TokenFailure::kNotYetValid);
  EXPECT_EQ(bytes_of(tenancy::check_token_time(claims, kNowUs).claims.org_id), uuid_bytes(kOrg));
}

// token_time_valid agrees with check_token_time at the boundaries.
TEST_F(ContextTokenTest, TokenTimeValidBoundaries) {
  ContextClaims claims{};
  claims.expires_at_us = 2000;
  claims.not_before_us = 1000;
  EXPECT_FALSE(tenancy::token_time_valid(claims, 999));
  EXPECT_TRUE(tenancy::token_time_valid(claims, 1000));
  EXPECT_TRUE(tenancy::token_time_valid(claims, 1999));
  EXPECT_FALSE(tenancy::token_time_valid(claims, 2000));
  for (int64_t now : {999, 1000, 1999, 2000}) {
    EXPECT_EQ(tenancy::token_time_valid(claims, now), tenancy::check_token_time(claims, now).ok())
        << now;
  }
}

// ---------------------------------------------------------------------------------------------
// Reasons.

// No refusal reason, for any kind of failure, repeats the token or its parts.
TEST_F(ContextTokenTest, ReasonsNeverContainTokenText) {
  Json no_org = full_payload();
  no_org.erase("org_id");
  Json bad_sub = full_payload();
  bad_sub["sub"] = "eyJhbGciOiJFZERTQSJ9";
  const std::string good = eddsa_token(full_payload());
  const std::vector<std::string> tokens = {
      good + ".",
      good.substr(0, good.size() - 2),
      eddsa_token(full_payload(), eddsa_header("unknown-kid")),
      eddsa_token(no_org),
      eddsa_token(bad_sub),
      hs256_token(full_payload()),
      base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(full_payload().dump()) + ".",
      std::string(9000, 'x'),
  };
  for (const std::string &token : tokens) {
    const TokenVerdict verdict = verify(token, (kExp + 1) * kUs);
    EXPECT_FALSE(verdict.ok());
    EXPECT_FALSE(verdict.reason.empty());
    expect_reason_hides_token(verdict.reason, token);
    EXPECT_EQ(verdict.reason.find("eyJ"), std::string::npos) << verdict.reason;
  }
  // Expired: the reason still carries no token text.
  const TokenVerdict expired = verify(good, (kExp + 1) * kUs);
  expect_refused(expired, good, TokenFailure::kExpired);
}

}  // namespace
