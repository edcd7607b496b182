// Memory for secrets: a byte buffer wiped with sodium_memzero when it dies (on every path,
// exceptions included), and the constant-time comparison used for every secret.
#pragma once

#include <cstddef>
#include <string_view>

namespace tenancy {

// A fixed-size heap buffer for plaintext secrets; movable, never copied, wiped on destruction.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  // A zero-filled buffer of size bytes.
  explicit SecretBuffer(size_t size);
  // A copy of bytes (the caller wipes its own copy if it owns one).
  explicit SecretBuffer(std::string_view bytes);
  ~SecretBuffer();
  SecretBuffer(SecretBuffer &&other) noexcept;
  SecretBuffer &operator=(SecretBuffer &&other) noexcept;
  SecretBuffer(const SecretBuffer &) = delete;
  SecretBuffer &operator=(const SecretBuffer &) = delete;

  // The bytes.
  unsigned char *data() noexcept { return data_; }
  const unsigned char *data() const noexcept { return data_; }
  // The bytes as characters.
  const char *chars() const noexcept { return reinterpret_cast<const char *>(data_); }
  // The number of bytes.
  size_t size() const noexcept { return size_; }
  // The bytes as a view (valid while the buffer lives).
  std::string_view view() const noexcept { return {chars(), size_}; }
  // Shortens the buffer to new_size bytes (wiping the tail); never grows it.
  void shrink(size_t new_size) noexcept;

 private:
  // Wipes and frees the bytes.
  void release() noexcept;

  unsigned char *data_ = nullptr;
  size_t size_ = 0;
};

// True when a and b are equal, in time that depends only on their lengths (sodium_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace tenancy
