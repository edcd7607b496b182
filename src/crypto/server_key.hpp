// The server's root key: 32 random bytes in a file readable only by the server, and the
// per-purpose sub-keys derived from it with crypto_kdf. Key bytes never leave this module's
// buffers except as sub-keys handed to libsodium.
#pragma once

#include <string>

#include "crypto/secret_buffer.hpp"

namespace tenancy {

// The length of the root key and of every sub-key.
inline constexpr size_t kServerKeyBytes = 32;

// What a sub-key is for; each purpose gets its own crypto_kdf context.
enum class KeyPurpose { kTokenHash, kSecretBox };

// Reads the 32-byte key file at path (relative paths are relative to the working directory,
// the data directory in a server). When it does not exist and create is set, creates it first:
// random bytes written to a private temporary file that is then linked into place, so two
// processes racing to create it agree on one key. Errors name the path and the problem, never
// a byte of the key: 58P01 missing, 58030 unreadable, F0000 wrong size, type or permissions
// (group or others may access it).
SecretBuffer load_server_key(const std::string &path, bool create);

// The sub-key for purpose, derived from root with crypto_kdf_derive_from_key.
SecretBuffer derive_subkey(const SecretBuffer &root, KeyPurpose purpose);

}  // namespace tenancy
