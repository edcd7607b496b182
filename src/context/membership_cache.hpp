// A per-backend cache of membership answers for set_context. Entries are dropped whenever one of
// the identity tables changes (the PostgreSQL side wires that to relcache invalidations).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "core/uuid.hpp"

namespace tenancy {

// What the identity tables said about (organization, optional user).
struct MembershipAnswer {
  bool organization_live = false;
  int member_role = -1;  // OrgRole rank of an active membership of an active user, else -1
};

// Maps (organization, user or none) to the answer last read from the tables.
class MembershipCache {
 public:
  explicit MembershipCache(size_t capacity = 4096) : capacity_(capacity) {}

  // The cached answer, or nullopt.
  std::optional<MembershipAnswer> find(const Uuid &org_id,
                                       const std::optional<Uuid> &user_id) const;

  // Remembers an answer; when full, starts over (cheap and bounded).
  void insert(const Uuid &org_id, const std::optional<Uuid> &user_id,
              const MembershipAnswer &answer);

  // Forgets everything (the tables changed).
  void clear() { entries_.clear(); }

  // The number of cached answers.
  size_t size() const { return entries_.size(); }

 private:
  using Key = std::array<uint8_t, 33>;  // org bytes, user bytes, has-user flag

  // Hashes a key by its uuid bytes (already random for v4 uuids).
  struct KeyHash {
    size_t operator()(const Key &key) const;
  };

  // Builds the key of a pair.
  static Key key_of(const Uuid &org_id, const std::optional<Uuid> &user_id);

  size_t capacity_;
  std::unordered_map<Key, MembershipAnswer, KeyHash> entries_;
};

}  // namespace tenancy
