#include "workflows/validate.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "workflows/identifiers.h"
#include "workflows/money.h"

namespace liasse {
namespace {

Check Make(std::string code, bool ok, std::string severity, std::string fr, std::string en) {
  return Check{std::move(code), ok, std::move(severity), std::move(fr), std::move(en)};
}

std::string Euros(Money m) { return FormatDecimal(m); }

int DaysBetween(std::chrono::year_month_day a, std::chrono::year_month_day b) {
  return (std::chrono::sys_days(b) - std::chrono::sys_days(a)).count();
}

}  // namespace

std::vector<int64_t> LegalVatRates(const std::string& country) {
  static const std::map<std::string, std::vector<int64_t>> kRates = {
      // France: standard, intermediate, reduced, super-reduced; Corsica 13 and
      // 0.9; overseas departments 8.5, 1.75, 1.05; 0 with an exemption.
      {"FR", {0, 2000, 1000, 550, 210, 1300, 90, 850, 175, 105}},
      {"DE", {0, 1900, 700}},        {"NL", {0, 2100, 900}},
      {"BE", {0, 2100, 1200, 600}},  {"LU", {0, 1700, 1600, 1400, 800, 300}},
      {"IT", {0, 2200, 1000, 500, 400}}, {"ES", {0, 2100, 1000, 400, 500}},
      {"PT", {0, 2300, 1300, 600}},  {"AT", {0, 2000, 1300, 1000}},
      {"IE", {0, 2300, 1350, 900, 480}}, {"DK", {0, 2500}},
      {"SE", {0, 2500, 1200, 600}},  {"FI", {0, 2400, 2550, 1400, 1000}},
      {"PL", {0, 2300, 800, 500}},   {"GB", {0, 2000, 500}},
      {"CH", {0, 810, 770, 380, 370, 260, 250}}, {"NO", {0, 2500, 1500, 1200}},
  };
  auto it = kRates.find(country);
  return it == kRates.end() ? std::vector<int64_t>() : it->second;
}

std::vector<Check> Validate(const ValidationInput& in) {
  std::vector<Check> checks;
  const Fields& f = in.fields;
  bool priced = in.doc_type == DocType::kInvoice || in.doc_type == DocType::kCreditNote ||
                in.doc_type == DocType::kReceipt;

  if (in.ocr_confidence) {
    bool ok = *in.ocr_confidence >= in.min_ocr_confidence;
    checks.push_back(Make("readable", ok, "error",
                          "Document peu lisible : merci d'envoyer un meilleur scan.",
                          "Hard to read: please send a better scan."));
  }

  if (f.total_excl_tax && f.total_tax && f.total_incl_tax) {
    int64_t tolerance = std::max<int64_t>(1, static_cast<int64_t>(f.tax_breakdown.size()));
    int64_t diff = f.total_excl_tax->cents + f.total_tax->cents - f.total_incl_tax->cents;
    bool ok = std::llabs(diff) <= tolerance;
    checks.push_back(Make(
        "totals_consistent", ok, "error",
        absl::StrCat("HT ", Euros(*f.total_excl_tax), " + TVA ", Euros(*f.total_tax),
                     ok ? " = TTC " : " ≠ TTC ", Euros(*f.total_incl_tax)),
        absl::StrCat("net ", Euros(*f.total_excl_tax), " + VAT ", Euros(*f.total_tax),
                     ok ? " = total " : " ≠ total ", Euros(*f.total_incl_tax))));
  }
  for (const TaxLine& t : f.tax_breakdown) {
    if (t.rate == 0) continue;
    // base × rate, to the cent, within a cent of rounding.
    int64_t expected = (t.base.cents * t.rate + (t.base.cents >= 0 ? 5000 : -5000)) / 10000;
    bool ok = std::llabs(expected - t.amount.cents) <= 1;
    if (!ok) {
      checks.push_back(Make("tax_line", false, "warning",
                            absl::StrCat("TVA ", FormatRate(t.rate), " % sur ", Euros(t.base),
                                         " : ", Euros(t.amount), " au lieu de ",
                                         Euros(Money{expected})),
                            absl::StrCat("VAT ", FormatRate(t.rate), " % on ", Euros(t.base), ": ",
                                         Euros(t.amount), " instead of ", Euros(Money{expected}))));
    }
  }

  std::string country = NormalizeIdentifier(f.supplier_vat).substr(0, 2);
  if (country.empty() && !f.supplier_siren.empty()) country = "FR";
  std::vector<int64_t> legal = LegalVatRates(country);
  if (!legal.empty() && !f.tax_breakdown.empty()) {
    std::vector<std::string> illegal;
    for (const TaxLine& t : f.tax_breakdown) {
      if (std::find(legal.begin(), legal.end(), t.rate) == legal.end()) {
        illegal.push_back(FormatRate(t.rate));
      }
    }
    checks.push_back(Make("vat_rate", illegal.empty(), "error",
                          illegal.empty() ? "Taux de TVA valides."
                                          : absl::StrCat("Taux de TVA inconnu(s) en ", country,
                                                         " : ", absl::StrJoin(illegal, ", "), " %"),
                          illegal.empty() ? "VAT rates valid."
                                          : absl::StrCat("VAT rate(s) not used in ", country, ": ",
                                                         absl::StrJoin(illegal, ", "), " %")));
  }

  if (f.issue_date && in.today.ok()) {
    int age = DaysBetween(*f.issue_date, in.today);
    bool ok = age >= -1 && age <= 366 * 10;
    checks.push_back(Make("date_plausible", ok, "error",
                          age < -1 ? "Date du document dans le futur."
                                   : ok ? "Date plausible." : "Date de plus de dix ans.",
                          age < -1 ? "Document dated in the future."
                                   : ok ? "Date plausible." : "Date more than ten years ago."));
  }

  bool ids_ok = (f.supplier_siren.empty() || IsValidSiren(f.supplier_siren)) &&
                (f.supplier_vat.empty() || IsValidVat(NormalizeIdentifier(f.supplier_vat))) &&
                (f.iban.empty() || IsValidIban(f.iban));
  if (!f.supplier_siren.empty() || !f.supplier_vat.empty() || !f.iban.empty()) {
    checks.push_back(Make("identifiers", ids_ok, "error",
                          ids_ok ? "SIREN, TVA et IBAN valides." : "SIREN, n° de TVA ou IBAN invalide.",
                          ids_ok ? "SIREN, VAT and IBAN valid." : "Invalid SIREN, VAT number or IBAN."));
  }

  if (priced) {
    bool ok = f.total_incl_tax.has_value() && f.issue_date.has_value();
    checks.push_back(Make("amount_and_date", ok, "error",
                          ok ? "Montant et date lus." : "Montant ou date introuvable.",
                          ok ? "Amount and date read." : "Amount or date not found."));
  }

  // CGI art. 242 nonies A: mandatory mentions of a French invoice, reported
  // as warnings; simplified rules at 150 € HT or less.
  if ((in.doc_type == DocType::kInvoice || in.doc_type == DocType::kCreditNote) &&
      country == "FR") {
    std::vector<std::string> missing;
    bool simplified = f.total_excl_tax && f.total_excl_tax->cents <= 15000;
    if (f.invoice_number.empty()) missing.push_back("numéro / number");
    if (!f.issue_date) missing.push_back("date");
    if (f.supplier_name.empty()) missing.push_back("vendeur / seller");
    if (f.supplier_siren.empty() && !simplified) missing.push_back("SIREN");
    if (f.supplier_vat.empty() && !simplified) missing.push_back("TVA vendeur / seller VAT");
    if (!f.total_excl_tax && !simplified) missing.push_back("total HT / net");
    if (!f.total_tax) missing.push_back("TVA / VAT");
    if (!f.total_incl_tax) missing.push_back("TTC / total");
    // 2026 reform: the buyer's SIREN on invoices between French businesses;
    // a buyer whose VAT number is another country's has none.
    std::string buyer_vat = NormalizeIdentifier(f.buyer_vat);
    bool foreign_buyer = buyer_vat.size() >= 2 && buyer_vat.substr(0, 2) != "FR";
    if (f.buyer_siren.empty() && !simplified && !foreign_buyer) {
      missing.push_back("SIREN acheteur / buyer SIREN");
    }
    std::string list = absl::StrJoin(missing, ", ");
    checks.push_back(Make("mandatory_mentions", missing.empty(), "warning",
                          missing.empty() ? "Mentions obligatoires présentes."
                                          : absl::StrCat("Mentions manquantes : ", list),
                          missing.empty() ? "Mandatory mentions present."
                                          : absl::StrCat("Missing mentions: ", list)));
  }
  return checks;
}

Check DuplicateCheck(const Fields& fields, const std::vector<Fields>& others) {
  auto same_supplier = [&](const Fields& o) {
    std::string a = NormalizeIdentifier(fields.supplier_vat), b = NormalizeIdentifier(o.supplier_vat);
    if (!a.empty() && !b.empty()) return a == b;
    if (!fields.supplier_siren.empty() && !o.supplier_siren.empty()) {
      return fields.supplier_siren == o.supplier_siren;
    }
    return NormalizeIdentifier(fields.supplier_name) == NormalizeIdentifier(o.supplier_name);
  };
  for (const Fields& o : others) {
    if (o.invoice_number == fields.invoice_number && same_supplier(o) &&
        o.total_incl_tax == fields.total_incl_tax) {
      return Make("duplicate", false, "error",
                  absl::StrCat("Doublon probable : facture ", fields.invoice_number,
                               " déjà reçue pour ce client."),
                  absl::StrCat("Probable duplicate: invoice ", fields.invoice_number,
                               " already received for this client."));
    }
  }
  return Make("duplicate", true, "error", "Pas de doublon.", "No duplicate.");
}

std::optional<Check> HybridTotalCheck(const Fields& xml, const std::optional<Money>& printed_total,
                                      bool printed_sure) {
  if (!printed_sure || !printed_total || !xml.total_incl_tax) return std::nullopt;
  auto same = [&](const std::optional<Money>& m) {
    return m && std::llabs(m->cents) == std::llabs(printed_total->cents);
  };
  bool ok = same(xml.total_incl_tax) || same(xml.amount_due);
  std::string printed = FormatDecimal(*printed_total);
  std::string in_xml = FormatDecimal(*xml.total_incl_tax);
  return Make("einvoice_printed_total", ok, "error",
              ok ? absl::StrCat("Le total imprimé (", printed, ") est celui du XML.")
                 : absl::StrCat("Le total imprimé (", printed, ") diffère du total du XML (",
                                in_xml, ") : le XML est l'original légal, à vérifier."),
              ok ? absl::StrCat("The printed total (", printed, ") is the XML's.")
                 : absl::StrCat("The printed total (", printed, ") differs from the XML's (",
                                in_xml, "): the XML is the legal original, to be checked."));
}

std::optional<TaxLine> PrintedSingleRate(Money excl, Money tax, absl::string_view printed) {
  if (excl.cents <= 0 || tax.cents <= 0) return std::nullopt;
  std::optional<int64_t> found;
  for (int64_t rate : {2000, 1000, 850, 550, 210}) {
    int64_t vat = (excl.cents * rate + 5000) / 10000;
    if (std::llabs(vat - tax.cents) > 1) continue;
    if (found) return std::nullopt;  // two rates fit: not one
    found = rate;
  }
  if (!found) return std::nullopt;
  // The rate as printed: "20", "20,0", "20.00", "5,5", "5.50", then "%".
  std::string whole = absl::StrCat(*found / 100);
  int64_t cents = *found % 100;
  std::string text(printed);
  bool shown = false;
  for (size_t at = text.find(whole); at != std::string::npos && !shown;
       at = text.find(whole, at + 1)) {
    if (at > 0 && absl::ascii_isdigit(static_cast<unsigned char>(text[at - 1]))) continue;
    size_t i = at + whole.size();
    std::string decimals;
    if (i < text.size() && (text[i] == ',' || text[i] == '.')) {
      ++i;
      while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
        decimals.push_back(text[i++]);
      }
    }
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '%') continue;
    decimals.resize(2, '0');
    shown = std::stoll(decimals) == cents;
  }
  if (!shown) return std::nullopt;
  TaxLine line;
  line.rate = *found;
  line.base = excl;
  line.amount = tax;
  line.category = "S";
  return line;
}

std::optional<Check> EInvoiceReformCheck(const Fields& f, const ReformMentions& m) {
  auto french = [](const std::string& vat, const std::string& siren) {
    std::string v = NormalizeIdentifier(vat);
    return v.empty() ? !siren.empty() : v.substr(0, 2) == "FR";
  };
  if (!french(f.supplier_vat, f.supplier_siren) || !french(f.buyer_vat, f.buyer_siren)) {
    return std::nullopt;
  }
  const char nature = m.billing_context.empty() ? 0 : absl::ascii_toupper(m.billing_context[0]);
  const bool known = nature == 'B' || nature == 'S' || nature == 'M';
  std::string fr, en;
  if (known) {
    fr = absl::StrCat("Nature de l'opération : ",
                      nature == 'B' ? "biens" : nature == 'S' ? "services" : "biens et services",
                      " (", m.billing_context, ")");
    en = absl::StrCat("Nature of the operation: ",
                      nature == 'B' ? "goods" : nature == 'S' ? "services" : "goods and services",
                      " (", m.billing_context, ")");
  } else {
    fr = "Mention manquante : nature de l'opération (biens, services ou les deux, BT-23)";
    en = "Missing mention: nature of the operation (goods, services or both, BT-23)";
  }
  const bool debits = m.vat_point_code == "5" || m.vat_point_code == "3";
  if (nature != 'B') {
    absl::StrAppend(&fr, debits ? " ; option pour la TVA d'après les débits"
                                : " ; pas d'option pour la TVA d'après les débits");
    absl::StrAppend(&en, debits ? "; option for VAT on debits" : "; no option for VAT on debits");
  }
  if (!m.delivery_address.empty()) {
    absl::StrAppend(&fr, " ; adresse de livraison : ", m.delivery_address);
    absl::StrAppend(&en, "; delivery address: ", m.delivery_address);
  }
  return Make("einvoice_reform_mentions", known, "warning", fr + ".", en + ".");
}

std::optional<Check> EInvoiceProfileCheck(const std::string& profile) {
  if (profile.empty()) return std::nullopt;
  std::string p = absl::AsciiStrToLower(profile);
  std::string name = absl::StrContains(p, "minimum")   ? "MINIMUM"
                     : absl::StrContains(p, "basicwl") ? "BASIC WL"
                                                       : "";
  Check c;
  c.code = "einvoice_profile";
  c.severity = "warning";
  c.ok = name.empty();
  if (c.ok) {
    c.message_fr = absl::StrCat("Profil de facture électronique : ", profile);
    c.message_en = absl::StrCat("E-invoice profile: ", profile);
  } else {
    c.message_fr = absl::StrCat("Profil ", name,
                                " : pas de lignes de facture, ce n'est pas une facture complète "
                                "(la page imprimée fait foi pour le détail)");
    c.message_en = absl::StrCat(name, " profile: no invoice lines, not a complete invoice (the "
                                      "printed page holds the detail)");
  }
  return c;
}

bool HasBlockingFailure(const std::vector<Check>& checks) {
  return std::any_of(checks.begin(), checks.end(),
                     [](const Check& c) { return !c.ok && c.severity == "error"; });
}

}  // namespace liasse
