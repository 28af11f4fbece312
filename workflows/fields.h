// What Liasse extracts from a document: the fields of an invoice, receipt or
// credit note, whatever the source (e-invoice XML, text layer, OCR).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "workflows/money.h"

namespace liasse {

struct TaxLine {
  int64_t rate = 0;  // hundredths of a percent: 2000 = 20 %, 550 = 5.5 %
  Money base;
  Money amount;
  // VAT category (UNTDID 5305, BT-118): S standard, Z zero, E exempt, AE
  // reverse charge, K intra-EU, G export, O outside scope, L/M Canary Islands
  // and Ceuta-Melilla. "" when the document does not say.
  std::string category;
  std::string exemption_reason;       // BT-120, as written
  std::string exemption_reason_code;  // BT-121, e.g. VATEX-EU-AE

  friend bool operator==(const TaxLine&, const TaxLine&) = default;
};

// Whether the client bought or sold: purchase when the client is the buyer,
// sale when it is the seller, unknown when the document does not tell.
enum class Direction { kUnknown, kPurchase, kSale };

// "purchase", "sale", "" (unknown).
absl::string_view DirectionName(Direction direction);
// The inverse of DirectionName; anything else is unknown.
Direction ParseDirection(absl::string_view name);

struct Fields {
  std::string supplier_name;
  std::string supplier_siren;
  std::string supplier_vat;  // BT-31, never a national tax number
  std::string invoice_number;
  std::optional<std::chrono::year_month_day> issue_date;
  std::optional<std::chrono::year_month_day> due_date;
  std::string currency;  // ISO 4217
  std::optional<Money> total_excl_tax;
  std::optional<Money> total_tax;
  std::optional<Money> total_incl_tax;
  std::optional<Money> amount_due;
  // BT-111: the VAT total in euros when the invoice is in another currency
  // and says it (tax currency EUR).
  std::optional<Money> total_tax_eur;
  std::string iban;
  std::string type_code;  // as written (UNTDID 1001: 380, 381, 389...)
  std::string buyer_name;
  std::string buyer_siren;
  std::string buyer_vat;
  std::vector<TaxLine> tax_breakdown;
  Direction direction = Direction::kUnknown;  // see InvoiceDirection

  friend bool operator==(const Fields&, const Fields&) = default;
};

// Sets one field from staff's text, by the name `liasse extract --json` uses
// ("total_incl_tax" = "45.20", "issue_date" = "2026-10-31"); "" clears it.
// direction takes "purchase" or "sale". InvalidArgument for an unknown name
// or a bad value; tax_breakdown is not set this way.
absl::Status SetField(Fields* fields, absl::string_view name, absl::string_view value);

}  // namespace liasse
