// argon2id hashing and verification through libsodium, guarded by the policy's limits.
#include "crypto/password.hpp"

#include <sodium.h>

#include <string>

#include "core/error.hpp"

namespace tenancy {

namespace {

// The digest length of the hashes crypto_pwhash_str makes.
constexpr size_t kArgon2DigestBytes = 32;

// Consumes literal from the front of text; false when text does not start with it.
bool consume(std::string_view &text, std::string_view literal) {
  if (text.substr(0, literal.size()) != literal) return false;
  text.remove_prefix(literal.size());
  return true;
}

// Consumes a decimal number without leading zeros that fits in max; nullopt otherwise.
std::optional<uint64_t> consume_number(std::string_view &text, uint64_t max) {
  size_t digits = 0;
  uint64_t value = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    const uint64_t digit = static_cast<uint64_t>(text[digits] - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++digits;
  }
  if (digits == 0 || (digits > 1 && text[0] == '0')) return std::nullopt;
  text.remove_prefix(digits);
  return value;
}

// The number of bytes text decodes to as strict unpadded standard base64 (no stray character,
// no non-zero leftover bits), or nullopt.
std::optional<size_t> decoded_base64_size(std::string_view text) {
  unsigned char bytes[128];
  size_t size = 0;
  const char *end = nullptr;
  if (text.empty() || text.size() > 170 ||
      sodium_base642bin(bytes, sizeof bytes, text.data(), text.size(), nullptr, &size, &end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  return size;
}

// The costs of a parsed hash against the policy's maximums: 22023 when over.
void refuse_costly_hash(const Argon2Parameters &parameters, const PasswordPolicy &policy) {
  if (parameters.iterations > policy.max_opslimit) {
    throw Error(sqlstate::kInvalidParameterValue,
                "password hash asks for more iterations than tenancy.pwhash_max_opslimit allows",
                "The hash was not checked.",
                "Raise tenancy.pwhash_max_opslimit if the hash is trusted.");
  }
  if (parameters.memory_kib > policy.max_memlimit_bytes / 1024) {
    throw Error(sqlstate::kInvalidParameterValue,
                "password hash asks for more memory than tenancy.pwhash_max_memlimit allows",
                "The hash was not checked.",
                "Raise tenancy.pwhash_max_memlimit if the hash is trusted.");
  }
  if (parameters.parallelism != 1) {
    throw Error(sqlstate::kInvalidParameterValue,
                "password hash uses a parallelism other than 1, which is not supported");
  }
}

// Parses hash or throws 22P02.
Argon2Parameters parse_or_throw(std::string_view hash) {
  const auto parameters = parse_argon2_hash(hash);
  if (!parameters) {
    throw Error(sqlstate::kInvalidTextRepresentation, "malformed password hash",
                "Expected an argon2id string such as $argon2id$v=19$m=65536,t=2,p=1$...$....");
  }
  return *parameters;
}

}  // namespace

// $<variant>$v=<n>$m=<n>,t=<n>,p=<n>$<salt>$<hash>
std::optional<Argon2Parameters> parse_argon2_hash(std::string_view hash) {
  Argon2Parameters parameters;
  if (consume(hash, "$argon2id$")) {
    parameters.variant = Argon2Variant::kArgon2id;
  } else if (consume(hash, "$argon2i$")) {
    parameters.variant = Argon2Variant::kArgon2i;
  } else {
    return std::nullopt;
  }
  std::optional<uint64_t> version, memory, iterations, parallelism;
  if (!consume(hash, "v=") || !(version = consume_number(hash, UINT32_MAX)) ||
      !consume(hash, "$m=") || !(memory = consume_number(hash, UINT32_MAX)) ||
      !consume(hash, ",t=") || !(iterations = consume_number(hash, UINT32_MAX)) ||
      !consume(hash, ",p=") || !(parallelism = consume_number(hash, 0xFFFFFF)) ||
      !consume(hash, "$")) {
    return std::nullopt;
  }
  const size_t separator = hash.find('$');
  if (separator == std::string_view::npos) return std::nullopt;
  // A salt of at least 16 bytes, and exactly the 32-byte digest crypto_pwhash_str makes: a
  // shorter digest is a damaged hash (a prefix), never one this extension made.
  const auto salt_bytes = decoded_base64_size(hash.substr(0, separator));
  const auto digest_bytes = decoded_base64_size(hash.substr(separator + 1));
  if (!salt_bytes || *salt_bytes < crypto_pwhash_SALTBYTES || digest_bytes != kArgon2DigestBytes) {
    return std::nullopt;
  }
  parameters.version = static_cast<uint32_t>(*version);
  parameters.memory_kib = *memory;
  parameters.iterations = *iterations;
  parameters.parallelism = static_cast<uint32_t>(*parallelism);
  // argon2 needs at least 8 KiB of memory.
  if (parameters.version != 19 || parameters.iterations == 0 || parameters.parallelism == 0 ||
      parameters.memory_kib < 8) {
    return std::nullopt;
  }
  return parameters;
}

// Empty or too long: refused without showing the password.
void check_password_length(std::string_view password, const PasswordPolicy &policy) {
  if (password.empty()) {
    throw Error(sqlstate::kInvalidParameterValue, "password must not be empty");
  }
  if (password.size() > policy.max_password_bytes) {
    throw Error(sqlstate::kInvalidParameterValue,
                "password is longer than tenancy.password_max_bytes (" +
                    std::to_string(policy.max_password_bytes) + " bytes) allows");
  }
}

// New-hash costs must be within both our maximums and libsodium's range.
void check_policy_costs(const PasswordPolicy &policy) {
  if (policy.opslimit > policy.max_opslimit || policy.memlimit_bytes > policy.max_memlimit_bytes) {
    throw Error(sqlstate::kInvalidParameterValue,
                "tenancy.pwhash_opslimit/pwhash_memlimit exceed tenancy.pwhash_max_opslimit/"
                "pwhash_max_memlimit: such hashes could not be verified",
                {}, "Lower the costs or raise the maximums.");
  }
  if (policy.opslimit < crypto_pwhash_OPSLIMIT_MIN ||
      policy.memlimit_bytes < crypto_pwhash_MEMLIMIT_MIN) {
    throw Error(sqlstate::kInvalidParameterValue,
                "password hashing costs are below libsodium's minimum");
  }
  if (policy.opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      policy.memlimit_bytes > crypto_pwhash_MEMLIMIT_MAX) {
    throw Error(sqlstate::kInvalidParameterValue,
                "password hashing costs are above libsodium's maximum");
  }
}

// crypto_pwhash_str_alg with argon2id; failure there means memory could not be had.
std::string hash_password(std::string_view password, const PasswordPolicy &policy) {
  check_password_length(password, policy);
  check_policy_costs(policy);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), policy.opslimit,
                            policy.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error(sqlstate::kOutOfMemory, "password hashing ran out of memory", {},
                "Lower tenancy.pwhash_memlimit.");
  }
  return std::string(out);
}

// Length, then parse and cost checks, then the constant-time verification inside libsodium.
bool verify_password(std::string_view password, std::string_view hash,
                     const PasswordPolicy &policy) {
  check_password_length(password, policy);
  refuse_costly_hash(parse_or_throw(hash), policy);
  const std::string terminated(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

// Random salt and digest, encoded as crypto_pwhash_str would.
std::string dummy_password_hash(const PasswordPolicy &policy) {
  check_policy_costs(policy);
  unsigned char salt[crypto_pwhash_SALTBYTES];
  unsigned char digest[kArgon2DigestBytes];
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(digest, sizeof digest);
  const int variant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  char salt_text[sodium_base64_ENCODED_LEN(sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
  char digest_text[sodium_base64_ENCODED_LEN(sizeof digest,
                                             sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
  sodium_bin2base64(salt_text, sizeof salt_text, salt, sizeof salt, variant);
  sodium_bin2base64(digest_text, sizeof digest_text, digest, sizeof digest, variant);
  return "$argon2id$v=19$m=" + std::to_string(policy.memlimit_bytes / 1024) +
         ",t=" + std::to_string(policy.opslimit) + ",p=1$" + salt_text + "$" + digest_text;
}

// The stored hash if it is usable under the policy, else a dummy one; false for the dummy.
bool password_matches(std::string_view password, const std::string *stored_hash,
                      const PasswordPolicy &policy) {
  check_password_length(password, policy);
  bool usable = false;
  if (stored_hash != nullptr) {
    const auto parameters = parse_argon2_hash(*stored_hash);
    usable = parameters && parameters->iterations <= policy.max_opslimit &&
             parameters->memory_kib <= policy.max_memlimit_bytes / 1024 &&
             parameters->parallelism == 1;
  }
  if (!usable) {
    verify_password(password, dummy_password_hash(policy), policy);
    return false;
  }
  return verify_password(password, *stored_hash, policy);
}

// argon2i is always rehashed; argon2id when its costs differ from the policy's.
bool password_needs_rehash(std::string_view hash, const PasswordPolicy &policy) {
  const Argon2Parameters parameters = parse_or_throw(hash);
  if (parameters.variant != Argon2Variant::kArgon2id) return true;
  return parameters.iterations != policy.opslimit ||
         parameters.memory_kib != policy.memlimit_bytes / 1024 || parameters.parallelism != 1;
}

}  // namespace tenancy
