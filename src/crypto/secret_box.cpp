// XChaCha20-Poly1305 sealing and opening with libsodium's AEAD API.
#include "crypto/secret_box.hpp"

#include <sodium.h>

#include <cstring>

#include "core/error.hpp"

namespace tenancy {

namespace {

constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
static_assert(kSecretBoxOverhead == 1 + kNonceBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES,
              "format overhead");

// The associated data: the version byte and the org id's 16 bytes.
std::string associated_data(const Uuid &org) {
  std::string data(1, static_cast<char>(kSecretBoxVersion));
  data.append(reinterpret_cast<const char *>(org.bytes.data()), org.bytes.size());
  return data;
}

// Throws unless key is an XChaCha20-Poly1305 key.
void require_key_size(const SecretBuffer &key) {
  if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
    throw Error(sqlstate::kInternalError, "secret encryption key is not 32 bytes");
  }
}

}  // namespace

// version | nonce | AEAD output.
std::string seal_secret(std::string_view plaintext, const Uuid &org, const SecretBuffer &subkey) {
  require_key_size(subkey);
  std::string out(kSecretBoxOverhead + plaintext.size(), '\0');
  auto *bytes = reinterpret_cast<unsigned char *>(out.data());
  bytes[0] = kSecretBoxVersion;
  randombytes_buf(bytes + 1, kNonceBytes);
  const std::string ad = associated_data(org);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      bytes + 1 + kNonceBytes, &written, reinterpret_cast<const unsigned char *>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char *>(ad.data()), ad.size(), nullptr,
      bytes + 1, subkey.data());
  out.resize(1 + kNonceBytes + written);
  return out;
}

// Every failure raises the same 28000, so nothing tells a forgery from another org's secret.
SecretBuffer open_secret(std::string_view ciphertext, const Uuid &org, const SecretBuffer &subkey) {
  require_key_size(subkey);
  const auto *bytes = reinterpret_cast<const unsigned char *>(ciphertext.data());
  const Error refused(sqlstate::kInvalidAuthorization,
                      "secret cannot be decrypted: it was altered, is incomplete, or belongs to "
                      "another organization");
  if (ciphertext.size() < kSecretBoxOverhead || bytes[0] != kSecretBoxVersion) throw refused;
  const size_t sealed_size = ciphertext.size() - 1 - kNonceBytes;
  SecretBuffer plaintext(sealed_size - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  const std::string ad = associated_data(org);
  unsigned long long opened = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &opened, nullptr,
                                                 bytes + 1 + kNonceBytes, sealed_size,
                                                 reinterpret_cast<const unsigned char *>(ad.data()),
                                                 ad.size(), bytes + 1, subkey.data()) != 0) {
    throw refused;
  }
  plaintext.shrink(static_cast<size_t>(opened));
  return plaintext;
}

}  // namespace tenancy
