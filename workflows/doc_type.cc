#include "workflows/doc_type.h"

#include <array>

namespace liasse {

bool IsDocTypeName(absl::string_view name) {
  static constexpr std::array<absl::string_view, 9> kTypes = {
      "invoice",    "credit_note", "receipt", "bank_statement", "payslip",
      "tax_notice", "contract",    "quote",   "other"};
  for (absl::string_view t : kTypes) {
    if (t == name) return true;
  }
  return false;
}

std::string EInvoiceDocType(const Fields& fields) {
  // UNTDID 1001 credit-note codes.
  static constexpr std::array<absl::string_view, 9> kCreditCodes = {
      "381", "261", "262", "296", "308", "396", "420", "458", "532"};
  for (absl::string_view code : kCreditCodes) {
    if (fields.type_code == code) return "credit_note";
  }
  std::optional<Money> total =
      fields.total_incl_tax ? fields.total_incl_tax : fields.total_excl_tax;
  if (total && total->cents < 0) return "credit_note";
  return "invoice";
}

}  // namespace liasse
