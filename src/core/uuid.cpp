// Canonical UUID text conversion.
#include "core/uuid.hpp"

#include <algorithm>

namespace tenancy {

namespace {

// Value of one hexadecimal digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True where the canonical form has a hyphen.
bool is_hyphen_position(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

// Parses 8-4-4-4-12 hexadecimal with hyphens.
std::optional<Uuid> parse_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid uuid;
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (is_hyphen_position(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    uuid.bytes[byte++] = static_cast<uint8_t>(high << 4 | low);
    i += 2;
  }
  return uuid;
}

// Copies 16 bytes.
Uuid uuid_from_bytes(const uint8_t *bytes) {
  Uuid uuid;
  std::copy(bytes, bytes + uuid.bytes.size(), uuid.bytes.begin());
  return uuid;
}

// Prints lower-case canonical text.
std::string format_uuid(const Uuid &uuid) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < uuid.bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(digits[uuid.bytes[i] >> 4]);
    out.push_back(digits[uuid.bytes[i] & 0x0f]);
  }
  return out;
}

}  // namespace tenancy
