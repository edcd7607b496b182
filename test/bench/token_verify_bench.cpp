// Cost of verifying one context token (base64url, JSON header and claims, key lookup, Ed25519)
// against its floor, libsodium's crypto_sign_verify_detached on the same bytes.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <string>

#include "context/context_claims.hpp"
#include "core/uuid.hpp"
#include "crypto/jws.hpp"
#include "crypto/key_ring.hpp"
#include "core/base64.hpp"

namespace {

// A signed token and the ring that trusts its key, built once.
struct Fixture {
  tenancy::KeyRing ring;
  tenancy::KeyRing no_hs256;
  std::string token;
  std::string public_key;

  Fixture() {
    if (sodium_init() < 0) std::abort();
    const tenancy::Ed25519KeyPair pair = tenancy::generate_ed25519_keypair();
    public_key = pair.public_key;
    const std::string kid = tenancy::key_id_for(pair.public_key);
    ring = tenancy::KeyRing::parse(kid + ":" + tenancy::base64_encode(pair.public_key), 32, 32);
    const tenancy::Uuid org = *tenancy::parse_uuid("0a000000-0000-4000-8000-00000000000a");
    const tenancy::Uuid user = *tenancy::parse_uuid("a1000000-0000-4000-8000-0000000000a1");
    const std::string header = R"({"alg":"EdDSA","typ":"JWT","kid":")" + kid + R"("})";
    token = tenancy::make_compact_jws(
        header, tenancy::context_claims_json(org, &user, "ADMIN", 1700000000, 4000000000), "EdDSA",
        pair.secret_seed);
  }
};

// Shared fixture.
Fixture &fixture() {
  static Fixture instance;
  return instance;
}

// The whole verification tenancy does for an uncached token.
void BM_verify_context_token(benchmark::State &state) {
  Fixture &f = fixture();
  const tenancy::TokenKeys keys{f.ring, f.no_hs256};
  for (auto _ : state) {
    benchmark::DoNotOptimize(tenancy::verify_context_token(f.token, keys, 1800000000000000));
  }
}
BENCHMARK(BM_verify_context_token);

// The peer: only the Ed25519 signature check on the same signing input.
void BM_libsodium_verify_only(benchmark::State &state) {
  Fixture &f = fixture();
  const auto jws = tenancy::split_compact_jws(f.token);
  for (auto _ : state) {
    benchmark::DoNotOptimize(tenancy::ed25519_verify(jws->signing_input, jws->signature, f.public_key));
  }
}
BENCHMARK(BM_libsodium_verify_only);

}  // namespace

BENCHMARK_MAIN();
