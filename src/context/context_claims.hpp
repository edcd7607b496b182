// The claims of a signed tenant-context token and their verification.
#pragma once

#include <cstdint>

#include <string>
#include <string_view>
#include <type_traits>

#include "core/uuid.hpp"
#include "crypto/key_ring.hpp"

namespace tenancy {

// What a verified token grants. Plain data, so PostgreSQL can keep a malloc'd copy as a
// setting's "extra" state.
struct ContextClaims {
  uint8_t org_id[16];
  bool has_user;
  uint8_t user_id[16];
  int8_t role;            // an OrgRole rank, or -1 for a read-only (role-less) context
  int64_t expires_at_us;  // `exp`, Unix microseconds
  int64_t not_before_us;  // `nbf`, Unix microseconds; INT64_MIN when absent
  int64_t issued_at_us;   // `iat`, Unix microseconds
};
static_assert(std::is_trivially_copyable_v<ContextClaims>, "claims are copied with memcpy");

// Why a token was refused.
enum class TokenFailure {
  kNone,
  kMalformed,
  kUnsupportedAlgorithm,
  kUnknownKey,
  kBadSignature,
  kExpired,
  kNotYetValid,
  kMissingClaim,
  kInvalidClaim,
};

// The outcome of verifying a token: claims when ok, else the failure and a safe description
// (which never contains the token or any key).
struct TokenVerdict {
  TokenFailure failure = TokenFailure::kNone;
  std::string reason;
  ContextClaims claims{};

  bool ok() const { return failure == TokenFailure::kNone; }
};

// The keys a verifier trusts.
struct TokenKeys {
  const KeyRing &ed25519;
  const KeyRing &hs256;
};

// Longest token accepted, to bound the work an attacker can cause.
inline constexpr size_t kMaxTokenBytes = 8192;

// Checks structure, algorithm, key and signature, then parses the claims (no clock checks).
TokenVerdict verify_token_signature(std::string_view token, const TokenKeys &keys);

// True while now (Unix microseconds) is in [nbf, exp), as RFC 7519 says.
inline bool token_time_valid(const ContextClaims &claims, int64_t now_us) {
  return now_us < claims.expires_at_us && now_us >= claims.not_before_us;
}

// Checks `exp` and `nbf` against now (Unix microseconds), saying which one failed.
TokenVerdict check_token_time(const ContextClaims &claims, int64_t now_us);

// Both of the above: the full verification of a token at time now_us.
TokenVerdict verify_context_token(std::string_view token, const TokenKeys &keys, int64_t now_us);

// The JSON payload of a context token for these claims.
std::string context_claims_json(const Uuid &org_id, const Uuid *user_id, const char *role_label,
                                int64_t issued_at_s, int64_t expires_at_s);

}  // namespace tenancy
