#include "workflows/bank_entries.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace {

// The label's words, folded, between single spaces and with one at each
// end: " cb carrefour 05 11 ".
std::string Words(const std::string& text) {
  std::vector<std::string> words = absl::StrSplit(FoldLabel(text), ' ', absl::SkipEmpty());
  return absl::StrCat(" ", absl::StrJoin(words, " "), " ");
}

// The line of `entry` on a third party (an auxiliary account); null when none.
const EntryLine* ThirdPartyLine(const Entry& entry) {
  for (const EntryLine& l : entry.lines) {
    if (!l.aux.empty()) return &l;
  }
  return nullptr;
}

}  // namespace

EntryProposal ProposeBankEntry(const BankMovement& movement, const SettledDocument* settled,
                               const AccountPlan& plan) {
  EntryProposal out;
  if (movement.amount.cents == 0) {
    out.review.push_back("a movement of 0.00: nothing to book");
    return out;
  }
  const Money amount{std::llabs(movement.amount.cents)};
  const bool debit = movement.amount.cents < 0;
  Entry e;
  e.journal = plan.bank_journal;
  e.journal_label = "Banque";
  e.date = movement.date;
  e.bank_txn_id = movement.id;
  e.piece_ref = absl::StrCat("BQ", movement.id);
  e.label = movement.label.empty() ? "Banque" : movement.label;
  std::string bank = plan.bank;
  if (auto it = plan.bank_accounts.find(NormalizeIdentifier(movement.account));
      it != plan.bank_accounts.end()) {
    bank = it->second;
  }
  EntryLine other;
  if (settled) e.document_id = settled->id;
  const EntryLine* party = settled && settled->entry ? ThirdPartyLine(*settled->entry) : nullptr;
  if (party) {
    other.account = party->account;
    other.account_label = party->account_label;
    other.aux = party->aux;
    other.aux_label = party->aux_label;
    e.piece_ref = settled->entry->piece_ref;
    const Money owed{party->debit.cents + party->credit.cents};
    if (owed.cents != amount.cents) {
      out.review.push_back(absl::StrCat("paid ", FormatDecimal(amount), " for a document of ",
                                        FormatDecimal(owed),
                                        ": clear the difference on the third party"));
    }
  } else if (settled && settled->type == DocType::kPayslip) {
    other.account = plan.salaries;
    other.account_label = "Rémunérations dues";
  } else {
    const std::string words = Words(movement.label);
    size_t longest = 0;
    for (const auto& [key, account] : plan.bank_labels) {
      std::string wanted = Words(key);
      if (wanted.size() > std::max<size_t>(longest, 2) &&
          words.find(wanted) != std::string::npos) {
        longest = wanted.size();
        other.account = account;
        other.account_label = key;
      }
    }
    if (other.account.empty()) {
      other.account = plan.suspense;
      other.account_label = "Compte d'attente";
      out.review.push_back(
          settled ? absl::StrCat("document ", settled->id,
                                 " it was matched with gives no entry: book it by hand")
                  : std::string("no document justifies this movement: book it by hand"));
    }
  }
  EntryLine bank_line;
  bank_line.account = bank;
  bank_line.account_label = "Banque";
  (debit ? other.debit : other.credit) = amount;
  (debit ? bank_line.credit : bank_line.debit) = amount;
  e.lines.push_back(std::move(other));
  e.lines.push_back(std::move(bank_line));
  out.entry = std::move(e);
  return out;
}

std::vector<Match> MatchCredits(const std::vector<BankMovement>& credits,
                                const std::vector<Entry>& entries, int days_before) {
  std::vector<MatchDebit> received;
  for (const BankMovement& m : credits) {
    if (m.amount.cents > 0) received.push_back({m.id, m.date, m.amount, m.label});
  }
  std::vector<MatchDocument> owed;
  for (const Entry& e : entries) {
    if (e.bank_txn_id != 0 || e.document_id == 0) continue;
    const EntryLine* party = ThirdPartyLine(e);
    if (party && party->debit.cents > 0) {
      owed.push_back({e.document_id, e.date, party->debit, "", party->aux_label});
    }
  }
  MatchOptions options;
  options.min_amount = Money{0};
  options.days_before = days_before;
  std::vector<Match> out;
  for (const Match& m : MatchDebits(received, owed, options)) {
    auto credit = std::find_if(received.begin(), received.end(),
                               [&](const MatchDebit& d) { return d.id == m.debit_id; });
    auto entry = std::find_if(owed.begin(), owed.end(),
                              [&](const MatchDocument& d) { return d.id == m.document_id; });
    if (NameSimilarity(entry->supplier, credit->label) > 0) out.push_back(m);
  }
  return out;
}

void LetterPayments(std::vector<Entry>* entries) {
  std::map<int64_t, Entry*> by_document;
  for (Entry& e : *entries) {
    if (e.bank_txn_id == 0 && e.document_id != 0) by_document[e.document_id] = &e;
  }
  for (Entry& payment : *entries) {
    if (payment.bank_txn_id == 0 || payment.document_id == 0) continue;
    auto it = by_document.find(payment.document_id);
    if (it == by_document.end()) continue;
    Entry& booked = *it->second;
    for (EntryLine& paid : payment.lines) {
      if (paid.aux.empty()) continue;
      for (EntryLine& owed : booked.lines) {
        if (owed.aux != paid.aux || owed.account != paid.account || !owed.lettering.empty() ||
            owed.debit.cents != paid.credit.cents || owed.credit.cents != paid.debit.cents) {
          continue;
        }
        const std::string code = LetterCode(payment.document_id);
        const std::chrono::year_month_day when = std::max(payment.date, booked.date);
        for (EntryLine* l : {&paid, &owed}) {
          l->lettering = code;
          l->lettering_date = when;
        }
        break;
      }
    }
  }
}

std::string LetterCode(int64_t n) {
  std::string out;
  for (; n > 0; n = (n - 1) / 26) out.insert(out.begin(), static_cast<char>('A' + (n - 1) % 26));
  return out;
}

}  // namespace liasse
