// Intake: durable before acknowledged. A document is hashed and copied into
// the archive (fsynced), then its row is committed; only after that may the
// caller move the file or flag the mail. The same bytes for the same client
// again become a `duplicate` event, not a second document.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/process/archive.h"
#include "daemon/store/store.h"

namespace liasse {

class Intake {
 public:
  // `on_new_document` is called after each commit of a new document (the
  // pipeline's wake-up). The document table and archive must outlive the Intake.
  Intake(DocumentTable* store, const Archive* archive, int64_t max_bytes,
         std::function<void()> on_new_document)
      : store_(store),
        archive_(archive),
        max_bytes_(max_bytes),
        on_new_(std::move(on_new_document)) {}

  // `display_name` is untrusted and only shown; it is sanitised here.
  absl::StatusOr<IntakeResult> IngestFile(const std::string& client_id,
                                          const std::string& source,
                                          const std::string& display_name,
                                          const std::string& path);
  // The same from an open regular file (see Archive::PutFd: Aborted when it
  // changed while read).
  absl::StatusOr<IntakeResult> IngestFd(const std::string& client_id, const std::string& source,
                                        const std::string& display_name, int fd);
  // An upload arriving in pieces: bytes go straight to the archive's
  // temporary file, refused past max_bytes(); then IngestArchived.
  absl::StatusOr<std::unique_ptr<ArchiveWriter>> StartUpload() const {
    return archive_->NewWriter(max_bytes_);
  }
  absl::StatusOr<IntakeResult> IngestArchived(const std::string& client_id,
                                              const std::string& source,
                                              const std::string& display_name,
                                              const ArchivedFile& file) {
    return Record(client_id, source, display_name, file);
  }
  // Bytes already in memory (mail attachments, bounded by max_message_mb):
  // no size limit here; the extractor quarantines what is over max_file_mb.
  absl::StatusOr<IntakeResult> IngestBytes(const std::string& client_id,
                                           const std::string& source,
                                           const std::string& display_name,
                                           const std::string& bytes);
  // The limit for files and uploads ([ocr] max_file_mb): larger ones are
  // refused before any copy, or as soon as the bytes arrive.
  int64_t max_bytes() const { return max_bytes_; }

 private:
  absl::StatusOr<IntakeResult> Record(const std::string& client_id,
                                      const std::string& source,
                                      const std::string& display_name,
                                      const ArchivedFile& file);
  DocumentTable* store_;
  const Archive* archive_;
  int64_t max_bytes_;
  std::function<void()> on_new_;
};

}  // namespace liasse
