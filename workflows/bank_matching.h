// Bank movements (typed, whatever file they came from: ocr/bank_statement
// reads them) and the matching of debits to the receipts and invoices that
// justify them.
#pragma once

#include <optional>
#include <string>
#include <vector>

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

// The one open debit a document is the receipt or invoice for, when the
// bank says so on its own: the exact total (euros), the document dated in
// the debit's window, and the label naming the supplier (a shared word) or
// carrying the purchase's day ("CB CARREFOUR 05/11"). nullopt when no debit
// or several fit: evidence must point at one.
std::optional<int64_t> ConfirmingDebit(const MatchDocument& document,
                                       const std::vector<MatchDebit>& debits,
                                       const MatchOptions& options);

// How much a supplier name and a bank label share (0–1), on letters only.
double NameSimilarity(absl::string_view supplier, absl::string_view label);

// Lower-case ASCII letters and digits, Latin-1 accents folded, anything
// else a space: labels and names compared on letters only.
std::string FoldLabel(absl::string_view s);

}  // namespace liasse
