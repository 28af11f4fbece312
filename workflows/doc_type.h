// Document types, by the names used everywhere (SQLite, proto, CLI, JSON).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "workflows/fields.h"

namespace liasse {

enum class DocType {
  kUnknown,  // not decided yet: "" in storage and the API
  kInvoice,
  kCreditNote,
  kReceipt,
  kBankStatement,
  kPayslip,
  kTaxNotice,
  kContract,
  kQuote,
  kOther,
};

// invoice, credit_note, receipt, bank_statement, payslip, tax_notice,
// contract, quote, other; "" for kUnknown.
absl::string_view DocTypeName(DocType type);
// The type of one of those names; "" is kUnknown; anything else none.
std::optional<DocType> ParseDocType(absl::string_view name);
// A name of a known type ("" is not).
bool IsDocTypeName(absl::string_view name);
// Prints the name (logs, test messages).
std::ostream& operator<<(std::ostream& os, DocType type);

// The type of a structured e-invoice. The type code alone does not decide:
// 381 (and the other credit-note codes) is a credit note, but French
// issuers also code credit notes 380 with negative totals; 389 is a
// self-billed invoice.
DocType EInvoiceDocType(const Fields& fields);

// Who the client is, from its config.
struct PartyIdentity {
  std::string siren;
  std::string vat;
  std::vector<std::string> legal_names;
};

// The one rule for "is this party the client?": the same SIREN (the first
// nine digits of a SIRET), the same VAT number (spaces and case aside), or
// a legal name equal to the party's name letters and digits aside (or
// contained in it, for names of six or more).
bool IsParty(const std::string& siren, const std::string& vat, const std::string& name,
             const PartyIdentity& client);

// The one client that is the buyer of `fields` by IsParty; "" when none or
// several (a person decides).
std::string ClientOfBuyer(const Fields& fields,
                          const std::vector<std::pair<std::string, PartyIdentity>>& clients);

// A purchase when the client is the buyer (by SIREN, VAT or legal name), a
// sale when it is the seller, unknown when neither or both.
Direction InvoiceDirection(const Fields& fields, const PartyIdentity& client);

}  // namespace liasse
