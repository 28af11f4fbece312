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

struct StatementImport {
  std::string client_id;
  std::string language = "fr";  // words the receipt items' labels
  std::string file_name;         // the statement's, for the audit event
  MatchOptions options;
  absl::TimeZone tz;  // dates documents that carry no date of their own
};

absl::StatusOr<ImportCounts> ImportStatement(DocumentTable* documents,
                                             CollectionTables* collection,
                                             const StatementImport& how,
                                             const BankStatement& statement);

}  // namespace liasse
