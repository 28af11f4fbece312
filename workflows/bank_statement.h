// Bank statements as banks export them — CSV (French exports: `;`, decimal
// commas, separate débit/crédit columns, Windows-1252 or UTF-8), OFX 1.x
// (SGML) and 2.x (XML), CFONB 120 and CAMT.053 — read into one list of
// movements, and the matching of debits to the receipts and invoices that
// justify them. A malformed file is refused whole, with line and column.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workflows/collection.h"
#include "workflows/money.h"

namespace liasse {

struct BankTxn {
  std::string account;  // IBAN or the bank's account id, as written
  Date date;
  Money amount;  // negative = debit
  std::string label;
  std::string reference;  // FITID, AcctSvcrRef...; "" when the format has none
  // Stable identity for re-imports: the reference, or date|amount|label|n.
  std::string fingerprint;
};

struct BankStatement {
  std::string format;  // csv | ofx | cfonb120 | camt053
  std::string account;
  std::vector<BankTxn> txns;
  std::optional<Money> opening_balance;
  std::optional<Money> closing_balance;
};

// `format`: "" (detect), csv, ofx, cfonb120, camt053. CSV columns are found
// by their header names; "csv:date=1,label=3,debit=4,credit=5" (or
// amount=N) names them by position (1-based) for files without a header.
absl::StatusOr<BankStatement> ParseBankStatement(absl::string_view bytes, const std::string& format);

// Best effort on the text layer of a PDF statement (`pdftotext -layout`
// style): movements are lines that start with a date and end with an
// amount, signed by the Débit / Crédit column they sit under; the opening
// and closing balances come from their labels. Accepted only when opening +
// movements = closing, to the cent: FailedPrecondition otherwise (a person
// checks), NotFound when the text has no balances or no movements.
absl::StatusOr<BankStatement> ParseStatementText(absl::string_view text);

// Windows-1252 bytes → UTF-8 (text that is valid UTF-8 already is returned
// as is).
std::string ToUtf8(absl::string_view bytes);

struct MatchOptions {
  Money min_amount{1000};
  int days_before = 30;  // a receipt dated up to 30 days before the debit
  int days_after = 7;    // ... or 7 days after
  std::vector<std::string> ignore_labels;
  int fx_tolerance_percent = 3;  // card payments in another currency
};

// A debit that needs a justification (not ignored, above min_amount).
bool NeedsReceipt(const BankTxn& txn, const MatchOptions& options);

struct MatchDebit {
  int64_t id = 0;
  Date date;
  Money amount;  // positive
  std::string label;
};
struct MatchDocument {
  int64_t id = 0;
  Date date;
  Money total;  // positive
  std::string currency;  // "" = EUR
  std::string supplier;
};
struct Match {
  int64_t debit_id = 0;
  int64_t document_id = 0;
};

// One-to-one: each debit gets at most one document and the other way
// round. Exact cents first (FX tolerance only for foreign currencies),
// inside the date window, the closer date and the more similar supplier
// name winning; a tie that nothing breaks is left unmatched for a person.
std::vector<Match> MatchDebits(const std::vector<MatchDebit>& debits,
                               const std::vector<MatchDocument>& documents,
                               const MatchOptions& options);

// How much a supplier name and a bank label share (0–1), on letters only.
double NameSimilarity(absl::string_view supplier, absl::string_view label);

}  // namespace liasse
