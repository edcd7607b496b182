// Crypto settings and the per-backend server key state.
extern "C" {
#include "postgres.h"

#include "utils/guc.h"
}

#include <sodium.h>

#include <string>

#include "crypto/crypto_settings.hpp"

namespace tenancy {

namespace {

// Backing variables PostgreSQL writes.
char *key_file_path = nullptr;
bool create_key_file = false;
int pwhash_opslimit = static_cast<int>(crypto_pwhash_OPSLIMIT_INTERACTIVE);
int pwhash_memlimit_kb = static_cast<int>(crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024);
int pwhash_max_opslimit = static_cast<int>(crypto_pwhash_OPSLIMIT_SENSITIVE);
int pwhash_max_memlimit_kb = 256 * 1024;
int password_max_bytes = 1024;

// The key as read, the settings it was read under, and its sub-keys.
struct LoadedKey {
  bool loaded = false;
  std::string path;
  bool created_if_missing = false;
  SecretBuffer token_subkey;
  SecretBuffer secret_subkey;
};
LoadedKey server_key;

// True when the key in memory was read under the current settings.
bool key_is_current() {
  return server_key.loaded && server_key.path == (key_file_path ? key_file_path : "") &&
         server_key.created_if_missing == create_key_file;
}

// Reads the key file under the current settings and derives the sub-keys; the root key is
// wiped as soon as they exist. Throws the key file's error, leaving nothing loaded.
void load_key() {
  server_key = LoadedKey();
  const std::string path = key_file_path ? key_file_path : "";
  const SecretBuffer root = load_server_key(path, create_key_file);
  LoadedKey fresh;
  fresh.token_subkey = derive_subkey(root, KeyPurpose::kTokenHash);
  fresh.secret_subkey = derive_subkey(root, KeyPurpose::kSecretBox);
  fresh.path = path;
  fresh.created_if_missing = create_key_file;
  fresh.loaded = true;
  server_key = std::move(fresh);
}

// Reads the key at load; a problem is left for the first function that needs the key.
void preload_key() noexcept {
  try {
    load_key();
  } catch (...) {
    server_key = LoadedKey();
  }
}

}  // namespace

// The settings, then the key.
void define_crypto_settings() {
  DefineCustomStringVariable(
      "tenancy.key_file", "File holding the server's 32-byte root key.",
      "Relative paths are relative to the data directory. The key itself is never shown.",
      &key_file_path, "tenancy.key", PGC_SIGHUP, GUC_SUPERUSER_ONLY, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "tenancy.create_key_file",
      "Create tenancy.key_file with a random key (mode 0600) when it is missing.", nullptr,
      &create_key_file, false, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenancy.pwhash_opslimit", "argon2id iterations of new password hashes.",
                          nullptr, &pwhash_opslimit, pwhash_opslimit,
                          static_cast<int>(crypto_pwhash_OPSLIMIT_MIN), 100, PGC_SUSET, 0, nullptr,
                          nullptr, nullptr);
  DefineCustomIntVariable("tenancy.pwhash_memlimit", "argon2id memory of new password hashes.",
                          nullptr, &pwhash_memlimit_kb, pwhash_memlimit_kb,
                          static_cast<int>(crypto_pwhash_MEMLIMIT_MIN / 1024), 4 * 1024 * 1024,
                          PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenancy.pwhash_max_opslimit",
                          "Most argon2id iterations a stored hash may ask verification for.",
                          nullptr, &pwhash_max_opslimit, pwhash_max_opslimit,
                          static_cast<int>(crypto_pwhash_OPSLIMIT_MIN), 100, PGC_SUSET, 0, nullptr,
                          nullptr, nullptr);
  DefineCustomIntVariable("tenancy.pwhash_max_memlimit",
                          "Most argon2id memory a stored hash may ask verification for.", nullptr,
                          &pwhash_max_memlimit_kb, pwhash_max_memlimit_kb,
                          static_cast<int>(crypto_pwhash_MEMLIMIT_MIN / 1024), 4 * 1024 * 1024,
                          PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenancy.password_max_bytes", "Longest password accepted, in bytes.",
                          nullptr, &password_max_bytes, password_max_bytes, 1, 1024 * 1024,
                          PGC_SUSET, 0, nullptr, nullptr, nullptr);
  preload_key();
}

// The settings in bytes.
PasswordPolicy current_password_policy() {
  PasswordPolicy policy;
  policy.opslimit = static_cast<uint64_t>(pwhash_opslimit);
  policy.memlimit_bytes = static_cast<size_t>(pwhash_memlimit_kb) * 1024;
  policy.max_opslimit = static_cast<uint64_t>(pwhash_max_opslimit);
  policy.max_memlimit_bytes = static_cast<size_t>(pwhash_max_memlimit_kb) * 1024;
  policy.max_password_bytes = static_cast<size_t>(password_max_bytes);
  return policy;
}

// Reloads when the settings moved since the last read (or it failed).
const SecretBuffer &server_subkey(KeyPurpose purpose) {
  if (!key_is_current()) load_key();
  return purpose == KeyPurpose::kTokenHash ? server_key.token_subkey : server_key.secret_subkey;
}

}  // namespace tenancy
