// Opaque random tokens (invitations, refresh and reset tokens, API keys): generation as
// base64url, the format check, and the keyed BLAKE2b digest that is all the database stores.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/secret_buffer.hpp"

namespace tenancy {

// Bounds of generate_token's nbytes, and the token lengths they give in base64url.
inline constexpr int kMinTokenBytes = 16;
inline constexpr int kMaxTokenBytes = 1024;
inline constexpr size_t kMinTokenChars = 22;    // 16 bytes
inline constexpr size_t kMaxTokenChars = 1366;  // 1024 bytes
// The digest size hash_token returns.
inline constexpr size_t kTokenDigestBytes = 32;

// nbytes random bytes as unpadded base64url; 22023 when nbytes is out of range. The raw bytes
// are wiped; the returned text is the token.
SecretBuffer generate_token(int nbytes);

// True when token is 22-1366 characters of the base64url alphabet, of a length base64 can have.
bool is_well_formed_token(std::string_view token) noexcept;

// Throws 22P02 (never echoing the token) unless is_well_formed_token(token).
void require_well_formed_token(std::string_view token);

// Keyed BLAKE2b-256 of a well-formed token under the token sub-key; 22P02 when it is malformed.
std::string hash_token(std::string_view token, const SecretBuffer &token_subkey);

}  // namespace tenancy
