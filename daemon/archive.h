// The content-addressed archive of originals: STATE_DIR/archive/ab/abcdef…
// (SHA-256 of the bytes). Files are written to a temporary name, fsynced,
// renamed into place and the directory fsynced, so an original is either
// entirely there or absent. Nothing is ever overwritten or deleted here
// except by an audited purge.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace liasse {

struct ArchivedFile {
  std::string sha256;  // lower-case hex
  int64_t size = 0;
};

class Archive {
 public:
  explicit Archive(std::string root) : root_(std::move(root)) {}

  // Copies the file at `path` into the archive (hashing while reading).
  // NotFound when it vanished, PermissionDenied when unreadable,
  // ResourceExhausted on a full disk.
  absl::StatusOr<ArchivedFile> PutFile(const std::string& path,
                                       int64_t max_bytes) const;
  absl::StatusOr<ArchivedFile> PutBytes(const std::string& bytes) const;

  std::string PathOf(const std::string& sha256) const;
  bool Contains(const std::string& sha256) const;
  absl::Status Remove(const std::string& sha256) const;  // purge only
  const std::string& root() const { return root_; }

 private:
  absl::StatusOr<ArchivedFile> Commit(const std::string& tmp_path,
                                      const std::string& sha256,
                                      int64_t size) const;
  std::string root_;
};

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(const std::string& bytes);

}  // namespace liasse
