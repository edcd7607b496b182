// Tests of the verified-token cache in context/token_cache.
#include "context/token_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using tenancy::ContextClaims;
using tenancy::TokenCache;

constexpr int64_t kExpUs = 1000000;

// Claims that expire at exp_us, tagged so entries can be told apart.
ContextClaims claims_expiring_at(int64_t exp_us, uint8_t tag = 1) {
  ContextClaims claims{};
  claims.org_id[0] = tag;
  claims.has_user = false;
  claims.role = 2;
  claims.expires_at_us = exp_us;
  claims.not_before_us = 0;
  claims.issued_at_us = 0;
  return claims;
}

// A token inserted is found again with the same claims under the same key generation.
TEST(TokenCache, HitReturnsStoredClaims) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs, 7));
  const ContextClaims *found = cache.find("token-a", 1, kExpUs - 1);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->org_id[0], 7);
  EXPECT_EQ(found->role, 2);
  EXPECT_EQ(found->expires_at_us, kExpUs);
  EXPECT_EQ(cache.size(), 1u);
}

// An unknown token, or one differing by a single character, misses.
TEST(TokenCache, MissOnOtherToken) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs));
  EXPECT_EQ(cache.find("token-b", 1, 0), nullptr);
  EXPECT_EQ(cache.find("token-a ", 1, 0), nullptr);
  EXPECT_EQ(cache.find("token-", 1, 0), nullptr);
  EXPECT_EQ(cache.find("", 1, 0), nullptr);
  EXPECT_NE(cache.find("token-a", 1, 0), nullptr);
}

// A new key generation drops every entry verified under the old keys.
TEST(TokenCache, MissOnNewKeyGeneration) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs));
  cache.insert("token-b", 1, claims_expiring_at(kExpUs));
  EXPECT_EQ(cache.find("token-a", 2, 0), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  // Going back to the old generation does not resurrect them.
  EXPECT_EQ(cache.find("token-b", 1, 0), nullptr);
}

// Inserting under a new generation also drops the old entries.
TEST(TokenCache, InsertUnderNewGenerationDropsOldEntries) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs));
  cache.insert("token-b", 2, claims_expiring_at(kExpUs));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("token-a", 2, 0), nullptr);
  EXPECT_NE(cache.find("token-b", 2, 0), nullptr);
}

// An entry is served until just before exp and evicted at exp.
TEST(TokenCache, ExpiredEntryIsEvicted) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs));
  cache.insert("token-b", 1, claims_expiring_at(kExpUs * 2));
  EXPECT_NE(cache.find("token-a", 1, kExpUs - 1), nullptr);
  EXPECT_EQ(cache.find("token-a", 1, kExpUs), nullptr);
  EXPECT_EQ(cache.size(), 1u);  // token-a was removed, token-b stays
  // Once evicted it stays gone even if the clock were to go back.
  EXPECT_EQ(cache.find("token-a", 1, 0), nullptr);
  EXPECT_NE(cache.find("token-b", 1, kExpUs), nullptr);
}

// Capacity 0 disables caching: nothing is stored.
TEST(TokenCache, CapacityZeroDisables) {
  TokenCache cache(0);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find("token-a", 1, 0), nullptr);
}

// Setting capacity 0 empties a populated cache and stops further inserts.
TEST(TokenCache, SetCapacityZeroEmptiesAndDisables) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs));
  cache.set_capacity(0);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find("token-a", 1, 0), nullptr);
  cache.insert("token-b", 1, claims_expiring_at(kExpUs));
  EXPECT_EQ(cache.size(), 0u);
  cache.set_capacity(4);
  cache.insert("token-c", 1, claims_expiring_at(kExpUs));
  EXPECT_EQ(cache.size(), 1u);
}

// Inserting into a full cache starts over: only the new entry remains.
TEST(TokenCache, FullCacheStartsOver) {
  TokenCache cache(3);
  cache.insert("t1", 1, claims_expiring_at(kExpUs, 1));
  cache.insert("t2", 1, claims_expiring_at(kExpUs, 2));
  cache.insert("t3", 1, claims_expiring_at(kExpUs, 3));
  EXPECT_EQ(cache.size(), 3u);
  cache.insert("t4", 1, claims_expiring_at(kExpUs, 4));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("t1", 1, 0), nullptr);
  EXPECT_EQ(cache.find("t3", 1, 0), nullptr);
  const ContextClaims *found = cache.find("t4", 1, 0);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->org_id[0], 4);
}

// The cache never holds more than its capacity.
TEST(TokenCache, NeverExceedsCapacity) {
  TokenCache cache(5);
  for (int i = 0; i < 100; ++i) {
    cache.insert("token-" + std::to_string(i), 1, claims_expiring_at(kExpUs));
    EXPECT_LE(cache.size(), 5u);
    EXPECT_NE(cache.find("token-" + std::to_string(i), 1, 0), nullptr);
  }
}

// Re-inserting a token replaces its claims without growing the cache.
TEST(TokenCache, ReinsertReplaces) {
  TokenCache cache(8);
  cache.insert("token-a", 1, claims_expiring_at(kExpUs, 1));
  cache.insert("token-a", 1, claims_expiring_at(kExpUs * 2, 2));
  EXPECT_EQ(cache.size(), 1u);
  const ContextClaims *found = cache.find("token-a", 1, kExpUs);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->org_id[0], 2);
}

// Shrinking below the current size starts over; growing keeps entries.
TEST(TokenCache, SetCapacityTrims) {
  TokenCache cache(8);
  for (int i = 0; i < 4; ++i) cache.insert("t" + std::to_string(i), 1, claims_expiring_at(kExpUs));
  cache.set_capacity(16);
  EXPECT_EQ(cache.size(), 4u);
  cache.set_capacity(4);
  EXPECT_EQ(cache.size(), 4u);
  cache.set_capacity(2);
  EXPECT_EQ(cache.size(), 0u);
}

// The default capacity caches.
TEST(TokenCache, DefaultCapacityCaches) {
  TokenCache cache;
  cache.insert("token-a", 0, claims_expiring_at(kExpUs));
  EXPECT_NE(cache.find("token-a", 0, 0), nullptr);
}

}  // namespace
