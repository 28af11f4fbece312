// Document types, by the names used everywhere (SQLite, proto, CLI, JSON).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "workflows/fields.h"

namespace liasse {

// invoice, credit_note, receipt, bank_statement, payslip, tax_notice,
// contract, quote, other.
bool IsDocTypeName(absl::string_view name);

// The type of a structured e-invoice. The type code alone does not decide:
// 381 (and the other credit-note codes) is a credit note, but French
// issuers also code credit notes 380 with negative totals; 389 is a
// self-billed invoice.
std::string EInvoiceDocType(const Fields& fields);

// Who the client is, from its config.
struct PartyIdentity {
  std::string siren;
  std::string vat;
  std::vector<std::string> legal_names;
};

// "purchase" when the client is the buyer (by SIREN, VAT or legal name),
// "sale" when it is the seller, "" when neither or both.
std::string InvoiceDirection(const Fields& fields, const PartyIdentity& client);

}  // namespace liasse
