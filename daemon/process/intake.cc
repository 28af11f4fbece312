#include "daemon/process/intake.h"

#include "workflows/names.h"

namespace liasse {

absl::StatusOr<IntakeResult> Intake::IngestFile(const std::string& client_id,
                                                const std::string& source,
                                                const std::string& display_name,
                                                const std::string& path) {
  absl::StatusOr<ArchivedFile> file = archive_->PutFile(path, max_bytes_);
  if (!file.ok()) return file.status();
  return Record(client_id, source, display_name, *file);
}

absl::StatusOr<IntakeResult> Intake::IngestFd(const std::string& client_id,
                                              const std::string& source,
                                              const std::string& display_name, int fd) {
  absl::StatusOr<ArchivedFile> file = archive_->PutFd(fd, max_bytes_);
  if (!file.ok()) return file.status();
  return Record(client_id, source, display_name, *file);
}

absl::StatusOr<IntakeResult> Intake::IngestBytes(const std::string& client_id,
                                                 const std::string& source,
                                                 const std::string& display_name,
                                                 const std::string& bytes) {
  absl::StatusOr<ArchivedFile> file = archive_->PutBytes(bytes);
  if (!file.ok()) return file.status();
  return Record(client_id, source, display_name, *file);
}

absl::StatusOr<IntakeResult> Intake::Record(const std::string& client_id,
                                            const std::string& source,
                                            const std::string& display_name,
                                            const ArchivedFile& file) {
  NewDocument doc;
  doc.client_id = client_id;
  doc.sha256 = file.sha256;
  doc.source = source;
  doc.original_name = SanitizeDisplayName(display_name);
  doc.size_bytes = file.size;
  absl::StatusOr<IntakeResult> result = store_->IngestDocument(doc);
  if (result.ok() && !result->duplicate && on_new_) on_new_();
  return result;
}

}  // namespace liasse
