// Tests of server key file loading and creation, and sub-key derivation, in crypto/server_key.
#include "crypto/server_key.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <string_view>
#include <thread>

#include "core/error.hpp"
#include "crypto/secret_buffer.hpp"
#include "test_util.hpp"

namespace {

using tenancy::derive_subkey;
using tenancy::Error;
using tenancy::KeyPurpose;
using tenancy::load_server_key;
using tenancy::SecretBuffer;
using tenancy_test::to_hex;

// The bytes 0x00..0x1f: a fixed root key.
std::string fixed_key_bytes() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// Recognisable key-file contents of any length (never valid text, never in an error message).
std::string marker_bytes(size_t length) {
  std::string bytes;
  for (size_t i = 0; i < length; ++i) bytes.push_back(static_cast<char>(0xa0 + i % 0x40));
  return bytes;
}

// Each test gets a fresh private directory, removed afterwards.
class ServerKeyFile : public ::testing::Test {
 protected:
  // Creates the directory.
  void SetUp() override {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/tenancy_server_key_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
  }

  // Removes the directory and everything in it.
  void TearDown() override {
    if (dir_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A path inside the directory.
  std::string path(const std::string &name) const { return dir_ + "/" + name; }

  // Writes bytes to a file in the directory with the given mode, and returns its path.
  std::string write_file(const std::string &name, std::string_view bytes, mode_t mode = 0600) {
    const std::string file = path(name);
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    EXPECT_EQ(chmod(file.c_str(), mode), 0) << std::strerror(errno);
    return file;
  }

  // The number of entries in the directory.
  size_t entry_count() const {
    size_t count = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator(dir_)) ++count;
    return count;
  }

  std::string dir_;
};

// Loads file_path, which must fail, and returns the error.
Error load_error(const std::string &file_path, bool create) {
  try {
    load_server_key(file_path, create);
  } catch (const Error &error) {
    return error;
  }
  ADD_FAILURE() << "load_server_key accepted \"" << file_path << "\"";
  return Error("00000", "no error");
}

// Checks that an error shows none of key's bytes, raw or in hex (either case).
void expect_no_key_bytes(const Error &error, std::string_view key) {
  std::string upper_hex = to_hex(key);
  for (char &c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string &text : {std::string(error.what()), error.detail(), error.hint()}) {
    EXPECT_EQ(text.find(key.substr(0, 4)), std::string::npos) << text;
    EXPECT_EQ(text.find(to_hex(key.substr(0, 4))), std::string::npos) << text;
    EXPECT_EQ(text.find(upper_hex.substr(0, 8)), std::string::npos) << text;
  }
}

// A missing file without create is 58P01, and nothing is created.
TEST_F(ServerKeyFile, MissingWithoutCreateIs58P01) {
  const std::string file = path("tenancy.key");
  const Error error = load_error(file, false);
  EXPECT_STREQ(error.sqlstate(), "58P01");
  EXPECT_NE(std::string(error.what()).find(file), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find("does not exist"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(entry_count(), 0u);
}

// A missing file with create is made: 32 bytes, mode 0600, holding the returned key, and no
// temporary file is left behind.
TEST_F(ServerKeyFile, MissingWithCreateMakesPrivateKeyFile) {
  const std::string file = path("tenancy.key");
  const SecretBuffer key = load_server_key(file, true);
  ASSERT_EQ(key.size(), 32u);
  struct stat status;
  ASSERT_EQ(lstat(file.c_str(), &status), 0);
  EXPECT_TRUE(S_ISREG(status.st_mode));
  EXPECT_EQ(status.st_mode & 07777, 0600u);
  EXPECT_EQ(status.st_size, 32);
  std::ifstream in(file, std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, key.view());
  EXPECT_NE(key.view(), std::string(32, '\0'));
  EXPECT_EQ(entry_count(), 1u);
}

// A second load, with or without create, returns the key the first one created.
TEST_F(ServerKeyFile, SecondLoadReturnsSameKey) {
  const std::string file = path("tenancy.key");
  const SecretBuffer first = load_server_key(file, true);
  EXPECT_EQ(load_server_key(file, true).view(), first.view());
  EXPECT_EQ(load_server_key(file, false).view(), first.view());
  EXPECT_EQ(entry_count(), 1u);
}

// Two keys created in different places differ.
TEST_F(ServerKeyFile, CreatedKeysAreRandom) {
  const SecretBuffer one = load_server_key(path("one.key"), true);
  const SecretBuffer two = load_server_key(path("two.key"), true);
  EXPECT_NE(one.view(), two.view());
}

// An existing valid file is read as is, and create does not replace it.
TEST_F(ServerKeyFile, ReadsExistingKey) {
  const std::string key = fixed_key_bytes();
  const std::string file = write_file("tenancy.key", key);
  EXPECT_EQ(load_server_key(file, false).view(), key);
  EXPECT_EQ(load_server_key(file, true).view(), key);
}

// A relative path is resolved against the working directory.
TEST_F(ServerKeyFile, RelativePathUsesWorkingDirectory) {
  const std::string key = fixed_key_bytes();
  write_file("relative.key", key);
  const std::filesystem::path saved = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  std::string loaded;
  try {
    loaded = std::string(load_server_key("relative.key", false).view());
  } catch (...) {
    std::filesystem::current_path(saved);
    throw;
  }
  std::filesystem::current_path(saved);
  EXPECT_EQ(loaded, key);
}

// A file of 31 or 33 bytes (or none) is F0000, and the error shows none of its bytes.
TEST_F(ServerKeyFile, WrongSizeIsF0000) {
  for (const size_t size : {31u, 33u, 0u, 64u}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::string bytes = marker_bytes(size);
    const std::string file = write_file("sized.key", bytes);
    for (const bool create : {false, true}) {
      const Error error = load_error(file, create);
      EXPECT_STREQ(error.sqlstate(), "F0000");
      EXPECT_NE(std::string(error.what()).find("exactly 32 bytes"), std::string::npos)
          << error.what();
      if (size >= 4) expect_no_key_bytes(error, bytes);
    }
  }
}

// A file group or others may access is F0000, whatever its contents.
TEST_F(ServerKeyFile, GroupOrOtherAccessIsF0000) {
  const std::string key = marker_bytes(32);
  for (const mode_t mode : {0640, 0604, 0644, 0660, 0610, 0601, 0700 | 0070, 0400 | 0004}) {
    SCOPED_TRACE("mode " + std::to_string(mode));
    const std::string file = write_file("shared.key", key, mode);
    const Error error = load_error(file, true);
    EXPECT_STREQ(error.sqlstate(), "F0000");
    EXPECT_NE(std::string(error.what()).find("group or others"), std::string::npos) << error.what();
    EXPECT_FALSE(error.hint().empty());
    expect_no_key_bytes(error, key);
  }
}

// Owner-only modes other than 0600 (0400, 0700) are accepted.
TEST_F(ServerKeyFile, OwnerOnlyModesAreAccepted) {
  const std::string key = fixed_key_bytes();
  EXPECT_EQ(load_server_key(write_file("ro.key", key, 0400), false).view(), key);
  EXPECT_EQ(load_server_key(write_file("rwx.key", key, 0700), false).view(), key);
}

// A directory is opened, then refused as not a regular file with F0000.
TEST_F(ServerKeyFile, DirectoryIsF0000) {
  const std::string sub = path("keydir");
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  for (const bool create : {false, true}) {
    const Error error = load_error(sub, create);
    EXPECT_STREQ(error.sqlstate(), "F0000");
    EXPECT_NE(std::string(error.what()).find("not a regular file"), std::string::npos)
        << error.what();
  }
}

// A device is not a regular file either.
TEST_F(ServerKeyFile, DeviceIsF0000) {
  const Error error = load_error("/dev/null", false);
  EXPECT_STREQ(error.sqlstate(), "F0000");
  EXPECT_NE(std::string(error.what()).find("not a regular file"), std::string::npos);
}

// A symlink to a valid key file is refused (O_NOFOLLOW gives ELOOP, reported as 58030).
TEST_F(ServerKeyFile, SymlinkIsRefused) {
  const std::string key = fixed_key_bytes();
  const std::string target = write_file("real.key", key);
  const std::string link = path("link.key");
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  for (const bool create : {false, true}) {
    const Error error = load_error(link, create);
    EXPECT_STREQ(error.sqlstate(), "58030");
    EXPECT_NE(std::string(error.what()).find("could not be opened"), std::string::npos)
        << error.what();
    expect_no_key_bytes(error, key);
  }
}

// A dangling symlink is refused even with create, and its target is not created.
TEST_F(ServerKeyFile, DanglingSymlinkIsNotFollowedToCreate) {
  const std::string target = path("elsewhere.key");
  const std::string link = path("link.key");
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  EXPECT_STREQ(load_error(link, true).sqlstate(), "58030");
  EXPECT_FALSE(std::filesystem::exists(target));
  EXPECT_EQ(entry_count(), 1u);
}

// An empty path is F0000 (the setting is not set).
TEST_F(ServerKeyFile, EmptyPathIsF0000) {
  for (const bool create : {false, true}) {
    const Error error = load_error("", create);
    EXPECT_STREQ(error.sqlstate(), "F0000");
    EXPECT_NE(std::string(error.what()).find("not set"), std::string::npos) << error.what();
  }
}

// A file that cannot be created (its directory is missing) is 58030.
TEST_F(ServerKeyFile, UncreatableIs58030) {
  const Error error = load_error(path("missing-dir/tenancy.key"), true);
  EXPECT_STREQ(error.sqlstate(), "58030");
  EXPECT_NE(std::string(error.what()).find("could not be created"), std::string::npos)
      << error.what();
}

// A file the server may not read is 58030 (skipped as root, which reads it anyway).
TEST_F(ServerKeyFile, UnreadableIs58030) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  const std::string key = marker_bytes(32);
  const std::string file = write_file("locked.key", key, 0000);
  const Error error = load_error(file, true);
  EXPECT_STREQ(error.sqlstate(), "58030");
  expect_no_key_bytes(error, key);
}

// Two threads creating the same missing key at once both succeed and agree on one key.
TEST_F(ServerKeyFile, ConcurrentCreationAgrees) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string file = path("race" + std::to_string(round) + ".key");
    std::atomic<int> ready{0};
    std::string keys[2];
    std::string failures[2];
    auto racer = [&](int index) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      try {
        keys[index] = std::string(load_server_key(file, true).view());
      } catch (const std::exception &error) {
        failures[index] = error.what();
      }
    };
    std::thread first(racer, 0);
    std::thread second(racer, 1);
    first.join();
    second.join();
    EXPECT_EQ(failures[0], "");
    EXPECT_EQ(failures[1], "");
    EXPECT_EQ(keys[0].size(), 32u);
    EXPECT_EQ(keys[0], keys[1]);
    EXPECT_EQ(load_server_key(file, false).view(), keys[0]);
  }
  EXPECT_EQ(entry_count(), 20u);  // no temporary files left behind
}

// Regression test (the bug was found by this test and fixed):
// load_server_key opens the path with a blocking O_RDONLY before checking its type, so a FIFO
// at the key path hangs the caller forever instead of giving F0000 "not a regular file".
// The test unblocks the hung open itself by opening the FIFO for writing.
TEST_F(ServerKeyFile, FifoIsRefusedWithoutBlocking) {
  const std::string fifo = path("fifo.key");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto loading = std::async(std::launch::async, [&] { return load_error(fifo, false); });
  const bool finished = loading.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  EXPECT_TRUE(finished) << "load_server_key blocked opening a FIFO";
  while (!finished &&
         loading.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    const int writer = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) close(writer);
  }
  EXPECT_STREQ(loading.get().sqlstate(), "F0000");
}

// Sub-keys are crypto_kdf (BLAKE2b) with sub-key id 1 and contexts "tntokens" and "tnsecret"
// (vectors from Python's hashlib); changing them would orphan every stored hash and secret.
TEST(DeriveSubkey, KnownAnswers) {
  const SecretBuffer root{std::string_view(fixed_key_bytes())};
  EXPECT_EQ(to_hex(derive_subkey(root, KeyPurpose::kTokenHash).view()),
            "51657f4f26f4fa222e576fa8368c727e69465fc2db0ddc9c5bdb3c39050b1da3");
  EXPECT_EQ(to_hex(derive_subkey(root, KeyPurpose::kSecretBox).view()),
            "e89ef347fd88cdadaeb7fa0b2dc3c43895db62a3bef032a624a892d193d4574d");
}

// The same root and purpose always give the same 32-byte sub-key.
TEST(DeriveSubkey, Deterministic) {
  const SecretBuffer root{std::string_view(marker_bytes(32))};
  const SecretBuffer first = derive_subkey(root, KeyPurpose::kTokenHash);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(derive_subkey(root, KeyPurpose::kTokenHash).view(), first.view());
}

// Each purpose gets its own sub-key, and neither is the root.
TEST(DeriveSubkey, DiffersPerPurposeAndFromRoot) {
  const SecretBuffer root{std::string_view(marker_bytes(32))};
  const SecretBuffer tokens = derive_subkey(root, KeyPurpose::kTokenHash);
  const SecretBuffer secrets = derive_subkey(root, KeyPurpose::kSecretBox);
  EXPECT_NE(tokens.view(), secrets.view());
  EXPECT_NE(tokens.view(), root.view());
  EXPECT_NE(secrets.view(), root.view());
}

// Another root gives other sub-keys.
TEST(DeriveSubkey, DiffersPerRoot) {
  const SecretBuffer one{std::string_view(marker_bytes(32))};
  const SecretBuffer two{std::string_view(fixed_key_bytes())};
  EXPECT_NE(derive_subkey(one, KeyPurpose::kTokenHash).view(),
            derive_subkey(two, KeyPurpose::kTokenHash).view());
}

// A root of the wrong size is refused with XX000.
TEST(DeriveSubkey, WrongRootSizeIsRefused) {
  for (const size_t size : {0u, 31u, 33u}) {
    const SecretBuffer root{std::string_view(marker_bytes(size))};
    try {
      derive_subkey(root, KeyPurpose::kSecretBox);
      ADD_FAILURE() << "accepted a root of " << size << " bytes";
    } catch (const Error &error) {
      EXPECT_STREQ(error.sqlstate(), "XX000");
    }
  }
}

// A key file owned by another user is refused (F0000), even with mode 0600.
TEST_F(ServerKeyFile, OwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
  const std::string file = write_file("foreign.key", std::string(32, 'k'));
  ASSERT_EQ(chown(file.c_str(), 65534, 65534), 0);
  const Error error = load_error(file, false);
  EXPECT_STREQ(error.sqlstate(), "F0000");
  EXPECT_NE(std::string(error.what()).find("not owned"), std::string::npos) << error.what();
}

}  // namespace
