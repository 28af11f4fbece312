#include "workflows/doc_type.h"

#include <ostream>

#include "workflows/enum_names.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "workflows/identifiers.h"

namespace liasse {

namespace {

constexpr NameTable<DocType, 10> kDocTypes = {{
    {DocType::kUnknown, ""}, {DocType::kInvoice, "invoice"},
    {DocType::kCreditNote, "credit_note"}, {DocType::kReceipt, "receipt"},
    {DocType::kBankStatement, "bank_statement"}, {DocType::kPayslip, "payslip"},
    {DocType::kTaxNotice, "tax_notice"}, {DocType::kContract, "contract"},
    {DocType::kQuote, "quote"}, {DocType::kOther, "other"},
}};

}  // namespace

absl::string_view DocTypeName(DocType type) { return NameIn(kDocTypes, type); }

std::optional<DocType> ParseDocType(absl::string_view name) { return ValueIn(kDocTypes, name); }

std::ostream& operator<<(std::ostream& os, DocType type) {
  return os << (type == DocType::kUnknown ? "(unknown)" : DocTypeName(type));
}

bool IsDocTypeName(absl::string_view name) {
  std::optional<DocType> t = ParseDocType(name);
  return t.has_value() && *t != DocType::kUnknown;
}

DocType EInvoiceDocType(const Fields& fields) {
  // UNTDID 1001 credit-note codes.
  static constexpr std::array<absl::string_view, 9> kCreditCodes = {
      "381", "261", "262", "296", "308", "396", "420", "458", "532"};
  for (absl::string_view code : kCreditCodes) {
    if (fields.type_code == code) return DocType::kCreditNote;
  }
  std::optional<Money> total =
      fields.total_incl_tax ? fields.total_incl_tax : fields.total_excl_tax;
  if (total && total->cents < 0) return DocType::kCreditNote;
  return DocType::kInvoice;
}

namespace {

std::string Letters(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace

bool IsParty(const std::string& siren, const std::string& vat, const std::string& name,
             const PartyIdentity& client) {
  std::string digits = NormalizeIdentifier(siren).substr(0, 9);
  if (!client.siren.empty() && digits == client.siren) return true;
  if (!client.vat.empty() && !vat.empty() &&
      NormalizeIdentifier(vat) == NormalizeIdentifier(client.vat)) {
    return true;
  }
  std::string have = Letters(name);
  if (have.size() < 3) return false;
  for (const std::string& legal : client.legal_names) {
    std::string want = Letters(legal);
    if (want.size() >= 3 && (have == want || (want.size() >= 6 && absl::StrContains(have, want)))) {
      return true;
    }
  }
  return false;
}

Direction InvoiceDirection(const Fields& f, const PartyIdentity& client) {
  bool buyer = IsParty(f.buyer_siren, f.buyer_vat, f.buyer_name, client);
  bool seller = IsParty(f.supplier_siren, f.supplier_vat, f.supplier_name, client);
  if (buyer == seller) return Direction::kUnknown;
  return buyer ? Direction::kPurchase : Direction::kSale;
}

std::string ClientOfBuyer(const Fields& f,
                          const std::vector<std::pair<std::string, PartyIdentity>>& clients) {
  std::string found;
  for (const auto& [id, identity] : clients) {
    if (!IsParty(f.buyer_siren, f.buyer_vat, f.buyer_name, identity)) continue;
    if (!found.empty()) return "";  // several: a person decides
    found = id;
  }
  return found;
}

}  // namespace liasse
