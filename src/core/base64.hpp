// Base64 encodings (RFC 4648) through libsodium: url-safe without padding for JWTs, either
// alphabet for configured keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenancy {

// Encodes bytes as base64url without padding (the JWT alphabet).
std::string base64url_encode(std::string_view bytes);

// Encodes bytes as standard base64 with padding.
std::string base64_encode(std::string_view bytes);

// Decodes strict base64url without padding; nullopt on any stray character or bad length.
std::optional<std::string> base64url_decode(std::string_view text);

// Decodes standard base64 (padded) or base64url (padded or not); nullopt when it is neither.
std::optional<std::string> base64_decode_any(std::string_view text);

}  // namespace tenancy
