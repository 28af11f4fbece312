// A period's documents for the firm's accounting: each `done` document of
// the client dated in the period, copied from the archive as
// YYYY-MM-DD_Supplier_TTC.ext, with an index.csv (one row per document: its
// fields, VAT by rate, the bank movement it justifies).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/process/archive.h"
#include "daemon/store/store.h"
#include "workflows/collection.h"

namespace liasse {

// Returns the number of documents written to `dir` (created if needed).
absl::StatusOr<int> ExportPeriod(DocumentTable* documents, CollectionTables* bank,
                                 const Archive& archive, const std::string& client_id,
                                 const Period& period, absl::TimeZone tz, const std::string& dir);

}  // namespace liasse
