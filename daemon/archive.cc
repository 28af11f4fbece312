#include "daemon/archive.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"

namespace liasse {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

struct EvpDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

std::string Hex(const unsigned char* digest, unsigned int len) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "archive write");
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status FsyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, absl::StrCat("open ", dir));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, absl::StrCat("fsync ", dir));
  return absl::OkStatus();
}

std::string TempName(const std::string& root) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrCat(root, "/.tmp-", ::getpid(), "-", rng());
}

}  // namespace

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return Hex(digest, len);
}

std::string Archive::PathOf(const std::string& sha256) const {
  return absl::StrCat(root_, "/", sha256.substr(0, 2), "/", sha256);
}

bool Archive::Contains(const std::string& sha256) const {
  struct stat st;
  return ::stat(PathOf(sha256).c_str(), &st) == 0;
}

absl::Status Archive::Remove(const std::string& sha256) const {
  if (::unlink(PathOf(sha256).c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, absl::StrCat("remove ", sha256));
  }
  return FsyncDir(absl::StrCat(root_, "/", sha256.substr(0, 2)));
}

absl::StatusOr<ArchivedFile> Archive::PutFile(const std::string& path,
                                              int64_t max_bytes) const {
  // O_NOFOLLOW: a symlink dropped in a client folder must not pull in files
  // the daemon can read and the client cannot.
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (in.get() < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return ErrnoStatus(errno, absl::StrCat("stat ", path));
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  std::string tmp = TempName(root_);
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (out.get() < 0) return ErrnoStatus(errno, absl::StrCat("create ", tmp));
  std::unique_ptr<EVP_MD_CTX, EvpDeleter> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  int64_t total = 0;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoStatus(err, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    total += n;
    if (max_bytes > 0 && total > max_bytes) {
      ::unlink(tmp.c_str());
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
    }
    EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(n));
    if (absl::Status st2 = WriteAll(out.get(), buf, static_cast<size_t>(n)); !st2.ok()) {
      ::unlink(tmp.c_str());
      return st2;
    }
  }
  if (::fsync(out.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "archive fsync");
  }
  ::close(out.release());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return Commit(tmp, Hex(digest, len), total);
}

absl::StatusOr<ArchivedFile> Archive::PutBytes(const std::string& bytes) const {
  std::string sha = Sha256Hex(bytes);
  if (Contains(sha)) return ArchivedFile{sha, static_cast<int64_t>(bytes.size())};
  std::string tmp = TempName(root_);
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (out.get() < 0) return ErrnoStatus(errno, absl::StrCat("create ", tmp));
  if (absl::Status st = WriteAll(out.get(), bytes.data(), bytes.size()); !st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::fsync(out.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "archive fsync");
  }
  ::close(out.release());
  return Commit(tmp, sha, static_cast<int64_t>(bytes.size()));
}

absl::StatusOr<ArchivedFile> Archive::Commit(const std::string& tmp,
                                             const std::string& sha256,
                                             int64_t size) const {
  std::string dir = absl::StrCat(root_, "/", sha256.substr(0, 2));
  bool new_dir = ::mkdir(dir.c_str(), 0750) == 0;
  if (!new_dir && errno != EEXIST) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, absl::StrCat("mkdir ", dir));
  }
  std::string final_path = PathOf(sha256);
  if (Contains(sha256)) {
    // Same bytes already archived (a duplicate): keep the first copy.
    ::unlink(tmp.c_str());
    return ArchivedFile{sha256, size};
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, absl::StrCat("rename into ", final_path));
  }
  if (absl::Status st = FsyncDir(dir); !st.ok()) return st;
  // The prefix directory's own entry is durable once, when it is new.
  if (new_dir) {
    if (absl::Status st = FsyncDir(root_); !st.ok()) return st;
  }
  return ArchivedFile{sha256, size};
}

}  // namespace liasse
