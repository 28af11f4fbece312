#include "daemon/base/fs_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "workflows/names.h"

namespace liasse {

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

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
    case ELOOP:
    case ENOTDIR:
      return absl::FailedPreconditionError(message);
    default:
      return absl::UnavailableError(message);
  }
}

FileStamp StampOf(const struct stat& st) {
  FileStamp s;
  s.size = st.st_size;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  return s;
}

absl::StatusOr<UniqueFd> OpenBeneath(int dir_fd, absl::string_view relpath, int flags) {
  std::vector<absl::string_view> parts = absl::StrSplit(relpath, '/');
  if (relpath.empty()) {
    if (!(flags & O_DIRECTORY)) return absl::InvalidArgumentError("empty path");
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "reopen folder");
    return UniqueFd(fd);
  }
  for (absl::string_view p : parts) {
    if (p.empty() || p == "." || p == "..") {
      return absl::InvalidArgumentError(absl::StrCat("path ", relpath, " leaves its folder"));
    }
  }
  UniqueFd current;
  int at = dir_fd;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    std::string name(parts[i]);
    int fd = ::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", relpath));
    current = UniqueFd(fd);
    at = current.get();
  }
  std::string last(parts.back());
  int fd = ::openat(at, last.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", relpath));
  return UniqueFd(fd);
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::InvalidArgumentError("empty directory path");
  // Walk down from the root, creating only what is missing.
  std::string prefix = path[0] == '/' ? "/" : "";
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    absl::StrAppend(&prefix, part);
    if (::mkdir(prefix.c_str(), mode) == 0) {
      // mkdir's mode went through the umask: the asked mode, exactly, on
      // what we created — and on nothing else. A setgid bit inherited from
      // the parent (group-shared trees such as /srv/liasse) is kept.
      struct stat made;
      mode_t keep = ::stat(prefix.c_str(), &made) == 0 ? (made.st_mode & S_ISGID) : 0;
      if (::chmod(prefix.c_str(), mode | keep) != 0) {
        return ErrnoStatus(errno, absl::StrCat("chmod ", prefix));
      }
    } else if (errno != EEXIST) {
      return ErrnoStatus(errno, absl::StrCat("cannot create directory ", prefix));
    } else {
      struct stat st;
      if (::stat(prefix.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot create directory ", path, ": ", prefix, " is not a directory"));
      }
    }
    prefix.push_back('/');
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MoveUnderFreeName(int from_dir, const std::string& from, int to_dir,
                                              const std::string& name) {
  for (int n = 1; n < 10000; ++n) {
    std::string target = NumberedName(name, n);
    if (::renameat2(from_dir, from.c_str(), to_dir, target.c_str(), RENAME_NOREPLACE) == 0) {
      return target;
    }
    if (errno == EEXIST) continue;
    if (errno != EINVAL && errno != ENOSYS) {
      return ErrnoStatus(errno, absl::StrCat("move ", from, " to ", target));
    }
    // A file system without RENAME_NOREPLACE: look, then rename.
    struct stat st;
    if (::fstatat(to_dir, target.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
    if (::renameat(from_dir, from.c_str(), to_dir, target.c_str()) == 0) return target;
    return ErrnoStatus(errno, absl::StrCat("move ", from, " to ", target));
  }
  return absl::ResourceExhaustedError(absl::StrCat("no free name for ", name));
}

}  // namespace liasse
