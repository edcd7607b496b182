// A set of named keys parsed from the `kid:base64key,kid:base64key` form used in settings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tenancy {

// One key and the identifier (JWT `kid`) that selects it.
struct NamedKey {
  std::string kid;
  std::string key;  // raw bytes
};

// The keys a setting lists; looked up by kid.
class KeyRing {
 public:
  // Parses `kid:base64[,kid:base64...]`; throws Error 22023 naming the bad entry (never its key).
  // min_key_bytes/max_key_bytes bound the decoded key length.
  static KeyRing parse(std::string_view spec, size_t min_key_bytes, size_t max_key_bytes);

  // The key named kid, or nullptr.
  const std::string *find(std::string_view kid) const;
  // True when no key is configured.
  bool empty() const { return keys_.empty(); }
  // The number of keys.
  size_t size() const { return keys_.size(); }

 private:
  std::vector<NamedKey> keys_;
};

// True when kid is 1-64 characters of [A-Za-z0-9._-].
bool is_valid_key_id(std::string_view kid);

}  // namespace tenancy
