// File-system helpers for the daemon: an owned file descriptor, errno mapped
// to a Status, a file's stamp (what must not change between reading a file
// and acknowledging it), paths opened below a held directory without
// following any link, and directories created without touching existing ones.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liasse {

// Owns one file descriptor; closes it when destroyed. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// ENOENT → NotFound, EACCES/EPERM → PermissionDenied, ENOSPC/EDQUOT →
// ResourceExhausted, ELOOP/ENOTDIR → FailedPrecondition (a link or a file
// where a folder was), anything else → Unavailable. `what` names the object.
absl::Status ErrnoStatus(int err, absl::string_view what);

// What identifies a file's content without reading it: if any of these
// changed, the bytes may have changed.
struct FileStamp {
  int64_t size = -1;
  int64_t mtime_ns = -1;
  int64_t ctime_ns = -1;
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp StampOf(const struct stat& st);

// Opens `relpath` ('/'-separated; no empty, "." or ".." component) below the
// directory `dir_fd`, each component with O_NOFOLLOW: a symlink anywhere on
// the way is FailedPrecondition, never followed. `flags` apply to the last
// component (O_CLOEXEC and O_NOFOLLOW are added). An empty `relpath` with
// O_DIRECTORY reopens `dir_fd` itself.
absl::StatusOr<UniqueFd> OpenBeneath(int dir_fd, absl::string_view relpath, int flags);

// Creates `path` and its missing parents; only directories created here get
// `mode` (plus the setgid bit they inherit from a setgid parent); existing
// ones keep their mode, owner and setgid bit.
absl::Status MakeDirs(const std::string& path, mode_t mode);

// Renames `from` (in `from_dir`) to `name` in `to_dir`, or to "name (2)",
// "name (3)"… when taken — never over an existing file (RENAME_NOREPLACE,
// or a look then a rename on file systems without it). Returns the name
// used. Directories are fds; AT_FDCWD for the working directory.
absl::StatusOr<std::string> MoveUnderFreeName(int from_dir, const std::string& from, int to_dir,
                                              const std::string& name);

}  // namespace liasse
