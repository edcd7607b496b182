// SecretBuffer and constant_time_equal over libsodium.
#include "crypto/secret_buffer.hpp"

#include <sodium.h>

#include <cstring>
#include <new>

namespace tenancy {

// Allocates size zeroed bytes.
SecretBuffer::SecretBuffer(size_t size)
    : data_(new unsigned char[size > 0 ? size : 1]()), size_(size) {}

// Copies bytes into a fresh buffer.
SecretBuffer::SecretBuffer(std::string_view bytes) : SecretBuffer(bytes.size()) {
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

// Wipes before freeing.
SecretBuffer::~SecretBuffer() { release(); }

// Takes the other buffer's bytes; the other is left empty.
SecretBuffer::SecretBuffer(SecretBuffer &&other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

// Wipes our bytes, then takes the other's.
SecretBuffer &SecretBuffer::operator=(SecretBuffer &&other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

// Wipes the bytes past new_size and forgets them.
void SecretBuffer::shrink(size_t new_size) noexcept {
  if (new_size >= size_) return;
  sodium_memzero(data_ + new_size, size_ - new_size);
  size_ = new_size;
}

// Wipes the whole allocation (the original size is gone after shrink, so wipe what we know:
// shrink already wiped the tail) and frees it.
void SecretBuffer::release() noexcept {
  if (data_ != nullptr) {
    sodium_memzero(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

// Different lengths are unequal; equal lengths are compared without early exit.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tenancy
