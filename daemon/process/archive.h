// The content-addressed archive of originals: STATE_DIR/archive/ab/abcdef…
// (SHA-256 of the bytes). Files are written to a temporary name, fsynced,
// renamed into place and the directory fsynced, so an original is either
// entirely there or absent. Nothing is ever overwritten or deleted here
// except by an audited purge.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/base/fs_util.h"
#include "absl/strings/string_view.h"

namespace liasse {

struct ArchivedFile {
  std::string sha256;  // lower-case hex
  int64_t size = 0;
};

// One original being written into the archive: bytes are appended (and
// hashed) to a temporary file as they arrive; Commit makes it durable under
// its hash. Dropped uncommitted, or past its size limit, the temporary file
// is removed. Memory use does not grow with the size of the original.
class ArchiveWriter {
 public:
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // ResourceExhausted once more than the limit has arrived (the copy is
  // dropped then; later calls fail the same way).
  absl::Status Append(absl::string_view bytes);
  // fsync, rename into place, directory fsync. Once only.
  absl::StatusOr<ArchivedFile> Commit();
  int64_t size() const;

 private:
  friend class Archive;
  struct State;
  explicit ArchiveWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class Archive {
 public:
  explicit Archive(std::string root) : root_(std::move(root)) {}

  // Copies the file at `path` (never through a link at its end) into the
  // archive (hashing while reading). NotFound when it vanished,
  // PermissionDenied when unreadable, ResourceExhausted on a full disk or
  // when larger than `max_bytes` (judged from its size before any copy).
  absl::StatusOr<ArchivedFile> PutFile(const std::string& path,
                                       int64_t max_bytes) const;
  // The same from an open regular file, read from its start. Aborted when
  // the file changed while it was read (size, mtime or ctime): nothing is
  // archived, the caller tries again once it has settled.
  absl::StatusOr<ArchivedFile> PutFd(int fd, int64_t max_bytes) const;
  absl::StatusOr<ArchivedFile> PutBytes(const std::string& bytes) const;
  // A writer for an original that arrives in pieces (uploads); `max_bytes`
  // 0 = no limit.
  absl::StatusOr<std::unique_ptr<ArchiveWriter>> NewWriter(int64_t max_bytes) const;

  // Deletes the temporary files a killed daemon left behind (`.tmp-*` at the
  // archive's top); only while holding the state dir's lock. Returns how many.
  int RemoveLeftovers() const;

  // The original with this hash, opened read-only (never through a link).
  // InvalidArgument for anything but 64 lower-case hex digits, NotFound
  // when absent.
  absl::StatusOr<UniqueFd> Open(const std::string& sha256) const;
  // Its bytes, at most `max_bytes` (ResourceExhausted beyond).
  absl::StatusOr<std::string> Read(const std::string& sha256, int64_t max_bytes) const;
  // Where it lies, for a helper process that opens it itself (the
  // extraction workers); this process reads through Open.
  std::string PathOf(const std::string& sha256) const;
  bool Contains(const std::string& sha256) const;
  absl::Status Remove(const std::string& sha256) const;  // purge only
  const std::string& root() const { return root_; }

 private:
  friend class ArchiveWriter;
  absl::StatusOr<ArchivedFile> Commit(const std::string& tmp_path,
                                      const std::string& sha256,
                                      int64_t size) const;
  std::string root_;
};

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(const std::string& bytes);

}  // namespace liasse
