// What Liasse extracts from a document: the fields of an invoice, receipt or
// credit note, whatever the source (e-invoice XML, text layer, OCR).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workflows/money.h"

namespace liasse {

struct TaxLine {
  int64_t rate = 0;  // hundredths of a percent: 2000 = 20 %, 550 = 5.5 %
  Money base;
  Money amount;

  friend bool operator==(const TaxLine&, const TaxLine&) = default;
};

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
  std::string iban;
  std::string type_code;  // as written (UNTDID 1001: 380, 381, 389...)
  std::string buyer_name;
  std::string buyer_siren;
  std::string buyer_vat;
  std::vector<TaxLine> tax_breakdown;
  // "purchase" when the client is the buyer, "sale" when it is the seller,
  // "" when the document does not tell (see InvoiceDirection).
  std::string direction;
};

}  // namespace liasse
