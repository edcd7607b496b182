// Tests of org-bound secret encryption (XChaCha20-Poly1305) in crypto/secret_box.
#include "crypto/secret_box.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/uuid.hpp"
#include "crypto/secret_buffer.hpp"
#include "test_util.hpp"

namespace {

using tenancy::Error;
using tenancy::open_secret;
using tenancy::seal_secret;
using tenancy::SecretBuffer;
using tenancy::Uuid;

constexpr char kRefusedMessage[] =
    "secret cannot be decrypted: it was altered, is incomplete, or belongs to another "
    "organization";

// The org with the given canonical id.
Uuid org(const char *text) {
  const auto uuid = tenancy::parse_uuid(text);
  if (!uuid) throw std::invalid_argument("bad uuid in test");
  return *uuid;
}

// Two fixed orgs.
const Uuid kOrgA = org("0b5e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
const Uuid kOrgB = org("0b5e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5c");

// A 32-byte sub-key whose bytes all equal fill.
SecretBuffer key_of(char fill) { return SecretBuffer(std::string_view(std::string(32, fill))); }

// Opens ciphertext, which must fail, and returns the error.
Error open_error(std::string_view ciphertext, const Uuid &for_org, const SecretBuffer &key) {
  try {
    open_secret(ciphertext, for_org, key);
  } catch (const Error &error) {
    return error;
  }
  ADD_FAILURE() << "open_secret accepted " << tenancy_test::to_hex(ciphertext);
  return Error("00000", "no error");
}

// Checks that opening ciphertext fails with the one 28000 error every refusal shares.
void expect_refused(std::string_view ciphertext, const Uuid &for_org, const SecretBuffer &key) {
  const Error error = open_error(ciphertext, for_org, key);
  EXPECT_STREQ(error.sqlstate(), "28000");
  EXPECT_STREQ(error.what(), kRefusedMessage);
  EXPECT_TRUE(error.detail().empty()) << error.detail();
  EXPECT_TRUE(error.hint().empty()) << error.hint();
}

// A short plaintext opens to itself.
TEST(SecretBox, RoundTrip) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("api-key-123", kOrgA, key);
  EXPECT_EQ(open_secret(sealed, kOrgA, key).view(), "api-key-123");
}

// An empty plaintext seals to the bare overhead and opens to empty.
TEST(SecretBox, RoundTripEmpty) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("", kOrgA, key);
  EXPECT_EQ(sealed.size(), tenancy::kSecretBoxOverhead);
  const SecretBuffer opened = open_secret(sealed, kOrgA, key);
  EXPECT_EQ(opened.size(), 0u);
}

// Binary plaintext (NULs, high bytes) of 1 MiB round-trips.
TEST(SecretBox, RoundTripOneMebibyte) {
  std::mt19937 rng(20240501);
  const std::string plaintext = tenancy_test::random_bytes(rng, 1 << 20);
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret(plaintext, kOrgA, key);
  EXPECT_EQ(sealed.size(), plaintext.size() + 41);
  EXPECT_TRUE(open_secret(sealed, kOrgA, key).view() == plaintext);
}

// The ciphertext is the plaintext plus 41 bytes and starts with version byte 0x01.
TEST(SecretBox, LengthAndVersionByte) {
  EXPECT_EQ(tenancy::kSecretBoxOverhead, 41u);
  const SecretBuffer key = key_of('k');
  for (const size_t length : {0u, 1u, 15u, 16u, 17u, 100u, 4096u}) {
    const std::string sealed = seal_secret(std::string(length, 'p'), kOrgA, key);
    EXPECT_EQ(sealed.size(), length + 41) << length;
    ASSERT_FALSE(sealed.empty());
    EXPECT_EQ(static_cast<unsigned char>(sealed[0]), 0x01) << length;
  }
}

// The plaintext does not appear in the ciphertext.
TEST(SecretBox, CiphertextHidesPlaintext) {
  const std::string plaintext = "a very recognisable secret value";
  const std::string sealed = seal_secret(plaintext, kOrgA, key_of('k'));
  EXPECT_EQ(sealed.find(plaintext), std::string::npos);
  EXPECT_EQ(sealed.find("recognisable"), std::string::npos);
}

// Each seal draws a fresh nonce: equal plaintexts give different ciphertexts that both open.
TEST(SecretBox, SealsDiffer) {
  const SecretBuffer key = key_of('k');
  std::set<std::string> sealed;
  std::set<std::string> nonces;
  for (int i = 0; i < 32; ++i) {
    const std::string one = seal_secret("same", kOrgA, key);
    EXPECT_EQ(open_secret(one, kOrgA, key).view(), "same");
    nonces.insert(one.substr(1, 24));
    sealed.insert(one);
  }
  EXPECT_EQ(sealed.size(), 32u);
  EXPECT_EQ(nonces.size(), 32u);
}

// The format is 0x01 | nonce | AEAD(plaintext) with (0x01 | org bytes) as associated data:
// libsodium opens it directly.
TEST(SecretBox, FormatOpensWithLibsodium) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("interop", kOrgA, key);
  const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
  std::string ad(1, '\x01');
  ad.append(reinterpret_cast<const char *>(kOrgA.bytes.data()), kOrgA.bytes.size());
  unsigned char plaintext[64];
  unsigned long long length = 0;
  ASSERT_EQ(
      crypto_aead_xchacha20poly1305_ietf_decrypt(
          plaintext, &length, nullptr, bytes + 25, sealed.size() - 25,
          reinterpret_cast<const unsigned char *>(ad.data()), ad.size(), bytes + 1, key.data()),
      0);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(plaintext), length), "interop");
}

// A ciphertext made with libsodium in the documented format opens.
TEST(SecretBox, OpensLibsodiumCiphertext) {
  const SecretBuffer key = key_of('k');
  std::string ad(1, '\x01');
  ad.append(reinterpret_cast<const char *>(kOrgB.bytes.data()), kOrgB.bytes.size());
  const std::string message = "made elsewhere";
  std::string sealed(41 + message.size(), '\0');
  auto *bytes = reinterpret_cast<unsigned char *>(sealed.data());
  bytes[0] = 0x01;
  randombytes_buf(bytes + 1, 24);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      bytes + 25, &written, reinterpret_cast<const unsigned char *>(message.data()), message.size(),
      reinterpret_cast<const unsigned char *>(ad.data()), ad.size(), nullptr, bytes + 1,
      key.data());
  ASSERT_EQ(written, message.size() + 16);
  EXPECT_EQ(open_secret(sealed, kOrgB, key).view(), message);
  expect_refused(sealed, kOrgA, key);
}

// Another org's ciphertext does not open.
TEST(SecretBox, OtherOrgIsRefused) {
  const SecretBuffer key = key_of('k');
  expect_refused(seal_secret("tenant A secret", kOrgA, key), kOrgB, key);
  expect_refused(seal_secret("", kOrgA, key), kOrgB, key);
  expect_refused(seal_secret("x", kOrgA, key), Uuid{}, key);
}

// A ciphertext does not open under another key.
TEST(SecretBox, OtherKeyIsRefused) {
  expect_refused(seal_secret("secret", kOrgA, key_of('k')), kOrgA, key_of('l'));
  std::string almost(32, 'k');
  almost[31] = 'l';
  expect_refused(seal_secret("secret", kOrgA, key_of('k')), kOrgA,
                 SecretBuffer(std::string_view(almost)));
}

// Flipping any single bit of the ciphertext (version, nonce, body or tag) is detected.
TEST(SecretBox, EveryBitFlipIsRefused) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("attack at dawn", kOrgA, key);
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      SCOPED_TRACE("byte " + std::to_string(i) + " bit " + std::to_string(bit));
      std::string altered = sealed;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      expect_refused(altered, kOrgA, key);
    }
  }
}

// Every truncation, down to nothing, is refused; so is an extension.
TEST(SecretBox, EveryTruncationIsRefused) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("attack at dawn", kOrgA, key);
  for (size_t length = 0; length < sealed.size(); ++length) {
    SCOPED_TRACE("length " + std::to_string(length));
    expect_refused(std::string_view(sealed).substr(0, length), kOrgA, key);
    expect_refused(std::string_view(sealed).substr(sealed.size() - length), kOrgA, key);
  }
  expect_refused(sealed + '\0', kOrgA, key);
  expect_refused(sealed + sealed, kOrgA, key);
}

// A version byte other than 0x01 is refused.
TEST(SecretBox, WrongVersionIsRefused) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("versioned", kOrgA, key);
  for (const int version : {0x00, 0x02, 0x7f, 0x80, 0xff}) {
    std::string altered = sealed;
    altered[0] = static_cast<char>(version);
    expect_refused(altered, kOrgA, key);
  }
}

// Input that never was a ciphertext is refused.
TEST(SecretBox, GarbageIsRefused) {
  const SecretBuffer key = key_of('k');
  expect_refused("", kOrgA, key);
  expect_refused("\x01", kOrgA, key);
  expect_refused(std::string(41, '\x01'), kOrgA, key);
  expect_refused(std::string(1000, '\0'), kOrgA, key);
  expect_refused("plaintext that was never sealed, long enough to pass the size check", kOrgA, key);
}

// Every kind of refusal carries exactly the same error, so none can be told apart.
TEST(SecretBox, AllFailuresLookAlike) {
  const SecretBuffer key = key_of('k');
  const std::string sealed = seal_secret("uniform", kOrgA, key);
  std::string flipped = sealed;
  flipped[30] = static_cast<char>(flipped[30] ^ 0x01);
  std::string versioned = sealed;
  versioned[0] = '\x02';
  const Error errors[] = {
      open_error(sealed, kOrgB, key),
      open_error(sealed, kOrgA, key_of('z')),
      open_error(flipped, kOrgA, key),
      open_error(versioned, kOrgA, key),
      open_error(sealed.substr(0, 40), kOrgA, key),
      open_error("", kOrgA, key),
  };
  std::set<std::string> reports;
  for (const Error &error : errors) {
    reports.insert(std::string(error.sqlstate()) + "|" + error.what() + "|" + error.detail() + "|" +
                   error.hint());
  }
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(*reports.begin(), std::string("28000|") + kRefusedMessage + "||");
}

}  // namespace
