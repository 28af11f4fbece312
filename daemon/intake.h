// Intake: durable before acknowledged. A document is hashed and copied into
// the archive (fsynced), then its row is committed; only after that may the
// caller move the file or flag the mail. The same bytes for the same client
// again become a `duplicate` event, not a second document.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/archive.h"
#include "daemon/store.h"

namespace liasse {

class Intake {
 public:
  // `on_new_document` is called after each commit of a new document (the
  // pipeline's wake-up). Store and archive must outlive the Intake.
  Intake(Store* store, const Archive* archive, int64_t max_bytes,
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
  absl::StatusOr<IntakeResult> IngestBytes(const std::string& client_id,
                                           const std::string& source,
                                           const std::string& display_name,
                                           const std::string& bytes);
  int64_t max_bytes() const { return max_bytes_; }

 private:
  absl::StatusOr<IntakeResult> Record(const std::string& client_id,
                                      const std::string& source,
                                      const std::string& display_name,
                                      const ArchivedFile& file);
  Store* store_;
  const Archive* archive_;
  int64_t max_bytes_;
  std::function<void()> on_new_;
};

}  // namespace liasse
