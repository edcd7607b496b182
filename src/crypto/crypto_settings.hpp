// The settings of the crypto functions (password costs, the key file) and the server key state
// that serves them. PostgreSQL-free interface; implemented in crypto_settings_pg.cpp.
#pragma once

#include "crypto/password.hpp"
#include "crypto/secret_buffer.hpp"
#include "crypto/server_key.hpp"

namespace tenancy {

// Defines tenancy.key_file, tenancy.create_key_file, the pwhash costs and limits, and
// tenancy.password_max_bytes; then reads the key file once (errors are kept for later: a
// function that needs the key raises them). Called once from _PG_init.
void define_crypto_settings();

// The password policy the settings describe now.
PasswordPolicy current_password_policy();

// The sub-key for purpose. Reads the key file when it has not been read yet, or when
// tenancy.key_file or tenancy.create_key_file changed; throws the key file's error otherwise.
const SecretBuffer &server_subkey(KeyPurpose purpose);

}  // namespace tenancy
