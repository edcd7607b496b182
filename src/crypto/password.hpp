// Password hashing with argon2id (libsodium crypto_pwhash), the cost policy from settings, and
// the parser of `$argon2id$` strings that lets verification refuse an over-costly hash before
// doing any work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tenancy {

// The costs new hashes get, the most a stored hash may ask for, and the password length limit.
struct PasswordPolicy {
  uint64_t opslimit = 0;          // iterations (t) of new hashes
  size_t memlimit_bytes = 0;      // memory of new hashes
  uint64_t max_opslimit = 0;      // verification refuses a hash with more iterations
  size_t max_memlimit_bytes = 0;  // ... or more memory
  size_t max_password_bytes = 0;  // longest password accepted
};

// The argon2 variant named by a hash string.
enum class Argon2Variant { kArgon2i, kArgon2id };

// The parameters encoded in an `$argon2id$v=19$m=<KiB>,t=<n>,p=<n>$<salt>$<hash>` string.
struct Argon2Parameters {
  Argon2Variant variant = Argon2Variant::kArgon2id;
  uint32_t version = 0;
  uint64_t memory_kib = 0;
  uint64_t iterations = 0;
  uint32_t parallelism = 0;
};

// Parses a PHC-format argon2i/argon2id string; nullopt when it is not one (any stray character,
// missing field, non-base64 salt or hash, or a number out of range).
std::optional<Argon2Parameters> parse_argon2_hash(std::string_view hash);

// Throws 22023 for an empty password or one longer than the policy allows (never echoing it).
void check_password_length(std::string_view password, const PasswordPolicy &policy);

// Throws 22023 when the policy's costs for new hashes exceed its own maximums or libsodium's
// limits, so a hash is never made that verification would refuse.
void check_policy_costs(const PasswordPolicy &policy);

// An argon2id hash string of password at the policy's costs.
std::string hash_password(std::string_view password, const PasswordPolicy &policy);

// True when password matches hash. Throws 22P02 for a malformed hash, 22023 for a hash whose
// costs exceed the policy's maximums (before any hashing work), and for a bad password length.
bool verify_password(std::string_view password, std::string_view hash,
                     const PasswordPolicy &policy);

// A well-formed argon2id string at the policy's costs with a random salt and a random digest:
// verifying any password against it costs one argon2id computation and always fails. No
// hashing is done to make it, so the first use costs what every later use costs.
std::string dummy_password_hash(const PasswordPolicy &policy);

// For sign-in: check_password_length, then verify_password; but a missing, malformed or
// over-costly stored hash is verified against dummy_password_hash instead (the same work) and
// answers false rather than raising, so no stored hash tells an account apart.
bool password_matches(std::string_view password, const std::string *stored_hash,
                      const PasswordPolicy &policy);

// True when hash was made with other costs than the policy's, or with argon2i. Throws 22P02
// for a malformed hash.
bool password_needs_rehash(std::string_view hash, const PasswordPolicy &policy);

}  // namespace tenancy
