// UUIDs as 16 raw bytes, parsed from and printed in the canonical 8-4-4-4-12 form.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tenancy {

// A UUID's 16 bytes in network order, as PostgreSQL's uuid type stores them.
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool operator==(const Uuid &other) const { return bytes == other.bytes; }
  bool operator!=(const Uuid &other) const { return bytes != other.bytes; }
};

// Parses the canonical 36-character form (either case); nullopt for anything else.
std::optional<Uuid> parse_uuid(std::string_view text);

// A UUID from 16 raw bytes.
Uuid uuid_from_bytes(const uint8_t *bytes);

// Prints the canonical lower-case 36-character form.
std::string format_uuid(const Uuid &uuid);

}  // namespace tenancy
