#include "workflows/filing.h"

#include "workflows/identifiers.h"

namespace liasse {

FilingChoice ChooseItem(DocType doc_type, Date day, const std::string& iban,
                        const std::vector<OpenItem>& open, std::chrono::month_day fiscal_year_end) {
  std::vector<int64_t> exact, before;
  const std::string account = NormalizeIdentifier(iban);
  const Date earlier = AddDays(day, -10);
  for (const OpenItem& i : open) {
    if (i.kind != DocTypeName(doc_type) || i.for_bank_txn) continue;
    if (!i.account.empty() && !account.empty() && NormalizeIdentifier(i.account) != account) {
      continue;
    }
    absl::StatusOr<Period> p = ParsePeriodKey(i.period, fiscal_year_end);
    if (!p.ok()) continue;
    if (p->first <= day && day <= p->last) exact.push_back(i.id);
    if (p->first <= earlier && earlier <= p->last) before.push_back(i.id);
  }
  // The period of the date itself wins when it alone fits; else the period
  // ten days before, when there is one.
  return FilingChoice{exact.size() == 1 || before.empty() ? exact : before};
}

bool JustifiesADebit(DocType doc_type, const Fields& fields) {
  return (doc_type == DocType::kReceipt || doc_type == DocType::kInvoice) && fields.total_incl_tax.has_value() &&
         fields.direction != Direction::kSale;
}

}  // namespace liasse
