// A bank statement into the store: its movements (those seen before, by
// fingerprint, skipped), a receipt item for each new debit that needs one,
// closed at once when a receipt or invoice already filed justifies it
// (workflows/bank_matching decides which).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/store/store.h"
#include "workflows/bank_matching.h"

namespace liasse {

// `language` ("fr", "en") words the receipt items' labels; `tz` dates the
// documents that carry no date of their own.
absl::StatusOr<ImportCounts> ImportStatement(DocumentTable* documents,
                                             CollectionTables* collection,
                                             const std::string& client_id,
                                             const std::string& language,
                                             const std::string& file_name,
                                             const BankStatement& statement,
                                             const MatchOptions& options, absl::TimeZone tz);

}  // namespace liasse
