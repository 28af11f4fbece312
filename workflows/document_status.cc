#include "workflows/document_status.h"

namespace liasse {

absl::string_view DocumentStatusName(DocumentStatus status) {
  switch (status) {
    case DocumentStatus::kReceived:
      return "received";
    case DocumentStatus::kExtracting:
      return "extracting";
    case DocumentStatus::kExtracted:
      return "extracted";
    case DocumentStatus::kClassified:
      return "classified";
    case DocumentStatus::kValidated:
      return "validated";
    case DocumentStatus::kDone:
      return "done";
    case DocumentStatus::kNeedsReview:
      return "needs_review";
    case DocumentStatus::kQuarantined:
      return "quarantined";
  }
  return "unknown";
}

std::optional<DocumentStatus> ParseDocumentStatus(absl::string_view name) {
  for (DocumentStatus status : kAllDocumentStatuses) {
    if (DocumentStatusName(status) == name) return status;
  }
  return std::nullopt;
}

bool IsFinal(DocumentStatus status) {
  return status == DocumentStatus::kDone ||
         status == DocumentStatus::kNeedsReview ||
         status == DocumentStatus::kQuarantined;
}

}  // namespace liasse
