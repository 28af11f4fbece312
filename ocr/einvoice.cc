#include "ocr/einvoice.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace {

// Element names without their namespace prefix: CII and UBL documents use
// varying prefixes (rsm:, ram:, cbc:, or a default namespace).
absl::string_view LocalName(const pugi::xml_node& node) {
  absl::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == absl::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, absl::string_view local) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return pugi::xml_node();
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& node,
                                     absl::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) {
      out.push_back(c);
    }
  }
  return out;
}

// Follows a path of local names; the first alternative that exists wins at
// each step ("A|B").
pugi::xml_node Path(pugi::xml_node node,
                    std::initializer_list<absl::string_view> steps) {
  for (absl::string_view step : steps) {
    if (!node) return node;
    pugi::xml_node next;
    size_t start = 0;
    while (start <= step.size() && !next) {
      size_t bar = step.find('|', start);
      absl::string_view alt = step.substr(
          start, bar == absl::string_view::npos ? absl::string_view::npos
                                                : bar - start);
      next = Child(node, alt);
      if (bar == absl::string_view::npos) break;
      start = bar + 1;
    }
    node = next;
  }
  return node;
}

std::string Text(const pugi::xml_node& node) {
  if (!node) return "";
  return std::string(absl::StripAsciiWhitespace(node.child_value()));
}

std::optional<Money> Amount(const pugi::xml_node& node) {
  std::string text = Text(node);
  if (text.empty()) return std::nullopt;
  absl::StatusOr<int64_t> cents = ParseScaledDecimal(text, 2);
  if (!cents.ok()) return std::nullopt;
  return Money{*cents};
}

// Of several amounts (TaxTotalAmount once per currency), the one in
// `currency`, else the first.
std::optional<Money> AmountInCurrency(const std::vector<pugi::xml_node>& nodes,
                                      const std::string& currency) {
  for (const pugi::xml_node& n : nodes) {
    if (!currency.empty() && currency == n.attribute("currencyID").value()) {
      return Amount(n);
    }
  }
  for (const pugi::xml_node& n : nodes) {
    if (std::strlen(n.attribute("currencyID").value()) == 0) return Amount(n);
  }
  if (!nodes.empty()) return Amount(nodes.front());
  return std::nullopt;
}

// BT-111: the VAT total stated in euros beside the invoice currency's.
std::optional<Money> TaxInEuros(const std::vector<pugi::xml_node>& nodes,
                                const std::string& currency) {
  if (currency.empty() || currency == "EUR") return std::nullopt;
  for (const pugi::xml_node& n : nodes) {
    if (std::string(n.attribute("currencyID").value()) == "EUR") return Amount(n);
  }
  return std::nullopt;
}

int64_t Rate(const pugi::xml_node& node) {
  absl::StatusOr<int64_t> rate = ParseScaledDecimal(Text(node), 2);
  return rate.ok() ? *rate : 0;
}

// "20180305" (format 102) or "2018-03-05".
std::optional<std::chrono::year_month_day> DateValue(const std::string& text) {
  std::string t = text;
  if (t.size() == 8 && std::all_of(t.begin(), t.end(), ::isdigit)) {
    t = absl::StrCat(t.substr(0, 4), "-", t.substr(4, 2), "-", t.substr(6, 2));
  }
  if (t.size() > 10 && t[10] == 'T') t.resize(10);  // date-time
  absl::StatusOr<std::chrono::year_month_day> d = ParseIsoDate(t);
  if (!d.ok()) return std::nullopt;
  return *d;
}

// SIREN from a SIRET or SIREN, or "" when it is neither.
std::string SirenFrom(const std::string& id) {
  std::string digits;
  for (char c : id) {
    if (c != ' ') digits.push_back(c);
  }
  if (digits.size() == 14 && IsValidSiret(digits)) return digits.substr(0, 9);
  if (digits.size() == 9 && IsValidSiren(digits)) return digits;
  return "";
}

// ----- UN/CEFACT CII (CrossIndustryInvoice) and ZUGFeRD 1 (CrossIndustryDocument)

struct CiiParty {
  std::string name, siren, vat;
};

// A legal registration ID with scheme 0002 (SIREN), 0009 (SIRET) or none.
void SetSirenFromLegalId(const pugi::xml_node& legal, CiiParty* p) {
  std::string scheme = legal.attribute("schemeID").value();
  if (legal && (scheme == "0002" || scheme == "0009" || scheme.empty())) {
    p->siren = SirenFrom(Text(legal));
  }
}

// A French VAT number embeds the SIREN.
void FallBackToSirenOfFrenchVat(CiiParty* p) {
  if (p->siren.empty()) p->siren = SirenOfFrenchVat(NormalizeIdentifier(p->vat));
}

CiiParty ReadCiiParty(const pugi::xml_node& party) {
  CiiParty p;
  p.name = Text(Child(party, "Name"));
  for (const pugi::xml_node& reg : Children(party, "SpecifiedTaxRegistration")) {
    pugi::xml_node id = Child(reg, "ID");
    if (absl::string_view(id.attribute("schemeID").value()) == "VA") {
      p.vat = Text(id);  // as written; compare with NormalizeIdentifier
      break;
    }
  }
  SetSirenFromLegalId(Path(party, {"SpecifiedLegalOrganization", "ID"}), &p);
  FallBackToSirenOfFrenchVat(&p);
  return p;
}

// An address on one line from its parts (each a child, or a path of
// children "A/B"), empty parts left out.
std::string OneLineAddress(const pugi::xml_node& address,
                           std::initializer_list<absl::string_view> parts) {
  std::vector<std::string> out;
  for (absl::string_view part : parts) {
    pugi::xml_node node = address;
    for (absl::string_view step : absl::StrSplit(part, '/')) node = Child(node, step);
    std::string text = Text(node);
    if (!text.empty()) out.push_back(text);
  }
  return absl::StrJoin(out, ", ");
}

// The delivery address unless it is the buyer's (same letters and digits).
std::string DeliveryElsewhere(const std::string& delivery, const std::string& buyer) {
  auto key = [](const std::string& a) {
    std::string k;
    for (char c : a) {
      if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
        k.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
      }
    }
    return k;
  };
  return key(delivery) == key(buyer) ? std::string() : delivery;
}

void SetParties(const CiiParty& seller, const CiiParty& buyer, Fields* f) {
  f->supplier_name = seller.name;
  f->supplier_siren = seller.siren;
  f->supplier_vat = seller.vat;
  f->buyer_name = buyer.name;
  f->buyer_siren = buyer.siren;
  f->buyer_vat = buyer.vat;
}

EInvoice ParseCii(const pugi::xml_node& root, bool zugferd1) {
  EInvoice inv;
  inv.syntax = zugferd1 ? "CrossIndustryDocument" : "CrossIndustryInvoice";
  inv.profile = Text(Path(root, {zugferd1 ? "SpecifiedExchangedDocumentContext"
                                          : "ExchangedDocumentContext",
                                 "GuidelineSpecifiedDocumentContextParameter", "ID"}));
  inv.billing_context = Text(Path(root, {zugferd1 ? "SpecifiedExchangedDocumentContext"
                                                  : "ExchangedDocumentContext",
                                         "BusinessProcessSpecifiedDocumentContextParameter", "ID"}));
  Fields& f = inv.fields;
  pugi::xml_node doc = Child(root, zugferd1 ? "HeaderExchangedDocument"
                                            : "ExchangedDocument");
  f.invoice_number = Text(Child(doc, "ID"));
  f.type_code = Text(Child(doc, "TypeCode"));
  f.issue_date = DateValue(Text(Path(doc, {"IssueDateTime", "DateTimeString"})));

  pugi::xml_node tx = Child(root, zugferd1 ? "SpecifiedSupplyChainTradeTransaction"
                                           : "SupplyChainTradeTransaction");
  pugi::xml_node agreement =
      Child(tx, zugferd1 ? "ApplicableSupplyChainTradeAgreement"
                         : "ApplicableHeaderTradeAgreement");
  CiiParty seller = ReadCiiParty(Child(agreement, "SellerTradeParty"));
  CiiParty buyer = ReadCiiParty(Child(agreement, "BuyerTradeParty"));
  SetParties(seller, buyer, &f);
  const std::initializer_list<absl::string_view> kCiiAddress = {
      "LineOne", "LineTwo", "LineThree", "PostcodeCode", "CityName", "CountryID"};
  inv.delivery_address = DeliveryElsewhere(
      OneLineAddress(Path(tx, {zugferd1 ? "ApplicableSupplyChainTradeDelivery"
                                        : "ApplicableHeaderTradeDelivery",
                               "ShipToTradeParty", "PostalTradeAddress"}),
                     kCiiAddress),
      OneLineAddress(Path(agreement, {"BuyerTradeParty", "PostalTradeAddress"}), kCiiAddress));

  pugi::xml_node settlement =
      Child(tx, zugferd1 ? "ApplicableSupplyChainTradeSettlement"
                         : "ApplicableHeaderTradeSettlement");
  f.currency = Text(Child(settlement, "InvoiceCurrencyCode"));
  pugi::xml_node sums =
      Child(settlement, zugferd1 ? "SpecifiedTradeSettlementMonetarySummation"
                                 : "SpecifiedTradeSettlementHeaderMonetarySummation");
  f.total_excl_tax = Amount(Child(sums, "TaxBasisTotalAmount"));
  f.total_tax = AmountInCurrency(Children(sums, "TaxTotalAmount"), f.currency);
  f.total_tax_eur = TaxInEuros(Children(sums, "TaxTotalAmount"), f.currency);
  f.total_incl_tax = Amount(Child(sums, "GrandTotalAmount"));
  f.amount_due = Amount(Child(sums, "DuePayableAmount"));
  for (const pugi::xml_node& tax : Children(settlement, "ApplicableTradeTax")) {
    TaxLine line;
    line.rate = Rate(Path(tax, {"RateApplicablePercent|ApplicablePercent"}));
    line.base = Amount(Child(tax, "BasisAmount")).value_or(Money{});
    line.amount = Amount(Child(tax, "CalculatedAmount")).value_or(Money{});
    line.category = Text(Child(tax, "CategoryCode"));                 // BT-118
    line.exemption_reason = Text(Child(tax, "ExemptionReason"));      // BT-120
    line.exemption_reason_code = Text(Child(tax, "ExemptionReasonCode"));  // BT-121
    f.tax_breakdown.push_back(line);
    if (inv.vat_point_code.empty()) inv.vat_point_code = Text(Child(tax, "DueDateTypeCode"));
  }
  for (const pugi::xml_node& terms : Children(settlement, "SpecifiedTradePaymentTerms")) {
    if (!f.due_date) {
      f.due_date = DateValue(Text(Path(terms, {"DueDateDateTime", "DateTimeString"})));
    }
  }
  for (const pugi::xml_node& means :
       Children(settlement, "SpecifiedTradeSettlementPaymentMeans")) {
    std::string iban = NormalizeIdentifier(
        Text(Path(means, {"PayeePartyCreditorFinancialAccount", "IBANID"})));
    if (!iban.empty()) {
      f.iban = iban;
      break;
    }
  }
  return inv;
}

// ----- UBL 2.1 Invoice / CreditNote

CiiParty ReadUblParty(const pugi::xml_node& party) {
  CiiParty p;
  p.name = Text(Path(party, {"PartyLegalEntity", "RegistrationName"}));
  if (p.name.empty()) p.name = Text(Path(party, {"PartyName", "Name"}));
  for (const pugi::xml_node& scheme : Children(party, "PartyTaxScheme")) {
    if (absl::AsciiStrToUpper(Text(Path(scheme, {"TaxScheme", "ID"}))) == "VAT") {
      p.vat = Text(Child(scheme, "CompanyID"));
      break;
    }
  }
  SetSirenFromLegalId(Path(party, {"PartyLegalEntity", "CompanyID"}), &p);
  if (p.siren.empty()) {
    for (const pugi::xml_node& ident : Children(party, "PartyIdentification")) {
      pugi::xml_node id = Child(ident, "ID");
      std::string s = id.attribute("schemeID").value();
      if (s == "0002" || s == "0009") {
        p.siren = SirenFrom(Text(id));
        if (!p.siren.empty()) break;
      }
    }
  }
  FallBackToSirenOfFrenchVat(&p);
  return p;
}

EInvoice ParseUbl(const pugi::xml_node& root, bool credit_note) {
  EInvoice inv;
  inv.syntax = credit_note ? "CreditNote" : "Invoice";
  inv.profile = Text(Child(root, "CustomizationID"));
  Fields& f = inv.fields;
  f.invoice_number = Text(Child(root, "ID"));
  f.type_code = Text(Child(root, credit_note ? "CreditNoteTypeCode" : "InvoiceTypeCode"));
  f.issue_date = DateValue(Text(Child(root, "IssueDate")));
  f.due_date = DateValue(Text(Child(root, "DueDate")));
  f.currency = Text(Child(root, "DocumentCurrencyCode"));
  CiiParty seller = ReadUblParty(Path(root, {"AccountingSupplierParty", "Party"}));
  CiiParty buyer = ReadUblParty(Path(root, {"AccountingCustomerParty", "Party"}));
  SetParties(seller, buyer, &f);
  inv.billing_context = Text(Child(root, "ProfileID"));
  inv.vat_point_code = Text(Path(root, {"InvoicePeriod", "DescriptionCode"}));
  const std::initializer_list<absl::string_view> kUblAddress = {
      "StreetName", "AdditionalStreetName", "PostalZone", "CityName", "Country/IdentificationCode"};
  pugi::xml_node buyer_address = Path(root, {"AccountingCustomerParty", "Party", "PostalAddress"});
  pugi::xml_node delivery = Path(root, {"Delivery", "DeliveryLocation", "Address"});
  inv.delivery_address = DeliveryElsewhere(OneLineAddress(delivery, kUblAddress),
                                           OneLineAddress(buyer_address, kUblAddress));
  pugi::xml_node totals = Child(root, "LegalMonetaryTotal");
  f.total_excl_tax = Amount(Child(totals, "TaxExclusiveAmount"));
  f.total_incl_tax = Amount(Child(totals, "TaxInclusiveAmount"));
  f.amount_due = Amount(Child(totals, "PayableAmount"));
  // Several TaxTotal when VAT is also stated in the accounting currency;
  // only the one with subtotals carries the breakdown.
  std::vector<pugi::xml_node> tax_amounts;
  pugi::xml_node main_total;
  for (const pugi::xml_node& total : Children(root, "TaxTotal")) {
    tax_amounts.push_back(Child(total, "TaxAmount"));
    if (!main_total && !Children(total, "TaxSubtotal").empty()) main_total = total;
  }
  f.total_tax = AmountInCurrency(tax_amounts, f.currency);
  f.total_tax_eur = TaxInEuros(tax_amounts, f.currency);
  for (const pugi::xml_node& sub : Children(main_total, "TaxSubtotal")) {
    TaxLine line;
    line.rate = Rate(Path(sub, {"TaxCategory", "Percent"}));
    line.base = Amount(Child(sub, "TaxableAmount")).value_or(Money{});
    line.amount = Amount(Child(sub, "TaxAmount")).value_or(Money{});
    line.category = Text(Path(sub, {"TaxCategory", "ID"}));  // BT-118
    line.exemption_reason = Text(Path(sub, {"TaxCategory", "TaxExemptionReason"}));
    line.exemption_reason_code = Text(Path(sub, {"TaxCategory", "TaxExemptionReasonCode"}));
    f.tax_breakdown.push_back(line);
  }
  for (const pugi::xml_node& means : Children(root, "PaymentMeans")) {
    if (!f.due_date) f.due_date = DateValue(Text(Child(means, "PaymentDueDate")));
    std::string iban = NormalizeIdentifier(Text(Path(means, {"PayeeFinancialAccount", "ID"})));
    if (f.iban.empty() && IsValidIban(iban)) f.iban = iban;
  }
  return inv;
}

}  // namespace

bool LooksLikeXml(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  size_t i = 0;
  while (i < bytes.size() && i < 4096 &&
         absl::ascii_isspace(static_cast<unsigned char>(bytes[i]))) {
    ++i;
  }
  return i < bytes.size() && bytes[i] == '<' &&
         (absl::StartsWith(bytes.substr(i), "<?xml") ||
          (i + 1 < bytes.size() &&
           (absl::ascii_isalpha(static_cast<unsigned char>(bytes[i + 1])) ||
            bytes[i + 1] == '!')));
}

absl::StatusOr<EInvoice> ParseEInvoiceXml(absl::string_view xml) {
  if (xml.size() > kMaxEInvoiceXmlBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "XML of ", xml.size(), " bytes is over the ", kMaxEInvoiceXmlBytes,
        "-byte limit"));
  }
  // Invoices never carry a DTD; refusing them closes the door on entity
  // expansion and external entities whatever the parser would do.
  if (xml.find("<!DOCTYPE") != absl::string_view::npos ||
      xml.find("<!ENTITY") != absl::string_view::npos) {
    return absl::InvalidArgumentError("XML with a DTD or entities is refused");
  }
  pugi::xml_document doc;
  // No parse_doctype: pugixml then skips nothing it would expand.
  pugi::xml_parse_result parsed = doc.load_buffer(
      xml.data(), xml.size(),
      pugi::parse_default & ~pugi::parse_doctype & ~pugi::parse_pi,
      pugi::encoding_auto);
  if (!parsed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "XML not well-formed at byte ", parsed.offset, ": ",
        parsed.description()));
  }
  pugi::xml_node root = doc.document_element();
  absl::string_view name = LocalName(root);
  if (name == "CrossIndustryInvoice") return ParseCii(root, false);
  if (name == "CrossIndustryDocument") return ParseCii(root, true);
  if (name == "Invoice") return ParseUbl(root, false);
  if (name == "CreditNote") return ParseUbl(root, true);
  return absl::FailedPreconditionError(
      absl::StrCat("XML document <", name, "> is not an invoice"));
}

}  // namespace liasse
