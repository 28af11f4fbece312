#include "workflows/fields.h"

#include "absl/strings/str_cat.h"
#include "workflows/date.h"

namespace liasse {

absl::string_view DirectionName(Direction direction) {
  switch (direction) {
    case Direction::kPurchase: return "purchase";
    case Direction::kSale: return "sale";
    case Direction::kUnknown: break;
  }
  return "";
}

Direction ParseDirection(absl::string_view name) {
  if (name == "purchase") return Direction::kPurchase;
  if (name == "sale") return Direction::kSale;
  return Direction::kUnknown;
}

absl::Status SetField(Fields* f, absl::string_view name, absl::string_view value) {
  std::string* text = nullptr;
  if (name == "supplier_name") text = &f->supplier_name;
  if (name == "supplier_siren") text = &f->supplier_siren;
  if (name == "supplier_vat") text = &f->supplier_vat;
  if (name == "invoice_number") text = &f->invoice_number;
  if (name == "currency") text = &f->currency;
  if (name == "iban") text = &f->iban;
  if (name == "type_code") text = &f->type_code;
  if (name == "buyer_name") text = &f->buyer_name;
  if (name == "buyer_siren") text = &f->buyer_siren;
  if (name == "buyer_vat") text = &f->buyer_vat;
  if (text != nullptr) {
    *text = std::string(value);
    return absl::OkStatus();
  }
  if (name == "direction") {
    f->direction = ParseDirection(value);
    if (f->direction == Direction::kUnknown && !value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("direction: \"", value, "\" is neither purchase nor sale"));
    }
    return absl::OkStatus();
  }
  std::optional<std::chrono::year_month_day>* date = nullptr;
  if (name == "issue_date") date = &f->issue_date;
  if (name == "due_date") date = &f->due_date;
  std::optional<Money>* money = nullptr;
  if (name == "total_excl_tax") money = &f->total_excl_tax;
  if (name == "total_tax") money = &f->total_tax;
  if (name == "total_incl_tax") money = &f->total_incl_tax;
  if (name == "amount_due") money = &f->amount_due;
  if (name == "total_tax_eur") money = &f->total_tax_eur;
  if (date == nullptr && money == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown field ", name));
  }
  if (value.empty()) {  // cleared
    if (date != nullptr) date->reset();
    if (money != nullptr) money->reset();
    return absl::OkStatus();
  }
  absl::Status parsed = absl::OkStatus();
  if (date != nullptr) {
    absl::StatusOr<std::chrono::year_month_day> d = ParseIsoDate(value);
    if (d.ok()) *date = *d;
    parsed = d.status();
  } else {
    absl::StatusOr<int64_t> cents = ParseScaledDecimal(value, 2);
    if (cents.ok()) *money = Money{*cents};
    parsed = cents.status();
  }
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", parsed.message()));
  return absl::OkStatus();
}

}  // namespace liasse
