// Parsing of key lists from settings.
#include "crypto/key_ring.hpp"

#include <sodium.h>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace tenancy {

namespace {

// Removes surrounding blanks.
std::string_view trim(std::string_view text) {
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

// Raises the error for a malformed key-list entry, numbering it but never showing the key.
[[noreturn]] void reject_entry(size_t position, const std::string &why) {
  throw Error(sqlstate::kInvalidParameterValue,
              "key list entry " + std::to_string(position) + " is invalid: " + why, "",
              "Write entries as kid:base64key, separated by commas.");
}

}  // namespace

// True when kid is a short token of safe characters.
bool is_valid_key_id(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (char c : kid) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Splits on commas, then each entry on its first colon.
KeyRing KeyRing::parse(std::string_view spec, size_t min_key_bytes, size_t max_key_bytes) {
  KeyRing ring;
  size_t position = 0;
  while (!trim(spec).empty()) {
    ++position;
    const size_t comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    const size_t colon = entry.find(':');
    if (colon == std::string_view::npos) reject_entry(position, "it has no ':' after the kid");
    const std::string_view kid = trim(entry.substr(0, colon));
    if (!is_valid_key_id(kid))
      reject_entry(position, "a kid is 1-64 characters of A-Z a-z 0-9 . _ -");
    if (ring.find(kid) != nullptr)
      reject_entry(position, "kid \"" + std::string(kid) + "\" is listed twice");
    auto key = base64_decode_any(trim(entry.substr(colon + 1)));
    if (!key) reject_entry(position, "the key of kid \"" + std::string(kid) + "\" is not base64");
    if (key->size() < min_key_bytes || key->size() > max_key_bytes) {
      const size_t length = key->size();
      sodium_memzero(key->data(), key->size());
      reject_entry(position, "the key of kid \"" + std::string(kid) + "\" has " +
                                 std::to_string(length) + " bytes; " +
                                 std::to_string(min_key_bytes) + " to " +
                                 std::to_string(max_key_bytes) + " are accepted");
    }
    ring.keys_.push_back(NamedKey{std::string(kid), std::move(*key)});
  }
  return ring;
}

// Linear search: key lists hold a handful of keys during a rotation.
const std::string *KeyRing::find(std::string_view kid) const {
  for (const NamedKey &named : keys_) {
    if (named.kid == kid) return &named.key;
  }
  return nullptr;
}

}  // namespace tenancy
