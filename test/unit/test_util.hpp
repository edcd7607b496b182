// Small helpers shared by the unit tests.
#pragma once

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tenancy_test {

// Bytes from a hexadecimal string (test vectors are written in hex).
inline std::string from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not hex");
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// Lower-case hexadecimal of bytes.
inline std::string to_hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0f]);
  }
  return out;
}

// Deterministic pseudo-random bytes, so failures reproduce.
inline std::string random_bytes(std::mt19937 &rng, size_t length) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(length, '\0');
  for (char &c : out) c = static_cast<char>(byte(rng));
  return out;
}

}  // namespace tenancy_test
