// Compact JWS signing and verification with libsodium.
#include "crypto/jws.hpp"

#include "crypto/secret_buffer.hpp"

#include <sodium.h>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace tenancy {

// Splits at the two dots and decodes each part.
std::optional<CompactJws> split_compact_jws(std::string_view token) {
  const size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  const size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  if (token.find('.', second_dot + 1) != std::string_view::npos) return std::nullopt;
  auto header = base64url_decode(token.substr(0, first_dot));
  auto payload = base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  auto signature = base64url_decode(token.substr(second_dot + 1));
  if (!header || !payload || !signature) return std::nullopt;
  return CompactJws{std::move(*header), std::move(*payload), std::move(*signature),
                    token.substr(0, second_dot)};
}

// Signs the encoded header and payload with the named algorithm.
std::string make_compact_jws(std::string_view header_json, std::string_view payload_json,
                             std::string_view signature_algorithm, const std::string &key) {
  std::string token = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  std::string signature;
  if (signature_algorithm == "EdDSA") {
    signature = ed25519_sign(token, key);
  } else if (signature_algorithm == "HS256") {
    signature = hmac_sha256(token, key);
  } else {
    throw Error(sqlstate::kInvalidParameterValue, "unsupported signature algorithm");
  }
  return token + "." + base64url_encode(signature);
}

// Detached Ed25519 verification.
bool ed25519_verify(std::string_view message, std::string_view signature,
                    const std::string &public_key) {
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char *>(signature.data()),
             reinterpret_cast<const unsigned char *>(message.data()), message.size(),
             reinterpret_cast<const unsigned char *>(public_key.data())) == 0;
}

// Detached Ed25519 signature; the expanded secret key is wiped before returning.
std::string ed25519_sign(std::string_view message, const std::string &secret_key) {
  unsigned char expanded[crypto_sign_SECRETKEYBYTES];
  if (secret_key.size() == crypto_sign_SEEDBYTES) {
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_seed_keypair(public_key, expanded,
                             reinterpret_cast<const unsigned char *>(secret_key.data()));
  } else if (secret_key.size() == crypto_sign_SECRETKEYBYTES) {
    std::copy(secret_key.begin(), secret_key.end(), expanded);
  } else {
    throw Error(sqlstate::kInvalidParameterValue,
                "an Ed25519 secret key has 32 bytes (seed) or 64 bytes (libsodium secret key)");
  }
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char *>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char *>(message.data()), message.size(),
                       expanded);
  sodium_memzero(expanded, sizeof expanded);
  return signature;
}

// HMAC-SHA-256 through libsodium's streaming API, which takes keys of any length.
std::string hmac_sha256(std::string_view message, const std::string &key) {
  crypto_auth_hmacsha256_state state;
  std::string tag(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char *>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char *>(tag.data()));
  sodium_memzero(&state, sizeof state);
  return tag;
}

// Constant-time comparison of the expected and presented tags.
bool hmac_sha256_verify(std::string_view message, std::string_view tag, const std::string &key) {
  if (tag.size() != crypto_auth_hmacsha256_BYTES) return false;
  return constant_time_equal(hmac_sha256(message, key), tag);
}

// A key pair from a random seed.
Ed25519KeyPair generate_ed25519_keypair() {
  Ed25519KeyPair pair{std::string(crypto_sign_PUBLICKEYBYTES, '\0'),
                      std::string(crypto_sign_SEEDBYTES, '\0')};
  unsigned char expanded[crypto_sign_SECRETKEYBYTES];
  randombytes_buf(pair.secret_seed.data(), pair.secret_seed.size());
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char *>(pair.public_key.data()), expanded,
                           reinterpret_cast<const unsigned char *>(pair.secret_seed.data()));
  sodium_memzero(expanded, sizeof expanded);
  return pair;
}

// "ed25519-" and twelve base64url characters of BLAKE2b(public key).
std::string key_id_for(const std::string &public_key) {
  unsigned char digest[crypto_generichash_BYTES_MIN];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char *>(public_key.data()), public_key.size(),
                     nullptr, 0);
  return "ed25519-" + base64url_encode(std::string_view(reinterpret_cast<char *>(digest), 9));
}

}  // namespace tenancy
