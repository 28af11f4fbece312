// Which expected item a finished document fulfils: the client's open items
// of the document's type whose period contains its date — or the date ten
// days earlier (a statement dated the 2nd of the month after) — and, for
// bank statements, whose account is the document's IBAN. One candidate is
// filed; several wait for a person; none is fine (nothing was expected).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "workflows/collection.h"
#include "workflows/doc_type.h"
#include "workflows/fields.h"

namespace liasse {

// An open item as filing sees it.
struct OpenItem {
  int64_t id = 0;
  std::string kind;     // the document type it expects
  std::string period;   // "2026-10", "2026-Q4", "FY2026"
  std::string account;  // IBAN of a statement's account, "" for any
  bool for_bank_txn = false;  // a receipt item of one debit: matched, never filed by period
};

struct FilingChoice {
  std::vector<int64_t> items;  // one: file it; several: ambiguous; none: nothing expected
  bool ambiguous() const { return items.size() > 1; }
};

FilingChoice ChooseItem(DocType doc_type, Date day, const std::string& iban,
                        const std::vector<OpenItem>& open, std::chrono::month_day fiscal_year_end);

// A receipt or invoice with a total that the client paid (not a sale)
// justifies one of the client's bank debits.
bool JustifiesADebit(DocType doc_type, const Fields& fields);

}  // namespace liasse
