#include "daemon/process/client_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace liasse {
namespace {

// Splits "a/b/c.pdf" into "a/b" and "c.pdf".
std::pair<absl::string_view, absl::string_view> SplitLast(absl::string_view relpath) {
  size_t slash = relpath.rfind('/');
  if (slash == absl::string_view::npos) return {"", relpath};
  return {relpath.substr(0, slash), relpath.substr(slash + 1)};
}

// Opens (creating when missing) the directory `name` in `dir_fd`, never
// through a link.
absl::StatusOr<UniqueFd> SubDir(int dir_fd, const std::string& name) {
  if (::mkdirat(dir_fd, name.c_str(), 0750) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, absl::StrCat("mkdir ", name));
  }
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", name));
  return UniqueFd(fd);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ClientFolder>> ClientFolder::Open(const std::string& path,
                                                                       bool no_follow) {
  if (absl::Status st = MakeDirs(path, 0770); !st.ok()) return st;
  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (no_follow ? O_NOFOLLOW : 0);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("client folder ", path));
  return std::shared_ptr<const ClientFolder>(new ClientFolder(UniqueFd(fd)));
}

absl::StatusOr<OpenedFile> ClientFolder::OpenFile(absl::string_view relpath) const {
  auto [dir, name] = SplitLast(relpath);
  absl::StatusOr<UniqueFd> parent = OpenBeneath(fd_.get(), dir, O_RDONLY | O_DIRECTORY);
  if (!parent.ok()) return parent.status();
  OpenedFile file;
  file.name = std::string(name);
  if (file.name.empty() || file.name == "." || file.name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("path ", relpath, " names no file"));
  }
  int fd = ::openat(parent->get(), file.name.c_str(),
                    O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", relpath));
  file.fd = UniqueFd(fd);
  file.parent = std::move(*parent);
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, absl::StrCat("stat ", relpath));
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(relpath, ": not a regular file"));
  }
  file.stamp = StampOf(st);
  return file;
}

absl::StatusOr<FileStamp> ClientFolder::Stat(absl::string_view relpath) const {
  auto [dir, name] = SplitLast(relpath);
  absl::StatusOr<UniqueFd> parent = OpenBeneath(fd_.get(), dir, O_RDONLY | O_DIRECTORY);
  if (!parent.ok()) return parent.status();
  std::string last(name);
  struct stat st;
  if (::fstatat(parent->get(), last.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoStatus(errno, absl::StrCat("stat ", relpath));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(relpath, ": not a regular file"));
  }
  return StampOf(st);
}

absl::Status ClientFolder::CheckUnchanged(const OpenedFile& file) const {
  struct stat st;
  if (::fstat(file.fd.get(), &st) != 0 || !(StampOf(st) == file.stamp)) {
    return absl::AbortedError(absl::StrCat(file.name, " changed after it was read"));
  }
  struct stat named;
  if (::fstatat(file.parent.get(), file.name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 ||
      named.st_dev != st.st_dev || named.st_ino != st.st_ino) {
    return absl::AbortedError(absl::StrCat(file.name, " now names another file"));
  }
  return absl::OkStatus();
}

absl::Status ClientFolder::MoveToProcessed(const OpenedFile& file,
                                           const std::string& month) const {
  absl::StatusOr<UniqueFd> processed = SubDir(fd_.get(), ".processed");
  if (!processed.ok()) return processed.status();
  absl::StatusOr<UniqueFd> target_dir = SubDir(processed->get(), month);
  if (!target_dir.ok()) return target_dir.status();
  if (absl::Status st = CheckUnchanged(file); !st.ok()) return st;
  absl::StatusOr<std::string> moved =
      MoveUnderFreeName(file.parent.get(), file.name, target_dir->get(), file.name);
  return moved.status();
}

absl::Status ClientFolder::Remove(const OpenedFile& file) const {
  if (absl::Status st = CheckUnchanged(file); !st.ok()) return st;
  if (::unlinkat(file.parent.get(), file.name.c_str(), 0) != 0) {
    return ErrnoStatus(errno, absl::StrCat("delete ", file.name));
  }
  return absl::OkStatus();
}

}  // namespace liasse
