// Secrets at rest: XChaCha20-Poly1305 (IETF) bound to the organization that owns them.
// Format: 0x01 | 24-byte random nonce | ciphertext | 16-byte tag.
#pragma once

#include <string>
#include <string_view>

#include "core/uuid.hpp"
#include "crypto/secret_buffer.hpp"

namespace tenancy {

// The format's version byte and the smallest ciphertext (an empty plaintext).
inline constexpr unsigned char kSecretBoxVersion = 0x01;
inline constexpr size_t kSecretBoxOverhead = 1 + 24 + 16;

// Encrypts plaintext for org under the secret sub-key; the org id (and the version byte) are
// the associated data, so the ciphertext opens only for that org.
std::string seal_secret(std::string_view plaintext, const Uuid &org, const SecretBuffer &subkey);

// Decrypts a ciphertext made by seal_secret for org. Anything else (tampered, truncated,
// another org's, another key's, an unknown version) fails alike with 28000.
SecretBuffer open_secret(std::string_view ciphertext, const Uuid &org, const SecretBuffer &subkey);

}  // namespace tenancy
