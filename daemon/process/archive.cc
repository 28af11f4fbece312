#include "daemon/process/archive.h"

#include <algorithm>

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "daemon/base/fs_util.h"

namespace liasse {
namespace {

struct EvpDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

std::string Hex(const unsigned char* digest, unsigned int len) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

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
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
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

int Archive::RemoveLeftovers() const {
  int removed = 0;
  DIR* d = ::opendir(root_.c_str());
  if (!d) return 0;
  while (dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, ".tmp-", 5) != 0) continue;
    if (::unlinkat(::dirfd(d), e->d_name, 0) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

std::string Archive::PathOf(const std::string& sha256) const {
  return absl::StrCat(root_, "/", sha256.substr(0, 2), "/", sha256);
}

absl::StatusOr<UniqueFd> Archive::Open(const std::string& sha256) const {
  bool hex = sha256.size() == 64 && std::all_of(sha256.begin(), sha256.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (!hex) return absl::InvalidArgumentError(absl::StrCat("not a SHA-256: ", sha256.substr(0, 80)));
  UniqueFd fd(::open(PathOf(sha256).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, absl::StrCat("open original ", sha256));
  return fd;
}

absl::StatusOr<std::string> Archive::Read(const std::string& sha256, int64_t max_bytes) const {
  absl::StatusOr<UniqueFd> fd = Open(sha256);
  if (!fd.ok()) return fd.status();
  std::string out;
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd->get(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("read original ", sha256));
    if (n == 0) return out;
    if (static_cast<int64_t>(out.size()) + n > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("original ", sha256, " is larger than ", max_bytes, " bytes"));
    }
    out.append(chunk, static_cast<size_t>(n));
  }
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
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (in.get() < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  absl::StatusOr<ArchivedFile> file = PutFd(in.get(), max_bytes);
  if (!file.ok()) {
    return absl::Status(file.status().code(), absl::StrCat(path, ": ", file.status().message()));
  }
  return file;
}

struct ArchiveWriter::State {
  const Archive* archive = nullptr;
  std::string tmp;
  UniqueFd out;
  std::unique_ptr<EVP_MD_CTX, EvpDeleter> ctx;
  int64_t max_bytes = 0;
  int64_t total = 0;
  bool failed = false;
  bool committed = false;
};

ArchiveWriter::ArchiveWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

ArchiveWriter::~ArchiveWriter() {
  if (!state_->committed) ::unlink(state_->tmp.c_str());
}

int64_t ArchiveWriter::size() const { return state_->total; }

absl::Status ArchiveWriter::Append(absl::string_view bytes) {
  State& s = *state_;
  if (s.failed || s.committed) return absl::FailedPreconditionError("archive copy ended");
  s.total += static_cast<int64_t>(bytes.size());
  if (s.max_bytes > 0 && s.total > s.max_bytes) {
    s.failed = true;
    s.out.Reset();
    ::unlink(s.tmp.c_str());
    return absl::ResourceExhaustedError(absl::StrCat("larger than ", s.max_bytes, " bytes"));
  }
  EVP_DigestUpdate(s.ctx.get(), bytes.data(), bytes.size());
  if (absl::Status st = WriteAll(s.out.get(), bytes.data(), bytes.size()); !st.ok()) {
    s.failed = true;
    return st;
  }
  return absl::OkStatus();
}

absl::StatusOr<ArchivedFile> ArchiveWriter::Commit() {
  State& s = *state_;
  if (s.failed || s.committed) return absl::FailedPreconditionError("archive copy ended");
  if (::fsync(s.out.get()) != 0) {
    s.failed = true;
    return ErrnoStatus(errno, "archive fsync");
  }
  s.out.Reset();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(s.ctx.get(), digest, &len);
  // Commit renames the temporary file away or removes it, either way.
  s.committed = true;
  return s.archive->Commit(s.tmp, Hex(digest, len), s.total);
}

absl::StatusOr<std::unique_ptr<ArchiveWriter>> Archive::NewWriter(int64_t max_bytes) const {
  auto state = std::make_unique<ArchiveWriter::State>();
  state->archive = this;
  state->max_bytes = max_bytes;
  state->tmp = TempName(root_);
  state->out = UniqueFd(::open(state->tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!state->out.valid()) return ErrnoStatus(errno, absl::StrCat("create ", state->tmp));
  state->ctx.reset(EVP_MD_CTX_new());
  if (!state->ctx || EVP_DigestInit_ex(state->ctx.get(), EVP_sha256(), nullptr) != 1) {
    ::unlink(state->tmp.c_str());
    return absl::InternalError("sha256 init");
  }
  return std::unique_ptr<ArchiveWriter>(new ArchiveWriter(std::move(state)));
}

absl::StatusOr<ArchivedFile> Archive::PutFd(int fd, int64_t max_bytes) const {
  UniqueFd in(::dup(fd));
  if (!in.valid()) return ErrnoStatus(errno, "dup");
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return ErrnoStatus(errno, "stat");
  if (!S_ISREG(st.st_mode)) return absl::FailedPreconditionError("not a regular file");
  // Judged before any copy: a sparse or oversized file costs nothing.
  if (max_bytes > 0 && st.st_size > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(st.st_size, " bytes, larger than ", max_bytes, " bytes"));
  }
  const FileStamp before = StampOf(st);
  if (::lseek(in.get(), 0, SEEK_SET) < 0) return ErrnoStatus(errno, "seek");
  absl::StatusOr<std::unique_ptr<ArchiveWriter>> writer = NewWriter(max_bytes);
  if (!writer.ok()) return writer.status();
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "read");
    if (n == 0) break;
    if (absl::Status st2 = (*writer)->Append(absl::string_view(buf, static_cast<size_t>(n)));
        !st2.ok()) {
      return st2;
    }
  }
  if (::fstat(in.get(), &st) != 0 || !(StampOf(st) == before)) {
    // Still being written (or rewritten): this copy may be torn.
    return absl::AbortedError("changed while it was read");
  }
  return (*writer)->Commit();
}

absl::StatusOr<ArchivedFile> Archive::PutBytes(const std::string& bytes) const {
  std::string sha = Sha256Hex(bytes);
  if (Contains(sha)) return ArchivedFile{sha, static_cast<int64_t>(bytes.size())};
  absl::StatusOr<std::unique_ptr<ArchiveWriter>> writer = NewWriter(0);
  if (!writer.ok()) return writer.status();
  if (absl::Status st = (*writer)->Append(bytes); !st.ok()) return st;
  return (*writer)->Commit();
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
