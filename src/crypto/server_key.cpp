// Key file reading and creation (POSIX), and crypto_kdf sub-key derivation.
#include "crypto/server_key.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace tenancy {

namespace {

constexpr char kUndefinedFile[] = "58P01";
constexpr char kIoError[] = "58030";
constexpr char kConfigFileError[] = "F0000";
constexpr char kKeyFileHint[] =
    "Point tenancy.key_file at a file of exactly 32 random bytes, mode 0600, owned by the server "
    "and not a symbolic link (head -c 32 /dev/urandom > tenancy.key; a relative path is relative "
    "to the data directory), or turn on tenancy.create_key_file.";

// Closes a file descriptor when it goes out of scope.
class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  ~FileCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FileCloser(const FileCloser &) = delete;
  FileCloser &operator=(const FileCloser &) = delete;

 private:
  int fd_;
};

// An error about the key file at path.
Error key_file_error(const char *sqlstate, const std::string &path, const std::string &problem) {
  return Error(sqlstate, "server key file \"" + path + "\" " + problem, {}, kKeyFileHint);
}

// Writes all of bytes to fd; false on any error.
bool write_all(int fd, const unsigned char *bytes, size_t size) {
  while (size > 0) {
    const ssize_t written = write(fd, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

// Makes a new name in path's directory durable (fsync of the directory), so a crash cannot
// lose the key file that committed secrets already depend on. Best effort.
void sync_directory_of(const std::string &path) {
  const size_t slash = path.rfind('/');
  const std::string directory =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = open(directory.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

// Creates path with a fresh random key unless another process got there first (then its key
// stands). The key is complete on disk before the name appears: write, fsync, then link.
void create_key_file(const std::string &path) {
  std::string temporary = path + ".XXXXXX";
  const int fd = mkstemp(temporary.data());  // mode 0600
  if (fd < 0) {
    throw key_file_error(kIoError, path,
                         std::string("could not be created: ") + std::strerror(errno));
  }
  SecretBuffer key(kServerKeyBytes);
  randombytes_buf(key.data(), key.size());
  const bool written = write_all(fd, key.data(), key.size()) && fsync(fd) == 0;
  const int saved_errno = errno;
  close(fd);
  const bool linked = written && link(temporary.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  unlink(temporary.c_str());
  if (linked) sync_directory_of(path);
  if (!written) {
    throw key_file_error(kIoError, path,
                         std::string("could not be written: ") + std::strerror(saved_errno));
  }
  if (!linked && link_errno != EEXIST) {
    throw key_file_error(kIoError, path,
                         std::string("could not be created: ") + std::strerror(link_errno));
  }
}

// Reads exactly the key from an open, already checked descriptor.
SecretBuffer read_key(int fd, const std::string &path) {
  SecretBuffer key(kServerKeyBytes);
  size_t got = 0;
  while (got < key.size()) {
    const ssize_t n = read(fd, key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw key_file_error(kIoError, path,
                           std::string("could not be read: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got != key.size()) throw key_file_error(kConfigFileError, path, "must hold exactly 32 bytes");
  return key;
}

}  // namespace

// Open (creating first if asked), check the file's kind, size and mode, then read.
SecretBuffer load_server_key(const std::string &path, bool create) {
  if (path.empty()) {
    throw Error(kConfigFileError, "tenancy.key_file is not set", {}, kKeyFileHint);
  }
  // O_NONBLOCK: a FIFO or device at the path must not hang the backend before fstat refuses it.
  constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  int fd = open(path.c_str(), kOpenFlags);
  if (fd < 0 && errno == ENOENT && create) {
    create_key_file(path);
    fd = open(path.c_str(), kOpenFlags);
  }
  if (fd < 0) {
    if (errno == ENOENT) throw key_file_error(kUndefinedFile, path, "does not exist");
    throw key_file_error(kIoError, path,
                         std::string("could not be opened: ") + std::strerror(errno));
  }
  FileCloser closer(fd);
  struct stat status;
  if (fstat(fd, &status) != 0) {
    throw key_file_error(kIoError, path,
                         std::string("could not be examined: ") + std::strerror(errno));
  }
  if (!S_ISREG(status.st_mode))
    throw key_file_error(kConfigFileError, path, "is not a regular file");
  if (status.st_uid != geteuid()) {
    throw key_file_error(kConfigFileError, path, "is not owned by the server's user");
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw key_file_error(kConfigFileError, path,
                         "is accessible by group or others (it must be mode 0600)");
  }
  if (status.st_size != static_cast<off_t>(kServerKeyBytes)) {
    throw key_file_error(kConfigFileError, path, "must hold exactly 32 bytes");
  }
  return read_key(fd, path);
}

// One crypto_kdf context per purpose (8 bytes each), sub-key id 1.
SecretBuffer derive_subkey(const SecretBuffer &root, KeyPurpose purpose) {
  static_assert(crypto_kdf_KEYBYTES == kServerKeyBytes, "root key size");
  const char *context = purpose == KeyPurpose::kTokenHash ? "tntokens" : "tnsecret";
  SecretBuffer subkey(kServerKeyBytes);
  if (root.size() != kServerKeyBytes ||
      crypto_kdf_derive_from_key(subkey.data(), subkey.size(), 1, context, root.data()) != 0) {
    throw Error(sqlstate::kInternalError, "server sub-key derivation failed");
  }
  return subkey;
}

}  // namespace tenancy
