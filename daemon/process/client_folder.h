// One client folder, opened once: every file below it is reached from this
// directory descriptor with each path component opened O_NOFOLLOW, so a link
// planted or swapped in by a client never leads outside its folder, and a
// file is acknowledged (moved or deleted) only if it is still the very file
// that was read.
//
// Thread-safe: the descriptor is only read after construction.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/base/fs_util.h"

namespace liasse {

// A regular file opened for intake.
struct OpenedFile {
  UniqueFd fd;       // read-only, O_NONBLOCK (a FIFO never blocks)
  UniqueFd parent;   // the directory that holds it
  std::string name;  // its name in `parent`
  FileStamp stamp;   // fstat when opened
};

class ClientFolder {
 public:
  // Opens `path`, creating it (and its parents) when missing. With
  // `no_follow` the folder itself may not be a symlink (folders discovered
  // in the inbox root); a configured folder may be reached through links
  // the admin chose.
  static absl::StatusOr<std::shared_ptr<const ClientFolder>> Open(const std::string& path,
                                                                  bool no_follow);

  int fd() const { return fd_.get(); }

  // Opens the regular file at `relpath` below the folder. FailedPrecondition
  // for a link on the way or something that is not a regular file,
  // NotFound when it is gone.
  absl::StatusOr<OpenedFile> OpenFile(absl::string_view relpath) const;
  // The stamp of what `relpath` names now, without following a link.
  absl::StatusOr<FileStamp> Stat(absl::string_view relpath) const;

  // Moves `file` into `.processed/<month>/` of the folder, keeping its name
  // (" (2)", " (3)"… on a clash, never overwriting). Aborted when the file
  // changed since it was opened or its name now names another file: then it
  // stays where it is.
  absl::Status MoveToProcessed(const OpenedFile& file, const std::string& month) const;
  // Deletes `file`, with the same check.
  absl::Status Remove(const OpenedFile& file) const;

 private:
  explicit ClientFolder(UniqueFd fd) : fd_(std::move(fd)) {}
  absl::Status CheckUnchanged(const OpenedFile& file) const;

  UniqueFd fd_;
};

}  // namespace liasse
