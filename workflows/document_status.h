// Pipeline states of a document. The lower-case names are the contract shared
// by SQLite, the CLI and JSON output; the proto enum mirrors them.
#pragma once

#include "absl/strings/string_view.h"
#include <array>
#include <optional>

namespace liasse {

enum class DocumentStatus {
  kReceived,
  kExtracting,
  kExtracted,
  kClassified,
  kValidated,
  kDone,
  kNeedsReview,
  kQuarantined,
};

inline constexpr std::array<DocumentStatus, 8> kAllDocumentStatuses = {
    DocumentStatus::kReceived,   DocumentStatus::kExtracting,
    DocumentStatus::kExtracted,  DocumentStatus::kClassified,
    DocumentStatus::kValidated,  DocumentStatus::kDone,
    DocumentStatus::kNeedsReview, DocumentStatus::kQuarantined,
};

// "received", "extracting", ..., "needs_review", "quarantined".
absl::string_view DocumentStatusName(DocumentStatus status);
std::optional<DocumentStatus> ParseDocumentStatus(absl::string_view name);
// done, needs_review and quarantined: the pipeline no longer touches them.
bool IsFinal(DocumentStatus status);

}  // namespace liasse
