// The membership answer cache.
#include "context/membership_cache.hpp"

#include <algorithm>
#include <string_view>

namespace tenancy {

// std::hash over the key's bytes.
size_t MembershipCache::KeyHash::operator()(const Key &key) const {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char *>(key.data()), key.size()));
}

// Org bytes, then user bytes (zero when absent), then whether a user was named.
MembershipCache::Key MembershipCache::key_of(const Uuid &org_id,
                                             const std::optional<Uuid> &user_id) {
  Key key{};
  std::copy(org_id.bytes.begin(), org_id.bytes.end(), key.begin());
  if (user_id) {
    std::copy(user_id->bytes.begin(), user_id->bytes.end(), key.begin() + 16);
    key[32] = 1;
  }
  return key;
}

// Looks a pair up.
std::optional<MembershipAnswer> MembershipCache::find(const Uuid &org_id,
                                                      const std::optional<Uuid> &user_id) const {
  const auto found = entries_.find(key_of(org_id, user_id));
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

// Stores an answer unless caching is off.
void MembershipCache::insert(const Uuid &org_id, const std::optional<Uuid> &user_id,
                             const MembershipAnswer &answer) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(key_of(org_id, user_id), answer);
}

}  // namespace tenancy
