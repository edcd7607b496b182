// Verification of signed tenant-context tokens: compact JWS, EdDSA or HS256, then claims.
#include "context/context_claims.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "context/org_role.hpp"
#include "crypto/jws.hpp"

namespace tenancy {

namespace {

using Json = nlohmann::json;

// Latest NumericDate accepted: 9999-12-31T23:59:59Z, far inside double's exact range.
constexpr double kMaxNumericDate = 253402300799.0;

// A refusal with its reason.
TokenVerdict refuse(TokenFailure failure, std::string reason) {
  TokenVerdict verdict;
  verdict.failure = failure;
  verdict.reason = std::move(reason);
  return verdict;
}

// Parses JSON text that must be an object; discarded (non-object) on any error.
Json parse_object(const std::string &text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return Json(Json::value_t::discarded);
  return parsed;
}

// Reads a NumericDate claim into Unix microseconds; false when absent or not a sane number.
bool read_numeric_date(const Json &payload, const char *name, int64_t &out_us) {
  const auto found = payload.find(name);
  if (found == payload.end() || !found->is_number()) return false;
  const double seconds = found->get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxNumericDate) return false;
  out_us = static_cast<int64_t>(std::floor(seconds * 1e6));
  return true;
}

// Reads an optional uuid claim; false when present but not a canonical uuid string.
bool read_optional_uuid(const Json &payload, const char *name, bool &present, uint8_t (&out)[16]) {
  present = false;
  const auto found = payload.find(name);
  if (found == payload.end() || found->is_null()) return true;
  if (!found->is_string()) return false;
  const auto uuid = parse_uuid(found->get_ref<const std::string &>());
  if (!uuid) return false;
  std::memcpy(out, uuid->bytes.data(), 16);
  present = true;
  return true;
}

// Selects the key for the header's algorithm and kid, and checks the signature.
TokenVerdict check_header_and_signature(const CompactJws &jws, const TokenKeys &keys) {
  const Json header = parse_object(jws.header_json);
  if (header.is_discarded())
    return refuse(TokenFailure::kMalformed, "its header is not a JSON object");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return refuse(TokenFailure::kMalformed, "its header names no algorithm");
  }
  if (header.contains("crit")) {
    return refuse(TokenFailure::kUnsupportedAlgorithm, "its header has critical extensions");
  }
  const std::string &algorithm = alg->get_ref<const std::string &>();
  const bool is_eddsa = algorithm == "EdDSA";
  const bool is_hs256 = algorithm == "HS256";
  if (!is_eddsa && !is_hs256) {
    return refuse(TokenFailure::kUnsupportedAlgorithm,
                  "its algorithm is not accepted (EdDSA, or HS256 when configured)");
  }
  if (is_hs256 && keys.hs256.empty()) {
    return refuse(TokenFailure::kUnsupportedAlgorithm, "HS256 tokens are not configured");
  }
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) {
    return refuse(TokenFailure::kUnknownKey, "its header names no key id (kid)");
  }
  const KeyRing &ring = is_eddsa ? keys.ed25519 : keys.hs256;
  const std::string *key = ring.find(kid->get_ref<const std::string &>());
  if (key == nullptr)
    return refuse(TokenFailure::kUnknownKey, "its key id (kid) is not configured");
  const bool valid = is_eddsa ? ed25519_verify(jws.signing_input, jws.signature, *key)
                              : hmac_sha256_verify(jws.signing_input, jws.signature, *key);
  if (!valid) return refuse(TokenFailure::kBadSignature, "its signature does not verify");
  return TokenVerdict{};
}

// Turns the payload into claims.
TokenVerdict read_claims(const std::string &payload_json) {
  const Json payload = parse_object(payload_json);
  if (payload.is_discarded())
    return refuse(TokenFailure::kMalformed, "its payload is not a JSON object");
  TokenVerdict verdict;
  ContextClaims &claims = verdict.claims;
  bool has_org = false;
  if (!read_optional_uuid(payload, "org_id", has_org, claims.org_id)) {
    return refuse(TokenFailure::kInvalidClaim, "its org_id claim is not a uuid");
  }
  if (!has_org) return refuse(TokenFailure::kMissingClaim, "it has no org_id claim");
  if (!read_optional_uuid(payload, "sub", claims.has_user, claims.user_id)) {
    return refuse(TokenFailure::kInvalidClaim, "its sub claim is not a uuid");
  }
  claims.role = -1;
  const auto role = payload.find("org_role");
  if (role != payload.end() && !role->is_null()) {
    const auto parsed =
        role->is_string() ? parse_org_role(role->get_ref<const std::string &>()) : std::nullopt;
    if (!parsed) return refuse(TokenFailure::kInvalidClaim, "its org_role claim is not a role");
    claims.role = static_cast<int8_t>(*parsed);
  }
  if (!payload.contains("exp")) return refuse(TokenFailure::kMissingClaim, "it has no exp claim");
  if (!read_numeric_date(payload, "exp", claims.expires_at_us)) {
    return refuse(TokenFailure::kInvalidClaim, "its exp claim is not a date");
  }
  if (!payload.contains("iat")) return refuse(TokenFailure::kMissingClaim, "it has no iat claim");
  if (!read_numeric_date(payload, "iat", claims.issued_at_us)) {
    return refuse(TokenFailure::kInvalidClaim, "its iat claim is not a date");
  }
  claims.not_before_us = std::numeric_limits<int64_t>::min();
  if (payload.contains("nbf") && !read_numeric_date(payload, "nbf", claims.not_before_us)) {
    return refuse(TokenFailure::kInvalidClaim, "its nbf claim is not a date");
  }
  return verdict;
}

}  // namespace

// Structure, algorithm, key, signature, then claims.
TokenVerdict verify_token_signature(std::string_view token, const TokenKeys &keys) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return refuse(TokenFailure::kMalformed, "it is empty or longer than 8192 bytes");
  }
  const auto jws = split_compact_jws(token);
  if (!jws)
    return refuse(TokenFailure::kMalformed, "it is not three base64url parts joined by dots");
  TokenVerdict verdict = check_header_and_signature(*jws, keys);
  if (!verdict.ok()) return verdict;
  return read_claims(jws->payload_json);
}

// A token counts from nbf (inclusive) until exp (exclusive), as RFC 7519 says.
TokenVerdict check_token_time(const ContextClaims &claims, int64_t now_us) {
  if (now_us >= claims.expires_at_us) return refuse(TokenFailure::kExpired, "it has expired");
  if (now_us < claims.not_before_us)
    return refuse(TokenFailure::kNotYetValid, "it is not valid yet (nbf)");
  TokenVerdict verdict;
  verdict.claims = claims;
  return verdict;
}

// Signature and claims first, then the clock.
TokenVerdict verify_context_token(std::string_view token, const TokenKeys &keys, int64_t now_us) {
  TokenVerdict verdict = verify_token_signature(token, keys);
  return verdict.ok() ? check_token_time(verdict.claims, now_us) : verdict;
}

// The payload sign_context_token writes.
std::string context_claims_json(const Uuid &org_id, const Uuid *user_id, const char *role_label,
                                int64_t issued_at_s, int64_t expires_at_s) {
  Json payload = {{"org_id", format_uuid(org_id)}, {"iat", issued_at_s}, {"exp", expires_at_s}};
  if (user_id != nullptr) payload["sub"] = format_uuid(*user_id);
  if (role_label != nullptr) payload["org_role"] = role_label;
  return payload.dump();
}

}  // namespace tenancy
