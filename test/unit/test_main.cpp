// Entry point of the unit tests: libsodium must be initialized before any core function runs
// (base64, key rings, signatures), so main() does it before the first test.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>

int main(int argc, char **argv) {
  if (sodium_init() < 0) {
    std::fprintf(stderr, "libsodium failed to initialize\n");
    return 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
