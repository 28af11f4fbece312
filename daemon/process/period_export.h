// A period's documents for the firm's accounting: each `done` document of
// the client dated in the period, copied from the archive as
// YYYY-MM-DD_Supplier_TTC.ext, with an index.csv (one row per document: its
// fields, VAT by rate, the bank movement it justifies); or their proposed
// entries in the FEC layout.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/process/archive.h"
#include "daemon/store/store.h"
#include "workflows/collection.h"
#include "workflows/entries.h"

namespace liasse {

// Returns the number of documents written to `dir` (created if needed).
absl::StatusOr<int> ExportPeriod(DocumentTable* documents, CollectionTables* bank,
                                 const Archive& archive, const std::string& client_id,
                                 const Period& period, absl::TimeZone tz, const std::string& dir);

// The proposed entries of the client's `done` invoices, credit notes and
// receipts dated in the period (`learned`: the accounts staff chose per
// third party), in the order they are numbered (date, journal,
// document); and those that got no entry, or one a person must check.
struct Unbooked {
  int64_t document_id = 0;
  int64_t bank_txn_id = 0;  // a bank movement (its label as `supplier`, its amount as `total`)
  Date date{};
  std::string supplier;
  DocType type = DocType::kUnknown;
  std::optional<Money> total;
  std::vector<std::string> reasons;
};
// The original a proposed entry was made from (the piece an export joins).
struct Piece {
  std::string sha256;
  std::string original_name;
};
struct PeriodEntries {
  std::vector<Entry> entries;
  std::vector<Unbooked> review;
  std::map<int64_t, Piece> pieces;  // by document id, for each entry
};
// A document in another currency is booked for the euros of the bank
// movement it was matched with (`bank`), else goes to review. A third party
// the firm already has (`known`, FindKnownParty) keeps its auxiliary
// account, and its usual account unless staff chose one. With
// `plan.bank_entries`, each bank movement of the client dated in the period
// gets its entry in the bank journal (ProposeBankEntry: against the
// document it was matched with, whatever that document's period; a credit
// matched with none against the period's entry MatchCredits finds), lettered
// with the document's entry when both are in the period (LetterPayments).
absl::StatusOr<PeriodEntries> ProposePeriodEntries(
    DocumentTable* documents, CollectionTables* bank, const std::string& client_id,
    const Period& period, absl::TimeZone tz, const AccountPlan& plan,
    const std::map<std::string, std::string>& learned, const std::vector<KnownParty>& known);

// `proposed` (ProposePeriodEntries) for the firm's software, and the
// documents that got no entry, or one to check, with why, in
// `dir`/a_revoir.csv. `format` "fec": the FEC layout in
// `dir`/SIRENFECAAAAMMJJ.txt (ISO 8859-15; the date is the fiscal year's
// end). "quadra": Quadra ASCII in `dir`/quadra.txt and each entry's
// original beside it as NNNNNNNN.ext (the document id), named in its lines.
struct EntriesExport {
  std::string path;
  int entries = 0;
  int to_review = 0;
  // Each exported entry as its FEC lines (for comparing with the next
  // export).
  ExportedEntrySet exported;
};
absl::StatusOr<EntriesExport> ExportEntries(const PeriodEntries& proposed, const std::string& format,
                                            const std::string& siren, Date fiscal_year_end,
                                            const Archive& archive, const std::string& dir);

}  // namespace liasse
