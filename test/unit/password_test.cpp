// Tests of argon2 hash parsing, the cost policy, and password hashing and verification in
// crypto/password. Every policy here is cheap (1 MiB, one pass) to keep the suite fast.
#include "crypto/password.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace {

using tenancy::Argon2Variant;
using tenancy::check_password_length;
using tenancy::check_policy_costs;
using tenancy::Error;
using tenancy::hash_password;
using tenancy::parse_argon2_hash;
using tenancy::password_needs_rehash;
using tenancy::PasswordPolicy;
using tenancy::verify_password;

constexpr size_t kMiB = 1024 * 1024;

// A 16-byte salt and a 32-byte digest in unpadded standard base64, as libsodium writes them.
constexpr char kSalt[] = "c2FsdHNhbHRzYWx0c2FsdA";
constexpr char kDigest[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

// New hashes at t=1, m=1 MiB; stored hashes may ask for up to t=4, m=8 MiB; 128-byte passwords.
PasswordPolicy cheap_policy() {
  PasswordPolicy policy;
  policy.opslimit = 1;
  policy.memlimit_bytes = 1 * kMiB;
  policy.max_opslimit = 4;
  policy.max_memlimit_bytes = 8 * kMiB;
  policy.max_password_bytes = 128;
  return policy;
}

// A syntactically valid argon2id string with the given "m=..,t=..,p=.." section.
std::string argon2id_with(std::string_view costs) {
  return "$argon2id$v=19$" + std::string(costs) + "$" + kSalt + "$" + kDigest;
}

// A real argon2i hash (the legacy variant) of password at t=3 (argon2i's minimum), m=1 MiB.
std::string argon2i_hash(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), 3, 1 * kMiB,
                            crypto_pwhash_ALG_ARGON2I13) != 0) {
    ADD_FAILURE() << "argon2i hashing failed";
    return "";
  }
  return out;
}

// Runs call, which must throw an Error, and returns it.
template <typename Call>
Error error_of(Call call) {
  try {
    call();
  } catch (const Error &error) {
    return error;
  }
  ADD_FAILURE() << "no error was thrown";
  return Error("00000", "no error");
}

// Checks that none of an error's texts contains secret.
void expect_not_shown(const Error &error, std::string_view secret) {
  EXPECT_EQ(std::string(error.what()).find(secret), std::string::npos) << error.what();
  EXPECT_EQ(error.detail().find(secret), std::string::npos) << error.detail();
  EXPECT_EQ(error.hint().find(secret), std::string::npos) << error.hint();
}

// ---------------------------------------------------------------------------------------------
// parse_argon2_hash

// A hash made by hash_password parses to its variant, version and costs (m in KiB, p=1).
TEST(ParseArgon2Hash, ParsesRealHash) {
  PasswordPolicy policy = cheap_policy();
  policy.opslimit = 2;
  policy.memlimit_bytes = 2 * kMiB;
  const auto parameters = parse_argon2_hash(hash_password("hunter2", policy));
  ASSERT_TRUE(parameters.has_value());
  EXPECT_EQ(parameters->variant, Argon2Variant::kArgon2id);
  EXPECT_EQ(parameters->version, 19u);
  EXPECT_EQ(parameters->memory_kib, 2048u);
  EXPECT_EQ(parameters->iterations, 2u);
  EXPECT_EQ(parameters->parallelism, 1u);
}

// A synthetic string parses to exactly the numbers written in it.
TEST(ParseArgon2Hash, ParsesSyntheticHash) {
  const auto parameters = parse_argon2_hash(argon2id_with("m=65536,t=3,p=4"));
  ASSERT_TRUE(parameters.has_value());
  EXPECT_EQ(parameters->variant, Argon2Variant::kArgon2id);
  EXPECT_EQ(parameters->memory_kib, 65536u);
  EXPECT_EQ(parameters->iterations, 3u);
  EXPECT_EQ(parameters->parallelism, 4u);
}

// argon2i strings (real and synthetic) parse as the argon2i variant.
TEST(ParseArgon2Hash, ParsesArgon2i) {
  const auto real = parse_argon2_hash(argon2i_hash("hunter2"));
  ASSERT_TRUE(real.has_value());
  EXPECT_EQ(real->variant, Argon2Variant::kArgon2i);
  EXPECT_EQ(real->memory_kib, 1024u);
  EXPECT_EQ(real->iterations, 3u);
  EXPECT_EQ(real->parallelism, 1u);
  const auto synthetic =
      parse_argon2_hash(std::string("$argon2i$v=19$m=4096,t=3,p=1$") + kSalt + "$" + kDigest);
  ASSERT_TRUE(synthetic.has_value());
  EXPECT_EQ(synthetic->variant, Argon2Variant::kArgon2i);
}

// Numbers up to their limits parse (m and t to 2^32-1, p to 2^24-1); one more does not.
TEST(ParseArgon2Hash, NumberLimits) {
  const auto largest = parse_argon2_hash(argon2id_with("m=4294967295,t=4294967295,p=16777215"));
  ASSERT_TRUE(largest.has_value());
  EXPECT_EQ(largest->memory_kib, 4294967295u);
  EXPECT_EQ(largest->iterations, 4294967295u);
  EXPECT_EQ(largest->parallelism, 16777215u);
  EXPECT_FALSE(parse_argon2_hash(argon2id_with("m=4294967296,t=1,p=1")));
  EXPECT_FALSE(parse_argon2_hash(argon2id_with("m=1024,t=4294967296,p=1")));
  EXPECT_FALSE(parse_argon2_hash(argon2id_with("m=1024,t=1,p=16777216")));
}

// Numbers far past every limit, including past 2^64, are refused rather than wrapped.
TEST(ParseArgon2Hash, RefusesOverflowingNumbers) {
  for (const char *costs :
       {"m=99999999999,t=1,p=1", "m=18446744073709551615,t=1,p=1", "m=18446744073709551617,t=1,p=1",
        "m=1024,t=99999999999999999999999,p=1", "m=1024,t=1,p=4294967297"}) {
    EXPECT_FALSE(parse_argon2_hash(argon2id_with(costs))) << costs;
  }
  EXPECT_FALSE(parse_argon2_hash(std::string("$argon2id$v=4294967315$m=1024,t=1,p=1$") + kSalt +
                                 "$" + kDigest));
}

// Salt and digest may use the whole standard base64 alphabet; the salt is at least 16 bytes and
// the digest exactly the 32 bytes crypto_pwhash_str makes, decoded strictly.
TEST(ParseArgon2Hash, AcceptsBase64VarietyWithinStrictLengths) {
  const std::string prefix = "$argon2id$v=19$m=1024,t=1,p=1$";
  EXPECT_TRUE(parse_argon2_hash(prefix + "ab+/AB09xyzabcdefghijA$" + kDigest));  // 16-byte salt
  EXPECT_TRUE(parse_argon2_hash(prefix + "ab+/AB09xyzabcdefghijABC$" + kDigest));
  EXPECT_FALSE(parse_argon2_hash(prefix + "abcdefghijk$" + kDigest));       // 8-byte salt
  EXPECT_FALSE(parse_argon2_hash(prefix + kSalt + "$0123456789+/abcdef"));  // 13-byte digest
  EXPECT_FALSE(parse_argon2_hash(prefix + kSalt + "$0123456789+/abcd"));    // 12-byte digest
  std::string leftover_bits(kDigest);
  leftover_bits.back() = 'B';  // non-zero bits past the 32nd byte
  EXPECT_FALSE(parse_argon2_hash(prefix + kSalt + "$" + leftover_bits));
  EXPECT_FALSE(parse_argon2_hash(prefix + kSalt + "$" + kDigest + "AAAA"));  // 35-byte digest
  EXPECT_FALSE(
      parse_argon2_hash("$argon2id$v=19$m=7,t=1,p=1$" + std::string(kSalt) + "$" + kDigest));
}

// Anything that is not exactly an argon2i/argon2id PHC string is refused.
TEST(ParseArgon2Hash, RefusesMalformed) {
  const std::string salt = kSalt;
  const std::string digest = kDigest;
  const std::string tail = "$" + salt + "$" + digest;
  const std::vector<std::string> malformed = {
      "",
      "$",
      "argon2id$v=19$m=1024,t=1,p=1" + tail,                           // no leading $
      "$argon2d$v=19$m=1024,t=1,p=1" + tail,                           // argon2d
      "$argon2$v=19$m=1024,t=1,p=1" + tail,                            // argon2 without variant
      "$ARGON2ID$v=19$m=1024,t=1,p=1" + tail,                          // case
      "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  // bcrypt
      "$2y$10$abcdefghijklmnopqrstuuGc1HnqVWcgnbxxmy6V2pGG5sPNf6i7u",  // bcrypt
      "$scrypt$ln=16,r=8,p=1" + tail,                                  // scrypt
      "$argon2id$m=1024,t=1,p=1" + tail,                               // missing v=
      "$argon2id$v=$m=1024,t=1,p=1" + tail,                            // empty version
      "$argon2id$v=16$m=1024,t=1,p=1" + tail,                          // argon2 1.0
      "$argon2id$v=0$m=1024,t=1,p=1" + tail,                           // version 0
      "$argon2id$v=019$m=1024,t=1,p=1" + tail,                         // leading zero
      "$argon2id$v=19$m=065536,t=1,p=1" + tail,                        // leading zero
      "$argon2id$v=19$m=1024,t=01,p=1" + tail,                         // leading zero
      "$argon2id$v=19$m=1024,t=1,p=01" + tail,                         // leading zero
      "$argon2id$v=19$m=1024,t=0,p=1" + tail,                          // t=0
      "$argon2id$v=19$m=1024,t=1,p=0" + tail,                          // p=0
      "$argon2id$v=19$m=,t=1,p=1" + tail,                              // empty m
      "$argon2id$v=19$m=-1,t=1,p=1" + tail,                            // sign
      "$argon2id$v=19$m=+1024,t=1,p=1" + tail,                         // sign
      "$argon2id$v=19$m= 1024,t=1,p=1" + tail,                         // space
      "$argon2id$v=19$m=1024 ,t=1,p=1" + tail,                         // space
      "$argon2id$v=19$m=0x400,t=1,p=1" + tail,                         // hex
      "$argon2id$v=19$t=1,m=1024,p=1" + tail,                          // order
      "$argon2id$v=19$m=1024,t=1" + tail,                              // missing p
      "$argon2id$v=19$m=1024,t=1,p=1,keyid=abc" + tail,                // extra parameter
      "$argon2id$v=19$m=1024;t=1;p=1" + tail,                          // separators
      "$argon2id$v=19$m=1024,t=1,p=1",                                 // no salt or digest
      "$argon2id$v=19$m=1024,t=1,p=1$",                                // no salt or digest
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt,                         // no digest
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$",                   // empty digest
      "$argon2id$v=19$m=1024,t=1,p=1$$" + digest,                      // empty salt
      "$argon2id$v=19$m=1024,t=1,p=1$" + digest,                       // one field only
      "$argon2id$v=19$m=1024,t=1,p=1$abcdefghij$" + digest,            // 10-char salt
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$0123456789+/abcdefghijklm",  // 25 chars
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$0123456789abcde",            // 15-char digest
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "==$" + digest,                // padded salt
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest + "=",            // padded digest
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest.substr(0, 40) + "AA==",  // padded
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest.substr(0, 42) + "-",     // base64url
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest.substr(0, 42) + "_",     // base64url
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt.substr(0, 21) + ".$" + digest,          // stray .
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest.substr(0, 20) + " " +
          digest.substr(21),                                                          // space
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest + "$",                   // trailing $
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest + "$extra",              // trailing
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest + "\n",                  // newline
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest + std::string(1, '\0'),  // NUL
      " $argon2id$v=19$m=1024,t=1,p=1" + tail,  // leading space
      "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + digest.substr(0, 42) + "\xc3",  // non-ASCII
  };
  ASSERT_TRUE(parse_argon2_hash("$argon2id$v=19$m=1024,t=1,p=1" + tail));  // the control
  for (const std::string &hash : malformed) {
    EXPECT_FALSE(parse_argon2_hash(hash)) << "accepted \"" << hash << "\"";
  }
}

// Every prefix of a real hash that ends before 16 characters of its digest is refused.
TEST(ParseArgon2Hash, RefusesPrefixesThroughShortDigest) {
  const std::string hash = hash_password("hunter2", cheap_policy());
  ASSERT_TRUE(parse_argon2_hash(hash));
  const size_t digest_start = hash.rfind('$') + 1;
  for (size_t length = 0; length < digest_start + 16; ++length) {
    EXPECT_FALSE(parse_argon2_hash(hash.substr(0, length)))
        << "accepted \"" << hash.substr(0, length) << "\"";
  }
}

// Regression test (the bug was found by this test and fixed):
// parse_argon2_hash accepts a truncated digest as long as 16+ characters are left and the
// length is not 1 mod 4: 20 of the 96 prefixes of a default hash (lengths 69-95) parse.
// Several of them are hashes libsodium itself rejects as malformed (digest shorter than
// argon2's 16-byte minimum output, or non-zero trailing bits), so verify_password answers
// false and password_needs_rehash answers false instead of throwing 22P02 as documented.
TEST(ParseArgon2Hash, RefusesEveryPrefix) {
  const std::string hash = hash_password("hunter2", cheap_policy());
  ASSERT_TRUE(parse_argon2_hash(hash));
  for (size_t length = 0; length < hash.size(); ++length) {
    EXPECT_FALSE(parse_argon2_hash(hash.substr(0, length)))
        << "accepted \"" << hash.substr(0, length) << "\"";
  }
}

// Regression test (the bug was found by this test and fixed):
// A stored hash whose digest was cut to 20 characters (15 bytes, below argon2's 16-byte minimum
// output, so libsodium itself calls it malformed) is not reported as malformed: verification
// silently answers false and no rehash is asked for, instead of 22P02.
TEST(VerifyPassword, TruncatedHashIsMalformed) {
  const std::string hash = hash_password("hunter2", cheap_policy());
  const std::string truncated = hash.substr(0, hash.rfind('$') + 1 + 20);
  ASSERT_EQ(crypto_pwhash_str_needs_rehash(truncated.c_str(), 1, 1 * kMiB), -1)
      << "libsodium considers it malformed";
  EXPECT_STREQ(error_of([&] { verify_password("hunter2", truncated, cheap_policy()); }).sqlstate(),
               "22P02");
  EXPECT_STREQ(error_of([&] { password_needs_rehash(truncated, cheap_policy()); }).sqlstate(),
               "22P02");
}

// ---------------------------------------------------------------------------------------------
// check_password_length and check_policy_costs

// Lengths from 1 to the maximum pass; empty and maximum+1 are 22023.
TEST(CheckPasswordLength, Bounds) {
  const PasswordPolicy policy = cheap_policy();
  EXPECT_NO_THROW(check_password_length("x", policy));
  EXPECT_NO_THROW(check_password_length(std::string(128, 'x'), policy));
  EXPECT_STREQ(error_of([&] { check_password_length("", policy); }).sqlstate(), "22023");
  EXPECT_STREQ(error_of([&] { check_password_length(std::string(129, 'x'), policy); }).sqlstate(),
               "22023");
}

// The cheap test policy is acceptable.
TEST(CheckPolicyCosts, AcceptsCheapPolicy) { EXPECT_NO_THROW(check_policy_costs(cheap_policy())); }

// Costs equal to the maximums are acceptable.
TEST(CheckPolicyCosts, AcceptsCostsAtMaximums) {
  PasswordPolicy policy = cheap_policy();
  policy.opslimit = policy.max_opslimit;
  policy.memlimit_bytes = policy.max_memlimit_bytes;
  EXPECT_NO_THROW(check_policy_costs(policy));
}

// Costs above the maximums are 22023, and hash_password refuses such a policy.
TEST(CheckPolicyCosts, RefusesCostsAboveMaximums) {
  PasswordPolicy ops = cheap_policy();
  ops.opslimit = ops.max_opslimit + 1;
  PasswordPolicy mem = cheap_policy();
  mem.memlimit_bytes = mem.max_memlimit_bytes + 1;
  for (const PasswordPolicy &policy : {ops, mem}) {
    EXPECT_STREQ(error_of([&] { check_policy_costs(policy); }).sqlstate(), "22023");
    EXPECT_STREQ(error_of([&] { hash_password("hunter2", policy); }).sqlstate(), "22023");
  }
}

// Costs below libsodium's minimums (t=1, 8 KiB), or an all-zero policy, are 22023.
TEST(CheckPolicyCosts, RefusesCostsBelowLibsodiumMinimum) {
  PasswordPolicy ops = cheap_policy();
  ops.opslimit = 0;
  PasswordPolicy mem = cheap_policy();
  mem.memlimit_bytes = crypto_pwhash_MEMLIMIT_MIN - 1;
  PasswordPolicy zero;
  zero.max_password_bytes = 128;
  for (const PasswordPolicy &policy : {ops, mem, zero}) {
    EXPECT_STREQ(error_of([&] { check_policy_costs(policy); }).sqlstate(), "22023");
    EXPECT_STREQ(error_of([&] { hash_password("hunter2", policy); }).sqlstate(), "22023");
  }
  PasswordPolicy minimum = cheap_policy();
  minimum.memlimit_bytes = crypto_pwhash_MEMLIMIT_MIN;
  EXPECT_NO_THROW(check_policy_costs(minimum));
}

// Regression test (the bug was found by this test and fixed):
// check_policy_costs promises 22023 for costs beyond libsodium's limits but checks only the
// minimums: t = 2^32 with a larger maximum passes, and hash_password then fails inside
// libsodium and reports 53200 "ran out of memory" instead.
TEST(CheckPolicyCosts, RefusesCostsAboveLibsodiumMaximum) {
  PasswordPolicy policy = cheap_policy();
  policy.opslimit = uint64_t{crypto_pwhash_OPSLIMIT_MAX} + 1;
  policy.max_opslimit = policy.opslimit * 2;
  EXPECT_STREQ(error_of([&] { check_policy_costs(policy); }).sqlstate(), "22023");
}

// ---------------------------------------------------------------------------------------------
// hash_password and verify_password

// A password verifies against its own hash, which has the policy's costs in argon2id.
TEST(HashPassword, RoundTrip) {
  const PasswordPolicy policy = cheap_policy();
  const std::string hash = hash_password("correct horse", policy);
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password("correct horse", hash, policy));
}

// Hashes are salted: the same password hashes differently each time, and both verify.
TEST(HashPassword, Salted) {
  const PasswordPolicy policy = cheap_policy();
  const std::string first = hash_password("correct horse", policy);
  const std::string second = hash_password("correct horse", policy);
  EXPECT_NE(first, second);
  EXPECT_TRUE(verify_password("correct horse", first, policy));
  EXPECT_TRUE(verify_password("correct horse", second, policy));
}

// Other passwords, however close, do not verify.
TEST(VerifyPassword, WrongPasswordIsFalse) {
  const PasswordPolicy policy = cheap_policy();
  const std::string hash = hash_password("correct horse", policy);
  const std::vector<std::string> wrongs = {"Correct horse",  "correct hors",
                                           "correct horse ", "x",
                                           "correct horsf",  std::string("correct horse\0", 14)};
  for (const std::string &wrong : wrongs) {
    EXPECT_FALSE(verify_password(wrong, hash, policy)) << wrong;
  }
}

// A password with a NUL byte is hashed in full, not cut at the NUL.
TEST(VerifyPassword, EmbeddedNulCounts) {
  const PasswordPolicy policy = cheap_policy();
  const std::string with_nul("pass\0word", 9);
  const std::string hash = hash_password(with_nul, policy);
  EXPECT_TRUE(verify_password(with_nul, hash, policy));
  EXPECT_FALSE(verify_password("pass", hash, policy));
  EXPECT_FALSE(verify_password(std::string("pass\0wore", 9), hash, policy));
}

// Passwords sharing their first 72+ bytes are still different passwords (unlike bcrypt).
TEST(VerifyPassword, NoSeventyTwoBytePrefixTruncation) {
  const PasswordPolicy policy = cheap_policy();
  const std::string common(80, 'p');
  const std::string first = common + "-first";
  const std::string second = common + "-second";
  const std::string first_hash = hash_password(first, policy);
  const std::string second_hash = hash_password(second, policy);
  EXPECT_TRUE(verify_password(first, first_hash, policy));
  EXPECT_TRUE(verify_password(second, second_hash, policy));
  EXPECT_FALSE(verify_password(second, first_hash, policy));
  EXPECT_FALSE(verify_password(first, second_hash, policy));
  EXPECT_FALSE(verify_password(common, first_hash, policy));
  const std::string hash72 = hash_password(std::string(72, 'q'), policy);
  EXPECT_FALSE(verify_password(std::string(73, 'q'), hash72, policy));
  EXPECT_FALSE(verify_password(std::string(100, 'q'), hash72, policy));
}

// An empty password is 22023 for hashing and for verification.
TEST(HashPassword, EmptyPasswordIs22023) {
  const PasswordPolicy policy = cheap_policy();
  EXPECT_STREQ(error_of([&] { hash_password("", policy); }).sqlstate(), "22023");
  const std::string hash = hash_password("x", policy);
  EXPECT_STREQ(error_of([&] { verify_password("", hash, policy); }).sqlstate(), "22023");
}

// A password of exactly the maximum length is accepted; one byte more is 22023.
TEST(HashPassword, MaximumLength) {
  const PasswordPolicy policy = cheap_policy();
  const std::string longest(policy.max_password_bytes, 'L');
  const std::string hash = hash_password(longest, policy);
  EXPECT_TRUE(verify_password(longest, hash, policy));
  const std::string too_long = longest + "L";
  EXPECT_STREQ(error_of([&] { hash_password(too_long, policy); }).sqlstate(), "22023");
  EXPECT_STREQ(error_of([&] { verify_password(too_long, hash, policy); }).sqlstate(), "22023");
}

// No error message, detail or hint ever shows the password.
TEST(HashPassword, ErrorsNeverShowPassword) {
  PasswordPolicy policy = cheap_policy();
  policy.max_password_bytes = 40;
  const std::string secret = "Sup3rS3cretPassw0rd-Sup3rS3cretPassw0rd-XYZ";  // 42 bytes
  const std::string probe = "Sup3rS3cret";
  const Error too_long_hash = error_of([&] { hash_password(secret, policy); });
  EXPECT_STREQ(too_long_hash.sqlstate(), "22023");
  expect_not_shown(too_long_hash, probe);
  const Error too_long_verify = error_of([&] { verify_password(secret, "x", policy); });
  EXPECT_STREQ(too_long_verify.sqlstate(), "22023");
  expect_not_shown(too_long_verify, probe);
  const std::string fits = secret.substr(0, 40);
  const Error malformed = error_of([&] { verify_password(fits, "not a hash", policy); });
  EXPECT_STREQ(malformed.sqlstate(), "22P02");
  expect_not_shown(malformed, probe);
  const Error costly =
      error_of([&] { verify_password(fits, argon2id_with("m=4194304,t=1,p=1"), policy); });
  EXPECT_STREQ(costly.sqlstate(), "22023");
  expect_not_shown(costly, probe);
  PasswordPolicy over = policy;
  over.opslimit = over.max_opslimit + 1;
  const Error bad_policy = error_of([&] { hash_password(fits, over); });
  EXPECT_STREQ(bad_policy.sqlstate(), "22023");
  expect_not_shown(bad_policy, probe);
}

// A hash asking for more memory than allowed (here 4 GiB) is refused with 22023 before any
// hashing work: the call returns at once instead of attempting the allocation.
TEST(VerifyPassword, RefusesTooMuchMemoryBeforeWork) {
  const PasswordPolicy policy = cheap_policy();
  for (const char *costs : {"m=4194304,t=1,p=1", "m=4294967295,t=1,p=1", "m=8193,t=1,p=1"}) {
    const Error error = error_of([&] { verify_password("hunter2", argon2id_with(costs), policy); });
    EXPECT_STREQ(error.sqlstate(), "22023") << costs;
    EXPECT_NE(std::string(error.what()).find("more memory"), std::string::npos) << error.what();
  }
}

// A hash asking for more iterations than allowed is refused with 22023 before any work.
TEST(VerifyPassword, RefusesTooManyIterationsBeforeWork) {
  const PasswordPolicy policy = cheap_policy();
  for (const char *costs : {"m=1024,t=5,p=1", "m=1024,t=4294967295,p=1"}) {
    const Error error = error_of([&] { verify_password("hunter2", argon2id_with(costs), policy); });
    EXPECT_STREQ(error.sqlstate(), "22023") << costs;
    EXPECT_NE(std::string(error.what()).find("more iterations"), std::string::npos) << error.what();
  }
}

// A real hash made under a costlier policy is refused once the maximums are lowered.
TEST(VerifyPassword, RefusesRealHashAboveLoweredMaximums) {
  PasswordPolicy costly = cheap_policy();
  costly.opslimit = 2;
  costly.memlimit_bytes = 2 * kMiB;
  const std::string hash = hash_password("hunter2", costly);
  EXPECT_TRUE(verify_password("hunter2", hash, costly));
  PasswordPolicy fewer_ops = cheap_policy();
  fewer_ops.max_opslimit = 1;
  EXPECT_STREQ(error_of([&] { verify_password("hunter2", hash, fewer_ops); }).sqlstate(), "22023");
  PasswordPolicy less_memory = cheap_policy();
  less_memory.max_memlimit_bytes = 2 * kMiB - 1;
  EXPECT_STREQ(error_of([&] { verify_password("hunter2", hash, less_memory); }).sqlstate(),
               "22023");
}

// Costs exactly at the maximums are verified (the synthetic digest simply does not match).
TEST(VerifyPassword, CostsAtMaximumsAreChecked) {
  const PasswordPolicy policy = cheap_policy();
  EXPECT_FALSE(verify_password("hunter2", argon2id_with("m=1024,t=4,p=1"), policy));
  EXPECT_FALSE(verify_password("hunter2", argon2id_with("m=8192,t=1,p=1"), policy));
}

// A parallelism other than 1 is refused with 22023.
TEST(VerifyPassword, RefusesParallelismAboveOne) {
  const PasswordPolicy policy = cheap_policy();
  for (const char *costs : {"m=1024,t=1,p=2", "m=1024,t=1,p=16777215"}) {
    const Error error = error_of([&] { verify_password("hunter2", argon2id_with(costs), policy); });
    EXPECT_STREQ(error.sqlstate(), "22023") << costs;
    EXPECT_NE(std::string(error.what()).find("parallelism"), std::string::npos) << error.what();
  }
}

// A malformed hash is 22P02.
TEST(VerifyPassword, MalformedHashIs22P02) {
  const PasswordPolicy policy = cheap_policy();
  for (const std::string &hash :
       {std::string(), std::string("not a hash"),
        std::string("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
        "$argon2d$v=19$m=1024,t=1,p=1$" + std::string(kSalt) + "$" + kDigest,
        argon2id_with("m=1024,t=0,p=1"), argon2id_with("m=01024,t=1,p=1")}) {
    EXPECT_STREQ(error_of([&] { verify_password("hunter2", hash, policy); }).sqlstate(), "22P02")
        << hash;
  }
}

// Legacy argon2i hashes still verify (and then need a rehash).
TEST(VerifyPassword, VerifiesArgon2i) {
  const PasswordPolicy policy = cheap_policy();
  const std::string hash = argon2i_hash("legacy password");
  EXPECT_TRUE(verify_password("legacy password", hash, policy));
  EXPECT_FALSE(verify_password("legacy passwore", hash, policy));
}

// ---------------------------------------------------------------------------------------------
// password_needs_rehash

// A hash made at the policy's costs needs no rehash.
TEST(PasswordNeedsRehash, SameCostsIsFalse) {
  const PasswordPolicy policy = cheap_policy();
  EXPECT_FALSE(password_needs_rehash(hash_password("hunter2", policy), policy));
}

// Other iterations or memory need a rehash, in either direction.
TEST(PasswordNeedsRehash, OtherCostsIsTrue) {
  const PasswordPolicy policy = cheap_policy();
  const std::string hash = hash_password("hunter2", policy);
  PasswordPolicy more_ops = policy;
  more_ops.opslimit = 2;
  PasswordPolicy more_memory = policy;
  more_memory.memlimit_bytes = 2 * kMiB;
  PasswordPolicy less_memory = policy;
  less_memory.memlimit_bytes = kMiB / 2;
  for (const PasswordPolicy &other : {more_ops, more_memory, less_memory}) {
    EXPECT_TRUE(password_needs_rehash(hash, other));
  }
  EXPECT_TRUE(password_needs_rehash(hash_password("hunter2", more_ops), policy));
}

// Memory is compared in KiB, as the hash stores it: a policy differing by under 1 KiB agrees.
TEST(PasswordNeedsRehash, ComparesMemoryInKibibytes) {
  const PasswordPolicy policy = cheap_policy();
  const std::string hash = hash_password("hunter2", policy);
  PasswordPolicy odd = policy;
  odd.memlimit_bytes = kMiB + 1023;
  EXPECT_FALSE(password_needs_rehash(hash, odd));
  odd.memlimit_bytes = kMiB + 1024;
  EXPECT_TRUE(password_needs_rehash(hash, odd));
}

// The answers agree with libsodium's own crypto_pwhash_str_needs_rehash for argon2id hashes.
TEST(PasswordNeedsRehash, AgreesWithLibsodium) {
  const PasswordPolicy policy = cheap_policy();
  const std::string hash = hash_password("hunter2", policy);
  for (const uint64_t ops : {1u, 2u}) {
    for (const size_t memory : {kMiB / 2, kMiB, 2 * kMiB}) {
      PasswordPolicy other = policy;
      other.opslimit = ops;
      other.memlimit_bytes = memory;
      EXPECT_EQ(password_needs_rehash(hash, other),
                crypto_pwhash_str_needs_rehash(hash.c_str(), ops, memory) == 1)
          << "t=" << ops << " m=" << memory;
    }
  }
}

// argon2i always needs a rehash, even at the same costs.
TEST(PasswordNeedsRehash, Argon2iIsTrue) {
  PasswordPolicy policy = cheap_policy();
  policy.opslimit = 3;
  EXPECT_TRUE(password_needs_rehash(argon2i_hash("hunter2"), policy));
}

// A parallelism other than 1 needs a rehash.
TEST(PasswordNeedsRehash, ParallelismIsTrue) {
  EXPECT_TRUE(password_needs_rehash(argon2id_with("m=1024,t=1,p=2"), cheap_policy()));
  EXPECT_FALSE(password_needs_rehash(argon2id_with("m=1024,t=1,p=1"), cheap_policy()));
}

// A malformed hash is 22P02.
TEST(PasswordNeedsRehash, MalformedIs22P02) {
  for (const std::string &hash :
       {std::string(), std::string("not a hash"), argon2id_with("m=1024,t=1,p=0"),
        std::string("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW")}) {
    EXPECT_STREQ(error_of([&] { password_needs_rehash(hash, cheap_policy()); }).sqlstate(), "22P02")
        << hash;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// dummy_password_hash and password_matches (sign-in without telling accounts apart)

namespace tenancy_password_matches_test {

using namespace tenancy;

// Policy costs the dummy hash must carry.
PasswordPolicy dummy_policy() {
  PasswordPolicy policy;
  policy.opslimit = 2;
  policy.memlimit_bytes = 2 * 1024 * 1024;
  policy.max_opslimit = 4;
  policy.max_memlimit_bytes = 8 * 1024 * 1024;
  policy.max_password_bytes = 128;
  return policy;
}

// A dummy hash is a well-formed argon2id string at the policy's costs, random each time, and
// no password verifies against it.
TEST(DummyPasswordHash, ParsesAtPolicyCostsAndNeverVerifies) {
  const PasswordPolicy policy = dummy_policy();
  const std::string dummy = dummy_password_hash(policy);
  const auto parameters = parse_argon2_hash(dummy);
  ASSERT_TRUE(parameters.has_value()) << dummy;
  EXPECT_EQ(parameters->variant, Argon2Variant::kArgon2id);
  EXPECT_EQ(parameters->memory_kib, 2048u);
  EXPECT_EQ(parameters->iterations, 2u);
  EXPECT_EQ(parameters->parallelism, 1u);
  EXPECT_FALSE(password_needs_rehash(dummy, policy));
  EXPECT_NE(dummy, dummy_password_hash(policy));
  EXPECT_FALSE(verify_password("anything", dummy, policy));
}

// The right password matches its hash; a wrong one, no hash, a malformed, foreign or
// over-costly hash all answer false without raising.
TEST(PasswordMatches, AnswersFalseForEveryUnusableHash) {
  const PasswordPolicy policy = dummy_policy();
  const std::string real = hash_password("right", policy);
  const std::string malformed = real.substr(0, real.size() - 5);
  const std::string bcrypt = "$2b$12$abcdefghijklmnopqrstuu0123456789012345678901234567890";
  const std::string costly =
      "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  EXPECT_TRUE(password_matches("right", &real, policy));
  EXPECT_FALSE(password_matches("wrong", &real, policy));
  EXPECT_FALSE(password_matches("right", nullptr, policy));
  EXPECT_FALSE(password_matches("right", &malformed, policy));
  EXPECT_FALSE(password_matches("right", &bcrypt, policy));
  EXPECT_FALSE(password_matches("right", &costly, policy));
}

// The password's own length is still checked first (the same for every account).
TEST(PasswordMatches, RefusesBadPasswordLength) {
  const PasswordPolicy policy = dummy_policy();
  for (const std::string &password : {std::string(), std::string(129, 'p')}) {
    try {
      password_matches(password, nullptr, policy);
      ADD_FAILURE() << "no error for a password of " << password.size() << " bytes";
    } catch (const Error &error) {
      EXPECT_STREQ(error.sqlstate(), "22023");
    }
  }
}

}  // namespace tenancy_password_matches_test
