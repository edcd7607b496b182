// Tests of the wiping secret buffer and the constant-time comparison in crypto/secret_buffer.
#include "crypto/secret_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace {

using tenancy::constant_time_equal;
using tenancy::SecretBuffer;

// A buffer is movable but never copyable, so a secret is never duplicated by accident.
static_assert(!std::is_copy_constructible_v<SecretBuffer>, "SecretBuffer must not copy");
static_assert(!std::is_copy_assignable_v<SecretBuffer>, "SecretBuffer must not copy");
static_assert(std::is_nothrow_move_constructible_v<SecretBuffer>, "SecretBuffer must move");
static_assert(std::is_nothrow_move_assignable_v<SecretBuffer>, "SecretBuffer must move");

// A default buffer is empty.
TEST(SecretBuffer, DefaultIsEmpty) {
  const SecretBuffer buffer;
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_TRUE(buffer.view().empty());
}

// A sized buffer has that many bytes, all zero.
TEST(SecretBuffer, SizedBufferIsZeroFilled) {
  const SecretBuffer buffer(37);
  ASSERT_EQ(buffer.size(), 37u);
  ASSERT_NE(buffer.data(), nullptr);
  EXPECT_EQ(buffer.view(), std::string(37, '\0'));
}

// A zero-sized buffer is empty.
TEST(SecretBuffer, ZeroSizedBufferIsEmpty) {
  const SecretBuffer buffer(size_t{0});
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_TRUE(buffer.view().empty());
}

// A buffer made from bytes holds a copy of them, embedded NULs included.
TEST(SecretBuffer, CopiesBytes) {
  std::string source("se\0cr\xfft", 7);
  const SecretBuffer buffer{std::string_view(source)};
  ASSERT_EQ(buffer.size(), 7u);
  EXPECT_EQ(buffer.view(), source);
  EXPECT_EQ(std::string_view(buffer.chars(), buffer.size()), source);
  EXPECT_EQ(buffer.data()[6], 't');
  source[0] = 'X';  // the buffer owns its own copy
  EXPECT_EQ(buffer.view(), std::string_view("se\0cr\xfft", 7));
}

// A buffer made from no bytes is empty.
TEST(SecretBuffer, CopiesEmptyBytes) {
  const SecretBuffer buffer(std::string_view{});
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_TRUE(buffer.view().empty());
}

// Writes through data() are seen by view().
TEST(SecretBuffer, DataIsWritable) {
  SecretBuffer buffer(3);
  buffer.data()[0] = 'a';
  buffer.data()[1] = 'b';
  buffer.data()[2] = 'c';
  EXPECT_EQ(buffer.view(), "abc");
}

// Moving construction takes the bytes and leaves the source empty.
TEST(SecretBuffer, MoveConstructionLeavesSourceEmpty) {
  SecretBuffer source(std::string_view("key material"));
  const unsigned char *bytes = source.data();
  SecretBuffer target(std::move(source));
  EXPECT_EQ(target.view(), "key material");
  EXPECT_EQ(target.data(), bytes);  // the bytes moved, they were not copied
  EXPECT_EQ(source.size(), 0u);     // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.data(), nullptr);
  EXPECT_TRUE(source.view().empty());
}

// Move assignment replaces the target's bytes and leaves the source empty.
TEST(SecretBuffer, MoveAssignmentLeavesSourceEmpty) {
  SecretBuffer source(std::string_view("new secret"));
  SecretBuffer target(std::string_view("old secret, longer"));
  target = std::move(source);
  EXPECT_EQ(target.view(), "new secret");
  EXPECT_EQ(source.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.data(), nullptr);
}

// Moving a buffer into itself keeps its bytes.
TEST(SecretBuffer, SelfMoveAssignmentKeepsBytes) {
  SecretBuffer buffer(std::string_view("unchanged"));
  SecretBuffer &alias = buffer;
  buffer = std::move(alias);
  EXPECT_EQ(buffer.view(), "unchanged");
}

// A moved-from buffer can be assigned again and destroyed.
TEST(SecretBuffer, MovedFromBufferIsReusable) {
  SecretBuffer source(std::string_view("first"));
  SecretBuffer target(std::move(source));
  source = SecretBuffer(std::string_view("second"));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.view(), "second");
  EXPECT_EQ(target.view(), "first");
}

// shrink keeps the leading bytes.
TEST(SecretBuffer, ShrinkKeepsPrefix) {
  SecretBuffer buffer(std::string_view("abcdef"));
  buffer.shrink(4);
  EXPECT_EQ(buffer.size(), 4u);
  EXPECT_EQ(buffer.view(), "abcd");
}

// shrink wipes the bytes it drops (they stay allocated until the buffer dies).
TEST(SecretBuffer, ShrinkWipesTail) {
  SecretBuffer buffer(std::string_view("abcdef"));
  const unsigned char *bytes = buffer.data();
  buffer.shrink(2);
  EXPECT_EQ(buffer.data(), bytes);
  for (size_t i = 2; i < 6; ++i) EXPECT_EQ(bytes[i], 0) << "byte " << i;
}

// shrink never grows the buffer; the same size is a no-op.
TEST(SecretBuffer, ShrinkNeverGrows) {
  SecretBuffer buffer(std::string_view("abc"));
  buffer.shrink(10);
  EXPECT_EQ(buffer.view(), "abc");
  buffer.shrink(3);
  EXPECT_EQ(buffer.view(), "abc");
}

// shrink to zero empties the buffer.
TEST(SecretBuffer, ShrinkToZero) {
  SecretBuffer buffer(std::string_view("abc"));
  buffer.shrink(0);
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_TRUE(buffer.view().empty());
}

// Equal strings compare equal.
TEST(ConstantTimeEqual, Equal) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

// Strings of the same length that differ anywhere compare unequal.
TEST(ConstantTimeEqual, Different) {
  EXPECT_FALSE(constant_time_equal("secret", "Secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "sacret"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

// Strings of different lengths compare unequal, even when one is a prefix of the other.
TEST(ConstantTimeEqual, DifferentLengths) {
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("secret2", "secret"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0", 2), std::string_view("a", 1)));
}

// Empty strings equal each other and nothing else.
TEST(ConstantTimeEqual, Empty) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal(std::string_view(), std::string_view()));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal("a", ""));
  EXPECT_FALSE(constant_time_equal(std::string_view(), std::string_view("\0", 1)));
}

}  // namespace
