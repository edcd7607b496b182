// Token generation, format and keyed hashing with libsodium.
#include "crypto/token.hpp"

#include <sodium.h>

#include <string>

#include "core/error.hpp"

namespace tenancy {

namespace {

// True for A-Z a-z 0-9 - _.
bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

// Random bytes, encoded straight into a wiping buffer.
SecretBuffer generate_token(int nbytes) {
  if (nbytes < kMinTokenBytes || nbytes > kMaxTokenBytes) {
    throw Error(sqlstate::kInvalidParameterValue, "nbytes must be between " +
                                                      std::to_string(kMinTokenBytes) + " and " +
                                                      std::to_string(kMaxTokenBytes));
  }
  SecretBuffer raw(static_cast<size_t>(nbytes));
  randombytes_buf(raw.data(), raw.size());
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  SecretBuffer encoded(sodium_base64_encoded_len(raw.size(), variant));
  sodium_bin2base64(reinterpret_cast<char *>(encoded.data()), encoded.size(), raw.data(),
                    raw.size(), variant);
  encoded.shrink(encoded.size() - 1);  // the terminating NUL
  return encoded;
}

// Length and alphabet only: the token's bytes are never decoded.
bool is_well_formed_token(std::string_view token) noexcept {
  if (token.size() < kMinTokenChars || token.size() > kMaxTokenChars || token.size() % 4 == 1) {
    return false;
  }
  for (const char c : token) {
    if (!is_base64url_char(c)) return false;
  }
  return true;
}

// The format error, worded without the token.
void require_well_formed_token(std::string_view token) {
  if (!is_well_formed_token(token)) {
    throw Error(sqlstate::kInvalidTextRepresentation, "malformed token",
                "A token is 22 to 1366 characters of the base64url alphabet (A-Z a-z 0-9 - _).");
  }
}

// crypto_generichash with the sub-key as the BLAKE2b key.
std::string hash_token(std::string_view token, const SecretBuffer &token_subkey) {
  require_well_formed_token(token);
  std::string digest(kTokenDigestBytes, '\0');
  if (token_subkey.size() != crypto_generichash_KEYBYTES ||
      crypto_generichash(reinterpret_cast<unsigned char *>(digest.data()), digest.size(),
                         reinterpret_cast<const unsigned char *>(token.data()), token.size(),
                         token_subkey.data(), token_subkey.size()) != 0) {
    throw Error(sqlstate::kInternalError, "token hashing failed: the sub-key is not 32 bytes");
  }
  return digest;
}

}  // namespace tenancy
