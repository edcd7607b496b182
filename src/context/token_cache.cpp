// The verified-token cache.
#include "context/token_cache.hpp"

namespace tenancy {

// Drops all entries verified under other keys.
void TokenCache::sync_generation(uint64_t key_generation) {
  if (key_generation != generation_) {
    entries_.clear();
    generation_ = key_generation;
  }
}

// Looks a token up, evicting it once expired.
const ContextClaims *TokenCache::find(std::string_view token, uint64_t key_generation,
                                      int64_t now_us) {
  sync_generation(key_generation);
  const auto found = entries_.find(std::string(token));
  if (found == entries_.end()) return nullptr;
  if (now_us >= found->second.expires_at_us) {
    entries_.erase(found);
    return nullptr;
  }
  return &found->second;
}

// Stores a verified token unless caching is off.
void TokenCache::insert(std::string_view token, uint64_t key_generation,
                        const ContextClaims &claims) {
  sync_generation(key_generation);
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::string(token), claims);
}

// Applies a new capacity, trimming by starting over when needed.
void TokenCache::set_capacity(size_t capacity) {
  capacity_ = capacity;
  if (entries_.size() > capacity_) entries_.clear();
}

}  // namespace tenancy
