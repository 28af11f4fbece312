// The bank journal: what each bank movement of a period means in the
// client's books, and the lettering of a payment with the invoice it
// settles. Pure: a movement, what it was matched with and the client's
// accounts in; one balanced entry out, or the reasons a person must decide.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "workflows/bank_matching.h"
#include "workflows/doc_type.h"
#include "workflows/entries.h"
#include "workflows/money.h"

namespace liasse {

struct BankMovement {
  int64_t id = 0;
  std::string account;  // the IBAN or the bank's account id, as the statement writes it
  std::chrono::year_month_day date{};
  Money amount;  // negative = debit
  std::string label;
};

// The document a movement was matched with: its type, and its entry when
// it has one (null: a document that gives none, or not filed yet).
struct SettledDocument {
  int64_t id = 0;
  DocType type = DocType::kUnknown;
  const Entry* entry = nullptr;
};

// The movement's entry in the bank journal: the bank account (the plan's
// account for its IBAN, else `bank`) against
//  - the third-party line (401…/411… and its auxiliary account) of the
//    entry of the document it settles — a person is asked to clear the
//    difference when the amounts differ;
//  - `salaries` when it settles a payslip;
//  - the account of the `bank_labels` key whose words appear in its label
//    ("FRAIS", "URSSAF"…; the longest when several do);
//  - else `suspense`, for a person: no document justifies it, or the one it
//    was matched with gives no entry.
// A debit credits the bank; a credit debits it. No entry for a zero amount.
EntryProposal ProposeBankEntry(const BankMovement& movement,
                               const SettledDocument* settled, const AccountPlan& plan);

// The credits nothing was matched with (a customer paying an invoice, a
// supplier refunding a credit note) and the entries they settle: the
// entry's third-party line on the debit side for the same cents, the entry
// dated up to `days_before` days before the credit (or 7 after), and the
// label naming that party (a word shared with its auxiliary account's name:
// a transfer carries the payer's name). One to one; a tie nothing breaks
// is left for a person. Returns (movement id, document id) pairs.
std::vector<Match> MatchCredits(const std::vector<BankMovement>& credits,
                                const std::vector<Entry>& entries, int days_before = 90);

// Letters each payment (a bank entry whose `document_id` is set) with the
// entry of the document it settles, when both are in `entries` and their
// third-party lines are the same account and auxiliary account for the same
// amount on opposite sides: both lines get LetterCode(document id) and, as
// date, the later of the two entries'. Partial payments stay unlettered.
void LetterPayments(std::vector<Entry>* entries);

// A lettering code of capital letters for `n` ≥ 1, one per document and the
// same in every export: 1 → "A", 26 → "Z", 27 → "AA", 702 → "ZZ", 703 → "AAA".
std::string LetterCode(int64_t n);

}  // namespace liasse
