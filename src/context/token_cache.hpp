// A per-backend cache of verified context tokens, so a token is verified once until it expires.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "context/context_claims.hpp"

namespace tenancy {

// Maps a token's exact text to the claims its verified signature proved. Entries are dropped
// when the trusted keys change (a new generation) and are never served past their `exp`.
class TokenCache {
 public:
  explicit TokenCache(size_t capacity = 1024) : capacity_(capacity) {}

  // The cached claims of token, or nullptr when absent, from an older key generation, or expired.
  const ContextClaims *find(std::string_view token, uint64_t key_generation, int64_t now_us);

  // Remembers a verified token; when full, starts over (cheap and bounded).
  void insert(std::string_view token, uint64_t key_generation, const ContextClaims &claims);

  // Changes how many tokens are kept; 0 disables caching.
  void set_capacity(size_t capacity);

  // The number of cached tokens.
  size_t size() const { return entries_.size(); }

 private:
  // Forgets everything if the keys changed since the entries were verified.
  void sync_generation(uint64_t key_generation);

  size_t capacity_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, ContextClaims> entries_;
};

}  // namespace tenancy
