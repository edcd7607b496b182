// Base64 encodings implemented with libsodium's constant-time codec.
#include "core/base64.hpp"

#include <sodium.h>

namespace tenancy {

namespace {

// Encodes with one libsodium variant.
std::string encode_variant(std::string_view bytes, int variant) {
  const size_t capacity = sodium_base64_encoded_len(bytes.size(), variant);
  std::string out(capacity, '\0');
  sodium_bin2base64(out.data(), capacity, reinterpret_cast<const unsigned char *>(bytes.data()),
                    bytes.size(), variant);
  out.resize(capacity - 1);  // drop the terminating NUL libsodium writes
  return out;
}

// Decodes with one libsodium variant, requiring every input character to be consumed.
std::optional<std::string> decode_variant(std::string_view text, int variant) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t decoded_len = 0;
  const char *end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char *>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &decoded_len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(decoded_len);
  return out;
}

}  // namespace

// Encodes bytes as base64url without padding.
std::string base64url_encode(std::string_view bytes) {
  return encode_variant(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

// Encodes bytes as standard padded base64.
std::string base64_encode(std::string_view bytes) {
  return encode_variant(bytes, sodium_base64_VARIANT_ORIGINAL);
}

// Decodes strict unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text) {
  return decode_variant(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

// Decodes whichever base64 alphabet the text is written in.
std::optional<std::string> base64_decode_any(std::string_view text) {
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_URLSAFE,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    if (auto decoded = decode_variant(text, variant)) return decoded;
  }
  return std::nullopt;
}

}  // namespace tenancy
