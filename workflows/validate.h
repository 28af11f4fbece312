// Deterministic checks of a document's fields. Each has a code and a message
// in French and English; a failed `error` check sends the document to review,
// a failed `warning` is reported. No LLM ever overrides them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "workflows/doc_type.h"
#include "workflows/fields.h"

namespace liasse {

struct Check {
  std::string code;
  bool ok = true;
  std::string severity;  // "error" | "warning"
  std::string message_fr;
  std::string message_en;
};

struct ValidationInput {
  DocType doc_type = DocType::kUnknown;
  Fields fields;
  std::optional<double> ocr_confidence;
  double min_ocr_confidence = 0.6;
  std::chrono::year_month_day today;
};

// Only the checks that apply are returned (a receipt has no mandatory
// invoice mentions); each says whether it passed.
std::vector<Check> Validate(const ValidationInput& input);

// `duplicate`: the same supplier, number and total as another document of
// the client (which has other bytes: same bytes never become a document).
// `others` are that client's other documents with the same number.
Check DuplicateCheck(const Fields& fields, const std::vector<Fields>& others);

// `einvoice_profile`, for an e-invoice whose profile (BT-24) is known: a
// MINIMUM or BASIC WL Factur-X carries no invoice lines and is not a
// complete invoice (a warning; the printed page is the invoice). nullopt
// when the profile is not given.
std::optional<Check> EInvoiceProfileCheck(const std::string& profile);

// The one VAT line of an invoice that gives only its totals (a MINIMUM
// Factur-X): the French rate (20, 10, 8.5, 5.5, 2.1 %) whose VAT on
// `excl` is `tax` to the cent, when exactly one is and the page prints it
// ("20 %", "20,0%", "5.5 %"…). None otherwise (several rates, no VAT).
std::optional<TaxLine> PrintedSingleRate(Money excl, Money tax, absl::string_view printed);

// What the 2026 reform adds to an invoice between French businesses, as an
// e-invoice carries it.
struct ReformMentions {
  std::string billing_context;   // BT-23: B… goods, S… services, M… both
  std::string vat_point_code;    // BT-8: 5 (CII) or 3 (UBL) = VAT on debits
  std::string delivery_address;  // when not the buyer's own
};
// "einvoice_reform_mentions" (warning) on an invoice from a French seller
// to a French business buyer: fails when the nature of the operation
// (goods, services or both; BT-23) is missing; the message also says
// whether the VAT-on-debits option and a delivery address elsewhere are
// stated. None for other invoices (foreign party, consumer).
std::optional<Check> EInvoiceReformCheck(const Fields& fields, const ReformMentions& mentions);

// `einvoice_printed_total`, for a hybrid e-invoice (Factur-X: XML inside a
// printed PDF) whose printed total the rules read with confidence
// (`printed_sure`): an error when it is neither the XML's total (BT-112) nor
// its amount due (BT-115) — the XML is the legal original, a person
// compares. nullopt when there is no confident printed total to compare.
std::optional<Check> HybridTotalCheck(const Fields& xml, const std::optional<Money>& printed_total,
                                      bool printed_sure);

// True when a check of severity "error" failed.
bool HasBlockingFailure(const std::vector<Check>& checks);

// Legal VAT rates (hundredths of a percent) of the country of a VAT number's
// prefix ("FR", "DE"…); empty when the country is not known here.
std::vector<int64_t> LegalVatRates(const std::string& country);

}  // namespace liasse
