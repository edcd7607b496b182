// JSON Web Signatures in compact form (RFC 7515) with EdDSA/Ed25519 (RFC 8037) and HS256.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenancy {

// The three dot-separated parts of a compact JWS, decoded.
struct CompactJws {
  std::string header_json;
  std::string payload_json;
  std::string signature;
  std::string_view signing_input;  // "header.payload" as it appeared in the token
};

// Splits and base64url-decodes a compact JWS; nullopt unless it is exactly three valid parts.
std::optional<CompactJws> split_compact_jws(std::string_view token);

// Builds a compact JWS by signing base64url(header).base64url(payload).
std::string make_compact_jws(std::string_view header_json, std::string_view payload_json,
                             std::string_view signature_algorithm, const std::string &key);

// Verifies an Ed25519 signature; public_key must be 32 bytes.
bool ed25519_verify(std::string_view message, std::string_view signature,
                    const std::string &public_key);

// Signs with Ed25519; secret_key is a 32-byte seed or libsodium's 64-byte secret key.
std::string ed25519_sign(std::string_view message, const std::string &secret_key);

// Computes HMAC-SHA-256 with a key of any length.
std::string hmac_sha256(std::string_view message, const std::string &key);

// Verifies an HMAC-SHA-256 tag in constant time.
bool hmac_sha256_verify(std::string_view message, std::string_view tag, const std::string &key);

// An Ed25519 key pair: the 32-byte public key and the 32-byte seed that is the secret.
struct Ed25519KeyPair {
  std::string public_key;
  std::string secret_seed;
};

// Generates a fresh key pair from libsodium's CSPRNG.
Ed25519KeyPair generate_ed25519_keypair();

// A short key id derived from the public key (BLAKE2b), so the same key always has the same kid.
std::string key_id_for(const std::string &public_key);

}  // namespace tenancy
