#include "daemon/process/bank_import.h"

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "daemon/mail/reminder_mail.h"
#include "workflows/date.h"

namespace liasse {

absl::StatusOr<ImportCounts> ImportStatement(DocumentTable* documents,
                                             CollectionTables* collection,
                                             const StatementImport& how,
                                             const BankStatement& statement) {
  const BankStatement* st = &statement;
  // Receipts already filed justify the new debits right away.
  absl::StatusOr<std::vector<DocumentRecord>> docs =
      documents->ListDocuments({how.client_id, DocumentStatus::kDone, 0, 100000});
  if (!docs.ok()) return docs.status();
  std::vector<MatchDocument> candidates;
  for (const DocumentRecord& d : *docs) {
    if (d.doc_type != DocType::kReceipt && d.doc_type != DocType::kInvoice) continue;
    absl::StatusOr<int64_t> used = collection->BankTxnOfDocument(d.id);
    if (!used.ok()) return used.status();
    if (*used != 0) continue;
    const std::optional<Fields>& f = d.fields;
    if (!f || !f->total_incl_tax || f->direction == Direction::kSale) continue;
    Date day = f->issue_date ? *f->issue_date : LocalDate(d.received_at, how.tz);
    candidates.push_back({d.id, day, Money{std::llabs(f->total_incl_tax->cents)}, f->currency,
                          f->supplier_name});
  }
  std::vector<MatchDebit> debits;
  for (size_t i = 0; i < st->txns.size(); ++i) {
    const BankTxn& t = st->txns[i];
    if (NeedsReceipt(t, how.options)) {
      debits.push_back({static_cast<int64_t>(i), t.date, Money{-t.amount.cents}, t.label});
    }
  }
  std::map<int64_t, int64_t> matched;
  for (const Match& m : MatchDebits(debits, candidates, how.options)) {
    matched[m.debit_id] = m.document_id;
  }
  std::vector<NewBankTxn> rows;
  for (size_t i = 0; i < st->txns.size(); ++i) {
    const BankTxn& t = st->txns[i];
    NewBankTxn n;
    n.txn.account = t.account.empty() ? st->account : t.account;
    n.txn.date = t.date;
    n.txn.amount = t.amount;
    n.txn.label = t.label;
    n.txn.fingerprint = t.fingerprint;
    n.needs_receipt = NeedsReceipt(t, how.options);
    n.period = FormatYearMonth(std::chrono::year_month{t.date.year(), t.date.month()});
    bool fr = how.language != "en";
    n.item_label = absl::StrCat(fr ? "Justificatif manquant : " : "Missing receipt: ", t.label, " ",
                                FormatAmount(-t.amount.cents, how.language),
                                fr ? " le " : " on ", FormatDay(n.txn.date, how.language));
    if (auto it = matched.find(static_cast<int64_t>(i)); it != matched.end()) {
      n.matched_document_id = it->second;
    }
    rows.push_back(std::move(n));
  }
  return collection->ImportBankTxns(how.client_id, rows, how.file_name);
}

}  // namespace liasse
