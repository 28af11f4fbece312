#include "workflows/text_fields.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"
#include "workflows/printed.h"

namespace liasse {
namespace {

using Ymd = std::chrono::year_month_day;

// ---------- labels

const RE2& StrongTotalRe() {
  static const RE2 re(
      R"((?i)(total\s*t\.?\s*t\.?\s*c|net\s*[àa]\s*payer|montant\s*t\.?\s*t\.?\s*c|total\s*[àa]\s*payer|montant\s*[àa]\s*payer|amount\s*due|total\s*due|balance\s*due|grand\s*total|total\s*amount|invoice\s*total|total\s*incl|total\s*\(?incl|rounded\s*total|total\s*rounded|gesamtbetrag|rechnungsbetrag|endbetrag|zu\s*zahlen|zahlbetrag|gesamtsumme|bruttobetrag|te\s*betalen|totaal|total\s*eur\b|total\s*\(?rm\)?|total\s*\(?€\)?|summe\b|total\s*sales|nett\s*total|net\s*total))");
  return re;
}

const RE2& WeakTotalRe() {
  static const RE2 re(R"((?i)(\btotal\b|\b[tj7][o0]t[a@][l1]\b|\bgesamt\b|\bsomme\b|\bmontant\b|betrag\b))");
  return re;
}

const RE2& NetRe() {
  static const RE2 re(
      R"((?i)(total\s*h\.?\s*t|montant\s*h\.?\s*t|untaxed|\bhors\s*taxes?\b|\bht\b|sous[-\s]*total|sub[-\s]*total|net\s*amount|total\s*excl|amount\s*excl|nettobetrag|netto|zwischensumme|total\s*before\s*tax|excl\.?\s*(?:vat|btw|tax|gst)|\btaxable\b|imposable|steuerpflichtig|base\s*h\.?t|total\s*net\b|totaal\s*excl|montant\s*net|prix\s*h\.?t|total\s*hors\s*taxe|ohne\s*(?:mwst|ust|umsatzsteuer)|summe\s*netto|netto\s*summe|steuerbasis))");
  return re;
}

const RE2& TaxRe() {
  static const RE2 re(
      R"((?i)(\bt\.?\s?v\.?\s?a\b|\bvat\b|\bgst\b|mwst|\bust\b|umsatzsteuer|mehrwertsteuer|steuerbetrag|\bsteuer\b|\btax(?:es)?\b|\bbtw\b|\bsst\b))");
  return re;
}

// "Total GST : 2.70", "Total TVA", "MwSt gesamt": the tax's own total, not
// the document's.
const RE2& TaxTotalRe() {
  static const RE2 re(
      R"((?i)(total\s*(?:amount\s*)?(?:of\s*)?(?:gst|tax|vat|t\.?v\.?a|mwst|btw|sst)\b|\b(?:gst|tax|vat|tva|mwst|ust|btw)\s*(?:total|gesamt|summe)|total\s*taxes|steuerbetrag|(?:ust|mwst)\.?[-\s]?betrag|montant\s*(?:de\s*la\s*)?tva|(?:tax|vat|gst)\s*amount|btw[-\s]?bedrag))");
  return re;
}

// Says the amount includes the tax ("Total incl. GST", "TTC", "brutto").
const RE2& InclusiveRe() {
  static const RE2 re(R"((?i)(incl|inkl|including|inclusive|t\.?\s?t\.?\s?c\b|brutto|tax\s*included))");
  return re;
}

// Says the amount excludes the tax, even on a line that also says "total
// sales" ("Total Sales (Excluding GST)").
const RE2& ExclusiveRe() {
  static const RE2 re(
      R"((?i)(excl|exclusive|excluding|hors\s*tax|\bh\.?\s?t\b|ohne\s*(?:mwst|ust)|before\s*tax|netto|sub[-\s]*total|sous[-\s]*total))");
  return re;
}

// A table's column headings: the amounts on the next line are the first
// row's, not the heading's.
const RE2& ColumnHeaderRe() {
  static const RE2 re(
      R"((?i)(\bqty\b|quantit|\bqt[ée]\b|\bprice\b|\bprix\b|\bunit\b|\bcode\b|description|d[ée]signation|\bamount\s+tax\b|\bitem\b|\barticle\b|\bmenge\b|einzelpreis|\bamt\b|\buom\b))");
  return re;
}

const RE2& NotTotalRe() {
  static const RE2 re(
      R"((?i)(cash|change|tendered|rendu|esp[eè]ces|bezahlt|gegeben|r[üu]ckgeld|paid|payment|card|carte|visa|master|discount|remise|rabais|qty|quantit|items|articles|prix\s*unit|unit\s*price|rounding\s*adj|arrondi|points|saving|[ée]conomie))");
  return re;
}

const RE2& DueLabelRe() {
  static const RE2 re(
      R"((?i)([ée]ch[ée]ance|due\s*date|date\s*due|payable|f[äa]llig|zahlbar|valid|expir|livraison|delivery|lieferdatum|leistungsdatum|vervaldatum|period|p[ée]riode|zeitraum|date\s*limite|limite\s*de\s*paiement|payer\s*avant|pr[ée]l[eè]v|\bdu\s+\d[^\n]*\bau\s+\d|\bfrom\s+\d[^\n]*\bto\s+\d|\bvom\s+\d[^\n]*\bbis\b))");
  return re;
}

const RE2& IssueLabelRe() {
  static const RE2 re(
      R"((?i)(date\s*(de\s*)?(la\s*)?facture|invoice\s*date|date\s*d'?\s*[ée]mission|rechnungsdatum|factuurdatum|\bdatum\b|\bdate\b|\bdated\b|\ble\s+\d|\bdu\s+\d|orderdatum|belegdatum|(?:rechnung|gutschrift|facture|avoir|invoice)\w*\b[^\n]*\b(?:nr|no|n[°o]|nummer|number|#)[^\n]*\b(?:vom|von|du|dated|of)\b))");
  return re;
}

// A time of day as tills print it: "13:49", "08h12".
const RE2& TimeOfDayRe() {
  static const RE2 re(R"((?:^|\D)(?:[01]?\d|2[0-3])[:h][0-5]\d(?:\D|$))");
  return re;
}

// ---------- identifiers

bool CountryVatShape(const std::string& vat) {
  static const std::map<std::string, RE2*>* shapes = new std::map<std::string, RE2*>{
      {"FR", new RE2(R"(FR[0-9A-Z]{2}\d{9})")}, {"DE", new RE2(R"(DE\d{9})")},
      {"NL", new RE2(R"(NL\d{9}B\d{2})")},       {"BE", new RE2(R"(BE[01]\d{9})")},
      {"IT", new RE2(R"(IT\d{11})")},            {"ES", new RE2(R"(ES[0-9A-Z]\d{7}[0-9A-Z])")},
      {"LU", new RE2(R"(LU\d{8})")},             {"AT", new RE2(R"(ATU\d{8})")},
      {"GB", new RE2(R"(GB(\d{9}|\d{12}))")},    {"PT", new RE2(R"(PT\d{9})")},
      {"IE", new RE2(R"(IE\d[0-9A-Z]\d{5}[A-Z]{1,2})")}, {"DK", new RE2(R"(DK\d{8})")},
      {"SE", new RE2(R"(SE\d{12})")},            {"FI", new RE2(R"(FI\d{8})")},
      {"PL", new RE2(R"(PL\d{10})")},            {"CH", new RE2(R"(CHE\d{9}(MWST|TVA|IVA)?)")},
  };
  if (vat.size() < 4) return false;
  auto it = shapes->find(vat.substr(0, 2));
  if (it == shapes->end()) return false;
  if (!RE2::FullMatch(vat, *it->second)) return false;
  return vat.substr(0, 2) != "FR" || IsValidFrenchVat(vat);
}

std::vector<std::string> SplitLines(absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(text, absl::ByAnyChar("\n\f"))) {
    lines.emplace_back(absl::StripAsciiWhitespace(l));
  }
  return lines;
}

struct Candidate {
  Money amount;
  int score;
  size_t line;         // of the label
  size_t amount_line;  // the figure's: the label's, or the next under it
};

// Where the labels of nets, taxes and totals sit on a line, in order; a
// label inside a longer one ("total" in "Total HT") is not counted again.
struct LabelSpan {
  size_t begin, end;
  int kind;  // 0 net, 1 tax, 2 total
};

std::vector<LabelSpan> LabelSpans(const std::string& line) {
  std::vector<LabelSpan> spans;
  const std::pair<const RE2*, int> kinds[] = {{&NetRe(), 0},         {&TaxTotalRe(), 1},
                                              {&StrongTotalRe(), 2}, {&TaxRe(), 1},
                                              {&WeakTotalRe(), 2}};
  for (const auto& [re, kind] : kinds) {
    re2::StringPiece input(line);
    re2::StringPiece match;
    while (RE2::FindAndConsume(&input, *re, &match) && !match.empty()) {
      size_t begin = static_cast<size_t>(match.data() - line.data());
      size_t end = begin + match.size();
      bool overlaps = std::any_of(spans.begin(), spans.end(), [&](const LabelSpan& s) {
        return begin < s.end && end > s.begin;
      });
      if (!overlaps) spans.push_back({begin, end, kind});
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const LabelSpan& a, const LabelSpan& b) { return a.begin < b.begin; });
  return spans;
}

// One row of a VAT summary ("B 7% 8,87 0,62 9,49", "TVA 20 % 100,00 20,00",
// "A=19,00% 13,78 11,58"): a rate, then two or three of net, tax and gross
// in any order. A row counts only when its figures agree with its rate, so
// an OCR slip in one figure is outvoted by the two others.
struct TaxRow {
  int64_t net = 0, tax = 0, gross = 0;
  size_t line = 0;
};

std::vector<TaxRow> TaxTableRows(const std::vector<std::string>& lines) {
  static const RE2 rate_re(R"((?:^|[^\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%)");
  std::vector<TaxRow> rows;
  for (size_t i = 0; i < lines.size(); ++i) {
    re2::StringPiece input(lines[i]);
    std::string rate_text;
    if (!RE2::FindAndConsume(&input, rate_re, &rate_text)) continue;
    std::replace(rate_text.begin(), rate_text.end(), ',', '.');
    double rate = std::atof(rate_text.c_str()) / 100.0;
    if (rate <= 0 || rate > 0.27) continue;
    std::vector<Money> amounts = AmountsInLine(absl::string_view(input.data(), input.size()));
    if (amounts.size() < 2 || amounts.size() > 4) continue;
    auto fits_rate = [rate](int64_t net, int64_t tax) {
      return net > 0 && tax > 0 && std::abs(static_cast<double>(net) * rate - tax) <= 1.01;
    };
    std::optional<TaxRow> row;
    for (size_t a = 0; a < amounts.size() && !row; ++a) {
      for (size_t b = 0; b < amounts.size() && !row; ++b) {
        if (a == b) continue;
        int64_t x = amounts[a].cents, y = amounts[b].cents;
        // Net and tax agree with the rate (and with a gross when printed),
        // or net and gross do (the tax figure misread).
        if (fits_rate(x, y)) {
          row = TaxRow{x, y, x + y, i};
        } else if (x > 0 && y > x && fits_rate(x, y - x)) {
          row = TaxRow{x, y - x, y, i};
        }
      }
    }
    if (row) rows.push_back(*row);
  }
  return rows;
}

// The supplier's name from the letterhead, by its shape: among the first
// lines that read like a name (letters, whole words, no figures to pay, no
// contact details), the one carrying a legal form (SARL, GmbH, Ltd, Sdn
// Bhd…) or printed beside a registration number (SIRET, VAT, company
// number), else the first; never the owner named under the shop's name
// ("Owned By: … SDN BHD"). A registration number on the name's own line is
// cut off.
// "Sdn Bhd" as OCR reads it ("SON BHD", "SUM BH", "Sdn.Rhd"), the right
// spelling included: a legal form either way.
constexpr char kSdnBhdAsRead[] = R"(\bs[dIloO0u][nm]\.?\s*[br8]h[d]?\b)";

std::string SupplierName(const std::vector<std::string>& lines) {
  static const RE2 not_name(
      R"((?i)(facture|invoice|rechnung|receipt|re[çc]u|ticket|page|date|tel\b|t[ée]l[ée]phone|fax|www\.|https?:|\.(?:com|fr|de|net|org|my)\b|@|n[°o]\s|copy|copie|original|bienvenue|welcome|merci|thank|danke|goods\s*sold|returnable|refundable|\bjalan\b|\bjln\b|\brue\b|stra(?:ss|ß)e\b|\bstr\.\s|\bavenue\b|\broad\b|\bstreet\b|\blot\s*\d|\bno\.\s*\d))");
  static const RE2 legal_form(absl::StrCat(
      R"((?i)()", kSdnBhdAsRead, R"(|\bs/b\b|\bbhd\b|\bsarl\b|\bsas\b|\bsasu\b|\beurl\b|\bsnc\b|\bselarl\b|\bs\.a\.?(?:\s|$)|\bsa\s*$|\bgmbh\b|\bag\b|\bkg\b|\bohg\b|\bug\b|\be\.\s?k\.|\bltd\b|\blimited\b|\bllc\b|\bllp\b|\binc\b|\bplc\b|\bcorp\b|\bpte\b|\bb\.?v\.?(?:\s|$)|\bn\.?v\.?(?:\s|$)|\bs\.?r\.?l\.?\b|\bs\.?p\.?a\.?\b))"));
  // A company's registration (beside its name) and tax numbers (often
  // under the address): where one starts, the name on that line ends.
  static const RE2 company_id(
      R"((?i)(\bco\.?\s*-?\s*re[gi]|company\s*(?:reg|no)|\breg(?:istration)?\.?\s*no|\bsiret\b|\bsiren\b|\brcs\b|\bhrb?\s*\d|\(\s*[A-Z]{0,3}\d{5,}\s*-?\s*[A-Z]?\s*\)|\([^()]*\d{3,}[^()]*\)?\s*$|^\s*[A-Z]{0,3}\d{5,}\s*-\s*[A-Z]\s*$))");
  static const RE2 tax_id(
      R"((?i)(\bgst\s*(?:id|reg|no)|\bvat\s*(?:no|reg|number|id)|\btva\b|\bust\.?-?\s?id|steuer-?\s?n(?:r|ummer)|\babn\b))");
  static const RE2 long_number(R"(\d{3,})");
  auto name_part = [&](const std::string& line, bool* id_here) {
    std::string name = line;
    for (const RE2* re : {&company_id, &tax_id}) {
      re2::StringPiece id;
      if (RE2::PartialMatch(name, *re, &id)) {
        name = std::string(absl::StripAsciiWhitespace(
            name.substr(0, static_cast<size_t>(id.data() - name.data()))));
        if (re == &company_id) *id_here = true;
      }
    }
    while (!name.empty() && (name.back() == '(' || name.back() == '-' || name.back() == ',' ||
                             name.back() == ' ')) {
      name.pop_back();
    }
    return name;
  };
  auto reads_like_a_name = [&](const std::string& line) {
    int letters = 0, in_words = 0;
    for (char c : line) letters += absl::ascii_isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
    // OCR noise reads as runs of two-letter "words": a name has real words.
    for (absl::string_view word : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      int w = 0;
      for (char c : word) w += absl::ascii_isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
      if (w >= 3) in_words += w;
    }
    // Postcodes, street numbers and phone numbers are addresses.
    return letters >= 3 && letters * 2 >= static_cast<int>(line.size()) && in_words * 2 >= letters &&
           !RE2::PartialMatch(line, not_name) && !RE2::PartialMatch(line, long_number) &&
           AmountsInLine(line).empty();
  };
  struct Named {
    std::string name;
    double score;
    size_t line;
    bool vouched;  // a legal form, or a registration number beside it
  };
  // "Owned by:", "exploité par": the shop's owner follows; the name above
  // is the shop's, as its customers and its card payments know it.
  static const RE2 owner_follows(
      R"((?i)(\b(?:owned|operated|managed)\s+by\b|\bexploit[ée]e?\s+par\b|\bbetrieben\s+von\b|\binhaber\s*:))");
  std::optional<Named> best;
  size_t top = std::min<size_t>(lines.size(), 12);
  for (size_t i = 0, seen = 0; i < top; ++i) {
    if (lines[i].empty()) continue;
    if (best && RE2::PartialMatch(lines[i], owner_follows)) {
      best->vouched = true;
      break;
    }
    ++seen;
    bool id_here = false;
    std::string line = name_part(lines[i], &id_here);
    if (!reads_like_a_name(line)) continue;
    double score = -0.5 * static_cast<double>(seen);
    bool has_form = RE2::PartialMatch(line, legal_form);
    if (has_form) score += 3;
    size_t next = i + 1;
    while (next < lines.size() && lines[next].empty()) ++next;
    bool id_next = next < lines.size() && RE2::PartialMatch(lines[next], company_id);
    if (id_here || id_next) score += 2;
    // The name printed again below, alone or with its branch ("DOMINO'S
    // PIZZA" over "DOMINO'S PIZZA PERMAS JAYA"): the letterhead repeats it.
    bool repeated = line.size() >= 5 && std::any_of(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                                     lines.begin() + static_cast<std::ptrdiff_t>(top),
                                                     [&](const std::string& other) {
                                                       return absl::StartsWithIgnoreCase(other, line);
                                                     });
    if (repeated) score += 2;
    if (!best || score > best->score) best = Named{line, score, i, has_form || id_here || id_next};
  }
  // No name at the top carries a legal form or a registration number (the
  // letterhead is a logo OCR cannot read): the company named with its legal
  // form further down, as German tills print it in the footer ("Aldi GmbH &
  // Co. KG, Schloß Holte"), not a payment provider's.
  if (!best || !best->vouched) {
    static const RE2 provider(
        R"((?i)(payment|zahlung|terminal|karte|card|bank|sparkasse|acquir|services?\b|netz|leasing))");
    // As companies write it, case and all: "3 kg" of charcoal is no KG.
    static const RE2 footer_form(
        R"(\b(GmbH|AG|KG|OHG|SARL|SAS|SASU|EURL|Ltd|LTD|Limited|LIMITED|Inc|INC|LLC|PLC|plc|B\.?V|N\.?V)\b)");
    for (size_t i = 0; i < lines.size(); ++i) {
      bool id_ignored = false;
      std::string line = name_part(lines[i], &id_ignored);
      re2::StringPiece form;
      if (!reads_like_a_name(line) || !RE2::PartialMatch(line, footer_form, &form) ||
          RE2::PartialMatch(line, provider) ||
          std::any_of(line.begin(), line.end(), [](char c) { return absl::ascii_isdigit(c); })) {
        continue;
      }
      // The place after the company ("…, Schloß Holte") is not its name.
      size_t comma = line.find(',', static_cast<size_t>(form.data() - line.data()));
      if (comma != std::string::npos) line.resize(comma);
      return line;
    }
  }
  if (!best) return "";
  // A name printed over two lines: the legal form's line starts with at
  // most one word ("(SEMENYIH) SDN BHD") or closes a bracket the line above
  // opened; the line above is the name's start.
  std::string name = best->name;
  re2::StringPiece form;
  size_t above_line = best->line;
  while (above_line > 0 && lines[above_line - 1].empty()) --above_line;
  if (above_line > 0 && RE2::PartialMatch(name, legal_form, &form)) {
    std::string before(absl::StripAsciiWhitespace(
        name.substr(0, static_cast<size_t>(form.data() - name.data()))));
    bool one_word = before.find(' ') == std::string::npos;
    auto unbalanced = [](const std::string& s) {
      return std::count(s.begin(), s.end(), ')') > std::count(s.begin(), s.end(), '(');
    };
    const std::string& above = lines[above_line - 1];
    bool id_ignored = false;
    if ((one_word || unbalanced(name)) && reads_like_a_name(name_part(above, &id_ignored))) {
      // "ENTERPRISE (SETIA" over "ALAM) SDN BHD": when the line above
      // opens the bracket but does not start the name (one name-like line
      // further up, none between), that one is the name's start too.
      bool opened_above = unbalanced(name) && !unbalanced(absl::StrCat(above, " ", name));
      name = absl::StrCat(above, " ", name);
      size_t up = above_line - 1;
      if (opened_above && up > 0 && !lines[up - 1].empty() &&
          above.find('(') != std::string::npos && above.find('(') > 0 &&
          reads_like_a_name(name_part(lines[up - 1], &id_ignored)) &&
          !RE2::PartialMatch(lines[up - 1], legal_form)) {
        name = absl::StrCat(lines[up - 1], " ", name);
      }
    }
  }
  // The legal form as OCR misread it ("SON BHD", "SUM BH"): spelt right;
  // one spelt right ("Sdn. Bhd") is left as printed.
  static const RE2 sdn_bhd(absl::StrCat("(?i)(", kSdnBhdAsRead, ")"));
  std::string spelt;
  re2::StringPiece rest(name), found;
  const char* copied = name.data();
  while (RE2::FindAndConsume(&rest, sdn_bhd, &found)) {
    std::string letters;
    for (char c : found) {
      if (absl::ascii_isalnum(static_cast<unsigned char>(c))) letters += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
    spelt.append(copied, found.data());
    spelt += letters == "sdnbhd" ? std::string(found) : "SDN BHD";
    copied = found.data() + found.size();
  }
  spelt.append(copied, static_cast<size_t>(name.data() + name.size() - copied));
  return spelt;
}

}  // namespace

std::pair<DocType, double> ClassifyText(absl::string_view text) {
  struct Rule {
    const char* type;
    const char* pattern;
    double weight;
  };
  static const std::array<Rule, 9> kRules = {{
      {"credit_note", R"((?i)(\bavoir\b|credit\s*note|gutschrift|note\s*de\s*cr[ée]dit|creditnota|rechnungskorrektur))", 4},
      {"invoice", R"((?i)(\bfacture\b|\binvoice\b|(?:^|[^bB])rechnung|\bfactuur\b|\btax\s*invoice\b|n[°o]\s*de\s*facture))", 3},
      {"receipt", R"((?i)(ticket|re[çc]u\b|\breceipt\b|kassenbon|quittung|\bbon\b|merci\s*de\s*votre\s*visite|thank\s*you|change\b|cash\b|tendered|r[üu]ckgeld|\bbar\b|kasse|\bgst\b|\btotal\s*\(rm\)|\brm\b|\bcaisse\b|cashier|caissi[eè]re?|kassierer|\bbeleg|einkauf|vielen\s*dank|terminal|karten\s*nummer|kartenzahlung|trace[-\s]*nr|\bpayback\b|\bsumme\b|bezahlung|kundenbeleg|h[äa]ndlerbeleg|mastercard|girocard|ec[- ]?cash|\bfiliale\b|\bmember\b))", 1.5},
      {"bank_statement", R"((?i)(relev[ée]\s*de\s*compte|extrait\s*de\s*compte|bank\s*statement|account\s*statement|kontoauszug|ancien\s*solde|nouveau\s*solde|solde\s*(cr[ée]diteur|d[ée]biteur)|opening\s*balance|closing\s*balance))", 4},
      {"payslip", R"((?i)(bulletin\s*de\s*(paie|salaire)|fiche\s*de\s*paie|payslip|pay\s*slip|lohnabrechnung|gehaltsabrechnung|salaire\s*brut|net\s*[àa]\s*payer\s*avant\s*imp[ôo]t|cotisations\s*salariales))", 5},
      {"tax_notice", R"((?i)(avis\s*d'?\s*imp[ôo]t|avis\s*de\s*taxe|impots\.gouv|direction\s*g[ée]n[ée]rale\s*des\s*finances|steuerbescheid|avis\s*d'?\s*imposition|taxe\s*fonci[èe]re))", 5},
      {"contract", R"((?i)(\bcontrat\b|\bcontract\b|\bvertrag\b|entre\s*les\s*soussign[ée]s|conditions\s*g[ée]n[ée]rales|the\s*parties\s*agree))", 2},
      {"quote", R"((?i)(\bdevis\b|\bquotation\b|\bquote\b|\bangebot\b|bon\s*pour\s*accord|proposition\s*commerciale|offerte))", 3},
      {"other", R"((?i)(zzzzzz))", 0},
  }};
  static const std::vector<RE2*>* compiled = [] {
    auto* v = new std::vector<RE2*>();
    for (const Rule& r : kRules) v->push_back(new RE2(r.pattern));
    return v;
  }();
  std::map<std::string, double> score;
  re2::StringPiece all(text.data(), text.size());
  double total = 0;
  for (size_t i = 0; i < kRules.size(); ++i) {
    re2::StringPiece input = all;
    int hits = 0;
    std::string ignored;
    while (hits < 5 && RE2::FindAndConsume(&input, *(*compiled)[i], &ignored)) ++hits;
    if (hits == 0) continue;
    double s = kRules[i].weight * (1.0 + 0.25 * (hits - 1));
    score[kRules[i].type] += s;
    total += s;
  }
  if (total == 0) return {DocType::kOther, 0.0};
  // A credit note is also an invoice: its own words outweigh the latter.
  auto best = std::max_element(score.begin(), score.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  double evidence = best->second;
  // Invoices and receipts are one kind downstream (a priced purchase that
  // justifies a payment): their words support each other, the larger wins.
  if (best->first == "invoice" || best->first == "receipt") {
    evidence = score["invoice"] + score["receipt"];
  }
  double confidence = evidence / total;
  if (evidence < 3) confidence *= evidence / 3;  // weak evidence
  return {ParseDocType(best->first).value_or(DocType::kOther), std::min(1.0, confidence)};
}

namespace {

// Letters OCR reads for digits inside date-shaped tokens ("2O/O4/2018",
// "l3/04/2018", "1S/04/18") put back as digits; a token needs three real
// digits to count as one. Whether the result is a date is the caller's test.
std::string DigitsInDates(const std::string& line) {
  static const RE2 token(
      R"(((?:^|[^A-Za-z0-9])([0-9OoIl|SsBZ]{1,2}[/.\-][0-9OoIl|SsBZ]{1,2}[/.\-](?:[0-9OoIl|SsBZ]{4}|[0-9OoIl|SsBZ]{2}))(?:[^A-Za-z0-9]|$)))");
  std::string out;
  re2::StringPiece input(line);
  re2::StringPiece whole, date;
  const char* copied = line.data();
  while (RE2::FindAndConsume(&input, token, &whole, &date)) {
    if (std::count_if(date.begin(), date.end(), [](char c) { return absl::ascii_isdigit(c); }) < 3) {
      continue;
    }
    out.append(copied, date.data());
    for (char c : date) {
      switch (c) {
        case 'O': case 'o': out += '0'; break;
        case 'I': case 'l': case '|': out += '1'; break;
        case 'S': case 's': out += '5'; break;
        case 'B': out += '8'; break;
        case 'Z': out += '2'; break;
        default: out += c;
      }
    }
    copied = date.data() + date.size();
    // The delimiter after the token may start the next one.
    if (input.data() > copied) input = re2::StringPiece(copied, line.data() + line.size() - copied);
  }
  out.append(copied, line.data() + line.size());
  return out;
}

// How many digits `a` and `b` differ in, place by place; -1 when they do
// not have as many digits (a digit dropped or doubled is no misread).
int DigitsDiffering(int64_t a, int64_t b) {
  std::string x = absl::StrCat(a), y = absl::StrCat(b);
  if (x.size() != y.size()) return -1;
  int differ = 0;
  for (size_t i = 0; i < x.size(); ++i) differ += x[i] != y[i];
  return differ;
}

// True when `read` and `expected` differ in one digit, and those two digits
// are ones OCR takes for each other (0/8/6/9, 1/7, 3/8, 5/6).
bool OneDigitMisread(int64_t read, int64_t expected) {
  if (DigitsDiffering(read, expected) != 1) return false;
  static const std::set<std::pair<char, char>> confused = {
      {'0', '8'}, {'0', '6'}, {'0', '9'}, {'6', '8'}, {'1', '7'}, {'3', '8'}, {'5', '6'}, {'8', '9'}};
  std::string a = absl::StrCat(read), b = absl::StrCat(expected);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return confused.count({std::min(a[i], b[i]), std::max(a[i], b[i])}) > 0;
  }
  return false;
}

// How far, in cents, `tax` is from `net` at the nearest standard VAT or GST
// rate; infinity for no tax or one above a quarter of the net.
double CentsFromStandardRate(int64_t net, int64_t tax) {
  static constexpr int kRatesBp[] = {210, 500, 550, 600, 700, 800, 1000, 1900, 2000, 2100};
  double nearest = std::numeric_limits<double>::infinity();
  if (net <= 0 || tax <= 0 || tax * 4 > net) return nearest;
  for (int bp : kRatesBp) {
    nearest = std::min(nearest, std::abs(static_cast<double>(net) * bp / 10000.0 - static_cast<double>(tax)));
  }
  return nearest;
}

// True when `tax` is `net` at a standard VAT or GST rate, to the cent.
bool AtStandardRate(int64_t net, int64_t tax) { return CentsFromStandardRate(net, tax) <= 1.0; }

// True when every printing of `amount` may be one of OCR's unsure words:
// one confident reading of the figure anywhere on the page is no guess.
bool ReadFromUnsureWord(Money amount, const std::vector<std::string>& unsure_words,
                        const std::vector<std::vector<Money>>& amounts_on) {
  std::string digits = absl::StrCat(amount.cents < 0 ? -amount.cents : amount.cents);
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  auto unsure = std::count_if(unsure_words.begin(), unsure_words.end(),
                              [&](const std::string& w) { return DigitsOf(w) == digits; });
  if (unsure == 0) return false;
  std::ptrdiff_t printed = 0;
  for (const std::vector<Money>& line : amounts_on) {
    printed += std::count_if(line.begin(), line.end(),
                             [&](const Money& m) { return std::abs(m.cents) == std::abs(amount.cents); });
  }
  return printed <= unsure;
}

bool ReadFromUnsureWord(std::chrono::year_month_day date,
                        const std::vector<std::string>& unsure_words,
                        const std::vector<std::string>& lines) {
  auto has = [&](const std::string& text) {
    std::vector<Ymd> dates = DatesInLine(text);
    return std::count(dates.begin(), dates.end(), date);
  };
  // A till's eight-digit date is a date only beside its time of day: an
  // unsure word that is those eight digits is the date read unsure.
  int y = static_cast<int>(date.year());
  unsigned m = static_cast<unsigned>(date.month()), d = static_cast<unsigned>(date.day());
  const std::string day_first = absl::StrFormat("%02u%02u%04d", d, m, y);
  const std::string year_first = absl::StrFormat("%04d%02u%02u", y, m, d);
  std::ptrdiff_t unsure = 0, printed = 0;
  for (const std::string& w : unsure_words) {
    std::string digits = DigitsOf(w);
    unsure += digits == day_first || digits == year_first ? 1 : has(w);
  }
  if (unsure == 0) return false;
  for (const std::string& line : lines) printed += has(line);
  return printed <= unsure;
}

}  // namespace

TextFields ExtractFieldsFromText(absl::string_view text,
                                 const std::vector<std::string>& unsure_words,
                                 TextOrigin origin) {
  const bool misreads = origin == TextOrigin::kOcr;
  TextFields out;
  Fields& f = out.fields;
  std::vector<std::string> lines = SplitLines(text);
  // Each line's amounts, read once: the label, payment and "printed
  // elsewhere" passes below all look at them.
  std::vector<std::vector<Money>> amounts_on;
  amounts_on.reserve(lines.size());
  for (const std::string& line : lines) amounts_on.push_back(AmountsInLine(line));

  // Totals by label, with the amount on the line or on the next.
  std::vector<Candidate> totals, nets, taxes;
  auto classify = [&](const std::string& line, Money last, size_t i, size_t from) {
    bool net = RE2::PartialMatch(line, NetRe());
    bool tax = RE2::PartialMatch(line, TaxRe());
    bool strong = RE2::PartialMatch(line, StrongTotalRe());
    bool weak = RE2::PartialMatch(line, WeakTotalRe());
    bool excluded = RE2::PartialMatch(line, NotTotalRe());
    bool inclusive = RE2::PartialMatch(line, InclusiveRe());
    if (net && !inclusive && (!strong || RE2::PartialMatch(line, ExclusiveRe()))) {
      nets.push_back({last, 2, i, from});
    } else if (strong && !excluded) {
      totals.push_back({last, 3, i, from});
    } else if (tax && !weak) {
      taxes.push_back({last, 2, i, from});
    } else if (tax && !inclusive && !excluded && RE2::PartialMatch(line, TaxTotalRe())) {
      taxes.push_back({last, 3, i, from});
    } else if (weak && !excluded && !tax) {
      totals.push_back({last, 2, i, from});
    } else if (weak && tax && !excluded) {
      totals.push_back({last, 1, i, from});  // "Total incl. VAT" phrased otherwise
    }
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::vector<Money>& amounts = amounts_on[i];
    if (amounts.empty() && i + 1 < lines.size() && !RE2::PartialMatch(line, ColumnHeaderRe())) {
      const std::vector<Money>& next = amounts_on[i + 1];
      std::vector<LabelSpan> labels = LabelSpans(line);
      bool kinds_differ = std::any_of(labels.begin(), labels.end(), [&](const LabelSpan& l) {
        return l.kind != labels.front().kind;
      });
      if (kinds_differ) {
        // Headings over a row of figures ("Total HT  TVA 20 %  Total TTC"):
        // one figure per heading, in order; otherwise a table's head.
        if (next.size() == labels.size()) {
          for (size_t k = 0; k < labels.size(); ++k) {
            size_t end = k + 1 < labels.size() ? labels[k + 1].begin : line.size();
            classify(line.substr(labels[k].begin, end - labels[k].begin), next[k], i, i + 1);
          }
        }
        continue;
      }
      bool label_only = std::none_of(line.begin(), line.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      });
      if (label_only && !next.empty() && next.size() <= 2) {
        classify(line, next.back(), i, i + 1);
        continue;
      }
    }
    if (amounts.empty()) continue;
    classify(line, amounts.back(), i, i);
  }
  // What was paid: the amount charged to a card, cash handed over and the
  // change given back (first line of each). A card payment is the total
  // when no line says so; cash alone is not (change is given).
  static const RE2 card_line(
      R"((?i)(mastercard|master\s*card|\bvisa\b|maestro|girocard|ec[- ]?karte|ec[- ]?cash|kreditkarte|bankkarte|\bv\s?pay\b|kontaktlos|kartenzahlung|\bcarte\b|\bcb\b|debit\s*card|credit\s*card|amex))");
  static const RE2 cash_line(R"((?i)(\bcash\b|tunai|esp[eè]ces|\bbar\b|bargeld|gegeben|\btender(?:ed)?\b))");
  static const RE2 change_line(R"((?i)(\bchange\b|rendu|r[üu]ckgeld|\bzur[üu]ck\b|wechselgeld|baki))");
  std::optional<Money> card_paid, cash_given, change_back;
  size_t card_index = lines.size(), cash_index = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::vector<Money>& amounts = amounts_on[i];
    if (amounts.empty()) continue;
    if (!card_paid && RE2::PartialMatch(lines[i], card_line)) {
      card_paid = amounts.back();
      card_index = i;
    }
    if (!change_back && RE2::PartialMatch(lines[i], change_line)) {
      change_back = amounts.front();
    } else if (!cash_given && RE2::PartialMatch(lines[i], cash_line)) {
      cash_given = amounts.front();
      cash_index = i;
    }
  }
  bool total_from_card = false;
  if (totals.empty() && card_paid) {
    totals.push_back({*card_paid, 1, card_index, card_index});
    total_from_card = true;
  }
  if (!nets.empty()) f.total_excl_tax = nets.front().amount;
  if (!taxes.empty()) {
    // The tax's own total when printed; else one line per rate adds up
    // ("TVA 5,5 %" and "TVA 20 %"); else the first tax line.
    static const RE2 rate(R"((\d{1,2}(?:[.,]\d{1,2})?)\s?%)");
    std::set<std::string> rates;
    bool every_line_a_rate = true;
    Money all{0};
    for (const Candidate& c : taxes) {
      all.cents += c.amount.cents;
      std::string r;
      if (RE2::PartialMatch(lines[c.line], rate, &r)) {
        rates.insert(r);
      } else {
        every_line_a_rate = false;
      }
    }
    auto own_total = std::find_if(taxes.begin(), taxes.end(),
                                  [](const Candidate& c) { return c.score >= 3; });
    if (own_total != taxes.end()) {
      f.total_tax = own_total->amount;
    } else if (taxes.size() > 1 && every_line_a_rate && rates.size() == taxes.size()) {
      f.total_tax = all;
    } else {
      f.total_tax = taxes.front().amount;
    }
    // Whichever tax line, or all of them together, makes net + tax equal a
    // total is the tax ("Umsatzsteuer 7 % 19,25 / … / Steuerbetrag 56,87").
    if (f.total_excl_tax && taxes.size() > 1) {
      std::vector<Money> options;
      for (const Candidate& t : taxes) options.push_back(t.amount);
      options.push_back(all);
      int64_t net = f.total_excl_tax->cents;
      auto makes_a_total = [&](Money t) {
        return std::any_of(totals.begin(), totals.end(), [&](const Candidate& c) {
          return std::abs(net + t.cents - c.amount.cents) <= 2;
        });
      };
      auto fits = std::find_if(options.begin(), options.end(), makes_a_total);
      if (fits != options.end()) f.total_tax = *fits;
    }
  }
  bool consistent = false;
  std::string evidence;  // what confirmed the total, for whoever reads the result
  // Where the chosen total's figure was read: a line cannot confirm itself.
  size_t total_line = lines.size();
  if (!totals.empty()) {
    // Consistency first: net + tax = total. Then the best label; among
    // equally labelled totals, the largest (a subtotal is below the total).
    const Candidate* best = nullptr;
    for (const Candidate& c : totals) {
      if (f.total_excl_tax && f.total_tax &&
          std::abs(f.total_excl_tax->cents + f.total_tax->cents - c.amount.cents) <= 2) {
        best = &c;
        consistent = true;
        evidence = "net+tax";
        break;
      }
    }
    if (best) {
      // A larger total printed below the figure net + tax adds up to: that
      // figure was a subtotal (one rate's, or part of the lines); the
      // document's total is the larger one further down, unconfirmed.
      const Candidate* below = nullptr;
      for (const Candidate& c : totals) {
        if (c.amount_line > best->amount_line && c.score >= 2 &&
            c.amount.cents > best->amount.cents &&
            (!below || c.amount.cents > below->amount.cents)) {
          below = &c;
        }
      }
      if (below) {
        // Unless the rest is printed on another total line: the other
        // rates' goods ("Total 0% supplies 22.99" + "Total 6% supplies
        // (incl. GST) 16.79" = "Total Payable 39.78"). The subtotals add
        // up to the total; its net is the total less the one rate's tax.
        int64_t rest = below->amount.cents - best->amount.cents;
        consistent = std::any_of(totals.begin(), totals.end(), [&](const Candidate& c) {
          return c.amount.cents == rest && c.amount_line != best->amount_line &&
                 c.amount_line != below->amount_line;
        });
        evidence = consistent ? "rate subtotals" : "";
        if (consistent) f.total_excl_tax = Money{below->amount.cents - f.total_tax->cents};
        best = below;
      }
    }
    if (!best) {
      int top = 0;
      for (const Candidate& c : totals) top = std::max(top, c.score);
      for (const Candidate& c : totals) {
        if (c.score == top && (!best || c.amount.cents > best->amount.cents)) best = &c;
      }
    }
    f.total_incl_tax = best->amount;
    total_line = best->amount_line;
    out.fields_confidence += best->score >= 3 ? 0.45 : 0.3;
    // "Total GST 2.40" under "Sub Total 42.40": a total is never below the
    // subtotal it closes; the weakly labelled line was the tax.
    if (!consistent && best->score <= 1 && f.total_excl_tax &&
        f.total_excl_tax->cents > best->amount.cents) {
      f.total_incl_tax = f.total_excl_tax;
      total_line = nets.front().amount_line;
    }
  }
  // Cash rounding (5-cent coins: Switzerland, the Netherlands, Belgium,
  // Finland, Malaysia): "Total 30.91 / Rounding -0.01 / Total 30.90". A total
  // printed on or under a rounding line just below the chosen one, within
  // ten cents of it, is what was paid (the adjustment itself is often
  // misread: its figure is not needed).
  static const RE2 rounding(R"((?i)(\bround(ing|ed)?\b|\barrondi|\brundung|\bafronding))");
  if (f.total_incl_tax) {
    bool rounded = false;
    for (size_t r = total_line + 1; r < lines.size() && r <= total_line + 3 && !rounded; ++r) {
      if (!RE2::PartialMatch(lines[r], rounding)) continue;
      for (const Candidate& c : totals) {
        int64_t diff = std::abs(c.amount.cents - f.total_incl_tax->cents);
        if (c.amount_line >= r && c.amount_line <= r + 2 && diff > 0 && diff <= 10) {
          f.total_incl_tax = c.amount;
          total_line = c.amount_line;
          rounded = true;
          break;
        }
      }
    }
  }
  // Every amount printed, with the first two lines it is on, so "is this
  // amount printed on another line" takes constant time on a statement of
  // thousands of lines.
  std::unordered_map<int64_t, std::pair<size_t, size_t>> printed_on;
  for (size_t i = 0; i < lines.size(); ++i) {
    for (const Money& m : amounts_on[i]) {
      auto [it, fresh] = printed_on.try_emplace(m.cents, i, lines.size());
      if (!fresh && it->second.second == lines.size() && it->second.first != i) {
        it->second.second = i;
      }
    }
  }
  auto printed_elsewhere = [&](int64_t cents, size_t not_line) {
    auto it = printed_on.find(cents);
    if (it == printed_on.end()) return false;
    return it->second.first != not_line || it->second.second != lines.size();
  };
  // An amount to pay that carries a balance left from earlier invoices
  // ("Ausstehende Forderung 220,00" over "zu zahlender Beitrag 440,00";
  // "Solde antérieur", "Previous balance") is no invoice's total: the
  // invoice's own is the amount to pay less that balance, when it is
  // printed above the balance's line. Filed, not confirmed.
  if (f.total_incl_tax && !consistent) {
    static const RE2 previous_balance(
        R"((?i)(solde\s*(?:ant[ée]rieur|pr[ée]c[ée]dent)|ancien\s*solde|report\s*(?:de\s*|du\s*)?solde|previous\s*balance|balance\s*(?:brought\s*)?forward|\barrears\b|ausstehende\s*forderung|\br[üu]ckstand|vorsaldo|alter\s*saldo))");
    for (size_t r = 0; r < total_line && r < lines.size(); ++r) {
      if (amounts_on[r].empty() || !RE2::PartialMatch(lines[r], previous_balance)) continue;
      int64_t own = f.total_incl_tax->cents - amounts_on[r].back().cents;
      auto first = printed_on.find(own);
      if (own > 0 && first != printed_on.end() && first->second.first < r) {
        f.total_incl_tax = Money{own};
        total_line = first->second.first;
      }
      break;
    }
  }
  if (!consistent && f.total_excl_tax && f.total_tax &&
      (!f.total_incl_tax || f.total_incl_tax->cents < f.total_excl_tax->cents)) {
    // OCR garbled the total's label ("TOZae: RM 73. 00"): net + tax printed
    // elsewhere on the page is the total.
    int64_t sum = f.total_excl_tax->cents + f.total_tax->cents;
    int64_t difference = f.total_excl_tax->cents - f.total_tax->cents;
    // On a line of its own: a VAT table's row prints net, tax and their sum
    // together (one reading, not two), and with no tax the sum is the net.
    auto has = [&](size_t i, int64_t cents) {
      return std::any_of(amounts_on[i].begin(), amounts_on[i].end(),
                         [&](const Money& m) { return m.cents == cents; });
    };
    auto apart = [&](int64_t cents) {
      for (size_t i = 0; i < lines.size() && f.total_tax->cents > 0; ++i) {
        if (has(i, cents) && !has(i, f.total_excl_tax->cents) && !has(i, f.total_tax->cents)) {
          return true;
        }
      }
      return false;
    };
    if (printed_elsewhere(sum, lines.size())) {
      if (!f.total_incl_tax) out.fields_confidence += 0.3;
      f.total_incl_tax = Money{sum};
      consistent = apart(sum);
      if (consistent) evidence = "net+tax printed";
    } else if (!f.total_incl_tax && difference > 0 && printed_elsewhere(difference, lines.size())) {
      // "Gross Amount 40.00 / Total GST 2.40 / Sub Total 42.40": the
      // "subtotal" already included the tax; the amount before it is printed.
      consistent = apart(difference);
      f.total_incl_tax = f.total_excl_tax;
      total_line = nets.front().amount_line;
      f.total_excl_tax = Money{difference};
      out.fields_confidence += 0.3;
      if (consistent) evidence = "tax included printed";
    }
  }
  // A VAT summary whose rows add up to the total confirms it and gives the
  // net and tax (a card slip's amount stands in for an unlabelled total).
  std::vector<TaxRow> rows = TaxTableRows(lines);
  if (!rows.empty() && !consistent) {
    TaxRow sum;
    for (const TaxRow& r : rows) {
      sum.net += r.net;
      sum.tax += r.tax;
      sum.gross += r.gross;
    }
    int64_t slack = static_cast<int64_t>(rows.size());
    // A cent per row for rounding, not a digit OCR misreads ("31,96" for
    // the rows' 31,98).
    bool agrees = f.total_incl_tax && std::abs(f.total_incl_tax->cents - sum.gross) <= slack &&
                  !OneDigitMisread(f.total_incl_tax->cents, sum.gross);
    if (!f.total_incl_tax && rows.size() > 1 && printed_elsewhere(sum.gross, rows.front().line)) {
      f.total_incl_tax = Money{sum.gross};
      out.fields_confidence += 0.3;
      agrees = true;
    }
    if (agrees) {
      f.total_excl_tax = Money{sum.net};
      f.total_tax = Money{f.total_incl_tax->cents - sum.net};
      consistent = true;
      evidence = "tax table";
    }
  }
  // A cash rounding printed above the total ("Total GST 0.53 / Rounding
  // 0.02 / Total 9.45"): the total is net + tax + the adjustment, and net +
  // tax alone making the total says it was misread (9.43 for 9.45).
  int64_t rounding_adjustment = 0;
  for (size_t r = total_line > 6 ? total_line - 6 : 0; r < total_line && r < lines.size(); ++r) {
    if (amounts_on[r].size() == 1 && std::abs(amounts_on[r][0].cents) <= 10 &&
        RE2::PartialMatch(lines[r], rounding)) {
      rounding_adjustment = amounts_on[r][0].cents;
    }
  }
  std::vector<std::pair<int64_t, int64_t>> rated;  // rows of net and tax at a standard rate
  // A VAT summary row whose rate OCR garbled ("s = 67 18.77 1.13" for "SR @
  // 6% 18.77 1.13"): a net and a tax side by side, the tax the net at a
  // standard rate to the cent, adding up to the total.
  if (f.total_incl_tax && !consistent && f.total_incl_tax->cents > 0) {
    const int64_t total = f.total_incl_tax->cents;
    for (size_t i = 0; i < lines.size() && !consistent; ++i) {
      if (i == total_line) continue;
      const std::vector<Money>& a = amounts_on[i];
      for (size_t k = 0; k + 1 < a.size() && !consistent; ++k) {
        int64_t net = a[k].cents, tax = a[k + 1].cents;
        if (!AtStandardRate(net, tax)) continue;
        rated.emplace_back(net, tax);
        if (net + tax + rounding_adjustment == total) {
          consistent = true;
          // Net and tax of a rounded total do not add up to it: the tax is
          // kept, the net left to whoever posts the rounding.
          if (rounding_adjustment == 0) f.total_excl_tax = Money{net};
          f.total_tax = Money{tax};
          evidence = "net and tax row";
        }
      }
    }
  }
  // Per-rate subtotals, each on a total line above the total, that add up
  // to it when neither rate's net and tax could be read ("Total 0%
  // supplies: 23.64" + "Total 6% supplies (Inc. GST): 12.72" = "Total
  // Payable: 36.36").
  if (f.total_incl_tax && !consistent && f.total_incl_tax->cents > 0) {
    const int64_t total = f.total_incl_tax->cents;
    for (const Candidate& x : totals) {
      for (const Candidate& y : totals) {
        if (consistent || x.amount_line >= y.amount_line || y.amount_line >= total_line ||
            x.amount.cents <= 0 || y.amount.cents <= 0) {
          continue;
        }
        if (x.amount.cents + y.amount.cents == total) {
          consistent = true;
          evidence = "rate subtotals";
        }
      }
    }
  }
  // A tax line whose amount, taken from the total (and its rounding),
  // leaves an amount printed elsewhere: the net and tax of the total ("TAX
  // AMT 13.30 / GST 0.80 / TOTAL 14.10").
  if (f.total_incl_tax && !consistent) {
    for (const Candidate& t : taxes) {
      int64_t total = f.total_incl_tax->cents;
      if (t.amount.cents <= 0 || t.amount.cents * 4 > total) continue;
      if (printed_elsewhere(total - t.amount.cents - rounding_adjustment, t.amount_line)) {
        f.total_tax = t.amount;
        if (rounding_adjustment == 0) f.total_excl_tax = Money{total - t.amount.cents};
        consistent = true;
        evidence = "total-tax printed";
        break;
      }
    }
  }
  if (f.total_incl_tax && !consistent) {
    // The amount charged to a card, or cash handed over minus change,
    // confirms the total independently.
    bool by_card = !total_from_card && card_paid && card_index != total_line &&
                   card_paid->cents == f.total_incl_tax->cents;
    bool by_cash = cash_given && change_back && cash_index != total_line &&
                   cash_given->cents - change_back->cents == f.total_incl_tax->cents;
    if (by_card || by_cash) {
      consistent = true;
      evidence = by_card ? "card" : "cash";
    }
    if (misreads && !by_cash && cash_given && change_back && cash_given->cents > change_back->cents &&
        change_back->cents > 0) {
      // OCR drops leading digits ("35.80" read "5.80"): when the total is
      // the tail of cash minus change, the subtraction has all the digits.
      std::string paid = absl::StrCat(cash_given->cents - change_back->cents);
      std::string read = absl::StrCat(f.total_incl_tax->cents);
      if (paid.size() > read.size() && absl::EndsWith(paid, read)) {
        f.total_incl_tax = Money{cash_given->cents - change_back->cents};
      }
    }
  }
  if (f.total_incl_tax && !consistent) {
    // Two differently placed total lines read the same amount ("Total (incl
    // GST) 28.50" and "Total Rounded 28.50"): two readings agree.
    std::set<size_t> agreeing;  // lines the figure was read on
    for (const Candidate& c : totals) {
      if (c.score >= 2 && c.amount.cents == f.total_incl_tax->cents) agreeing.insert(c.amount_line);
    }
    consistent = agreeing.size() >= 2;
    // Two lines reading one figure say it was read right, not that it is
    // the document's total: a line labelled as a total further down with
    // another figure, or none readable, is ("Total 0% supplies 23.64"
    // twice above "Total Payable: 3b.36").
    for (size_t i = consistent ? *agreeing.rbegin() + 1 : lines.size(); i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (!(RE2::PartialMatch(line, StrongTotalRe()) || RE2::PartialMatch(line, WeakTotalRe())) ||
          RE2::PartialMatch(line, NotTotalRe()) || RE2::PartialMatch(line, TaxRe()) ||
          RE2::PartialMatch(line, NetRe())) {
        continue;
      }
      const std::vector<Money>& figures =
          amounts_on[i].empty() && i + 1 < lines.size() ? amounts_on[i + 1] : amounts_on[i];
      if (std::none_of(figures.begin(), figures.end(), [&](const Money& m) {
            return m.cents == f.total_incl_tax->cents;
          })) {
        consistent = false;
        break;
      }
    }
    // A card charged, or cash kept, another amount contradicts them.
    if (consistent && card_paid && card_paid->cents != f.total_incl_tax->cents) consistent = false;
    if (consistent && cash_given && change_back &&
        cash_given->cents - change_back->cents != f.total_incl_tax->cents) {
      consistent = false;
    }
    if (consistent) evidence = "two total lines";
  }
  // A net read above the total: one of them was misread, and whatever
  // agreed with the total may share the misread (the same glyph read the
  // same way on "Total 13.30", "Total Rounded 13.30" over "Amt. Excl. GST
  // 69,15" for 73.30).
  if (consistent && f.total_incl_tax && f.total_excl_tax && f.total_incl_tax->cents > 0 &&
      f.total_excl_tax->cents > f.total_incl_tax->cents) {
    consistent = false;
    evidence.clear();
  }
  // The labelled net and tax, when the tax is the net at a standard rate
  // and their sum is the total but for a digit OCR confuses, are such a
  // row too.
  if (f.total_incl_tax && !consistent && f.total_excl_tax && f.total_tax &&
      AtStandardRate(f.total_excl_tax->cents, f.total_tax->cents) &&
      OneDigitMisread(f.total_incl_tax->cents, f.total_excl_tax->cents + f.total_tax->cents) &&
      std::none_of(rated.begin(), rated.end(), [&](const std::pair<int64_t, int64_t>& r) {
        return r.first == f.total_excl_tax->cents && r.second == f.total_tax->cents;
      })) {
    rated.emplace_back(f.total_excl_tax->cents, f.total_tax->cents);
  }
  // Nothing confirmed the total, and its figure is one digit off the only
  // row of net and tax at a standard rate ("TOTAL 18.00" over "6% 17.74
  // 1.06"): a figure the rate vouches for beats one misread digit; filed,
  // not confirmed. Not a cash rounding (under 10 cents off).
  if (misreads && f.total_incl_tax && !consistent && rated.size() == 1) {
    int64_t sum = rated[0].first + rated[0].second;
    if (DigitsDiffering(f.total_incl_tax->cents, sum) == 1 && std::abs(sum - f.total_incl_tax->cents) >= 10) {
      f.total_incl_tax = Money{sum};
      f.total_excl_tax = Money{rated[0].first};
      f.total_tax = Money{rated[0].second};
    }
  }
  if (!f.total_incl_tax && cash_given && change_back && cash_given->cents > change_back->cents &&
      change_back->cents >= 0) {
    // Paid in cash: what was handed over minus the change given back.
    f.total_incl_tax = Money{cash_given->cents - change_back->cents};
    out.fields_confidence += 0.3;
  }
  if (misreads && !f.total_incl_tax && f.total_excl_tax && f.total_excl_tax->cents > 0) {
    // No total could be read (its label or its figure garbled): the
    // subtotal stands in when no tax is added to it — none printed, or one
    // that is the rest of the subtotal at a standard rate, included ("SUB-
    // TOTAL 2.50 / ROUNDING 0.00 / TOTAL 2 30 / TAX TOTAL: 0.14") — and
    // with the tax added when the tax is the subtotal at a standard rate.
    // Filed, not confirmed.
    int64_t sub = f.total_excl_tax->cents;
    int64_t tax = f.total_tax ? f.total_tax->cents : 0;
    double added = CentsFromStandardRate(sub, tax), included = CentsFromStandardRate(sub - tax, tax);
    if (tax == 0 || (included <= 1.0 && included <= added)) {
      f.total_incl_tax = Money{sub};
      if (tax != 0) f.total_excl_tax = Money{sub - tax};
    } else if (added <= 1.0) {
      f.total_incl_tax = Money{sub + tax};
    }
    if (f.total_incl_tax) out.fields_confidence += 0.3;
  }
  if (f.total_incl_tax) {
    // A tax above 25 % of the total (no VAT rate comes near: 27 % of the
    // net is 21 % of the total), or a net above the total, was read from
    // the wrong line: left empty rather than filed wrong.
    int64_t total = std::abs(f.total_incl_tax->cents);
    bool implausible = false;
    if (f.total_tax && std::abs(f.total_tax->cents) * 4 > total) {
      f.total_tax.reset();
      implausible = true;
    }
    if (f.total_excl_tax && std::abs(f.total_excl_tax->cents) > total) {
      f.total_excl_tax.reset();
      implausible = true;
    }
    // Figures that added up only as read from the wrong columns confirm
    // nothing.
    if (implausible && absl::StrContains(evidence, "net+tax")) consistent = false;
  }
  // The figure itself a guess of OCR's: whatever agrees with it, it may be
  // a misread that happens to fit (a subtotal, a rounded line).
  if (consistent && ReadFromUnsureWord(*f.total_incl_tax, unsure_words, amounts_on)) {
    consistent = false;
  }
  if (consistent) {
    // Confirmed by arithmetic or by the payment: as good as a clear label.
    out.fields_confidence = std::max(out.fields_confidence, 0.45) + 0.2;
  }

  // Dates: an issue-date label first; else a date stamped with a time of
  // day (a till's "16-03-18 13:49"); else the first date not on a due line.
  // Only the first two are evidence, or a date printed on two lines: a lone
  // figure that parses as a date may be a code or a misread.
  bool date_evidence = false;
  std::string date_why;  // what vouches for the date
  for (size_t i = 0; i < lines.size() && !f.issue_date; ++i) {
    if (!RE2::PartialMatch(lines[i], IssueLabelRe()) || RE2::PartialMatch(lines[i], DueLabelRe())) {
      continue;
    }
    // On a line a label vouches for, digits OCR read as letters are put
    // back before the date is read ("Date: l3/04/2018" is the 13th).
    std::vector<Ymd> d = DatesInLine(DigitsInDates(lines[i]));
    if (d.empty() && i + 1 < lines.size()) d = DatesInLine(DigitsInDates(lines[i + 1]));
    if (!d.empty()) {
      f.issue_date = d.front();
      date_evidence = true;
      date_why = "label";
    }
  }
  for (size_t i = 0; i < lines.size() && !f.issue_date; ++i) {
    if (RE2::PartialMatch(lines[i], DueLabelRe()) || !RE2::PartialMatch(lines[i], TimeOfDayRe())) {
      continue;
    }
    std::vector<Ymd> d = DatesInLine(DigitsInDates(lines[i]));
    if (!d.empty()) {
      f.issue_date = d.front();
      date_evidence = true;
      date_why = "time of day";
    }
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<Ymd> d = DatesInLine(lines[i]);
    if (d.empty()) continue;
    if (RE2::PartialMatch(lines[i], DueLabelRe())) {
      static const RE2 due(
          R"((?i)([ée]ch[ée]ance|due|f[äa]llig|zahlbar|payable|vervaldatum|limite|payer\s*avant|pr[ée]l[eè]v))");
      if (!f.due_date && RE2::PartialMatch(lines[i], due)) f.due_date = d.back();
      // "Date : 28/11  Échéance : 28/12" on one line: the first is the date.
      if (!f.issue_date && d.size() >= 2 && RE2::PartialMatch(lines[i], IssueLabelRe())) {
        f.issue_date = d.front();
        date_evidence = true;
        date_why = "label";
      }
      continue;
    }
    if (!f.issue_date) f.issue_date = d.front();
  }
  if (!f.issue_date) {
    // OCR reads a date's dots as commas ("Datum: 29,04,2020", "29.04,20
    // 09:48"): repaired only on a line a date label or a time of day vouches
    // for, and only where the repair gives a calendar date.
    static const RE2 comma_date(R"((\d{1,2})[.,](\d{1,2})[.,](\d{4}|\d{2}))");
    for (size_t i = 0; i < lines.size() && !f.issue_date; ++i) {
      if (lines[i].find(',') == std::string::npos || RE2::PartialMatch(lines[i], DueLabelRe()) ||
          !(RE2::PartialMatch(lines[i], IssueLabelRe()) ||
            RE2::PartialMatch(lines[i], TimeOfDayRe()))) {
        continue;
      }
      std::string repaired = lines[i];
      RE2::GlobalReplace(&repaired, comma_date, R"(\1.\2.\3)");
      std::vector<Ymd> d = DatesInLine(repaired);
      if (!d.empty()) {
        f.issue_date = d.front();
        date_evidence = true;
        date_why = "label, commas repaired";
      }
    }
  }
  if (f.issue_date && !date_evidence) {
    int printed_on_lines = 0;
    for (const std::string& line : lines) {
      std::vector<Ymd> d = DatesInLine(line);
      printed_on_lines += std::find(d.begin(), d.end(), *f.issue_date) != d.end() ? 1 : 0;
    }
    // The only date on the page is no evidence: an unlabelled figure read
    // once (2 of 5 such dates were misread on the tune half).
    date_evidence = printed_on_lines >= 2;
    date_why = "printed twice";
  }
  if (date_evidence && ReadFromUnsureWord(*f.issue_date, unsure_words, lines)) {
    date_evidence = false;
  }
  if (f.issue_date) out.fields_confidence += date_evidence ? 0.3 : 0.15;
  out.total_confirmed = consistent;
  if (consistent) out.total_evidence = evidence;
  out.date_confirmed = f.issue_date && date_evidence;
  if (out.date_confirmed) out.date_evidence = date_why;

  // Invoice number after its label, on the line or the next.
  static const RE2 number_label(
      R"((?i)(n[°o]\s*(?:de\s*)?facture|facture\s*(?:n[°o]|num[ée]ro|#)|invoice\s*(?:no\.?|number|num|#|nr\.?)|rechnungs?\s*(?:nummer|nr\.?|-nr\.?)|factuur\s*(?:nummer|nr\.?)|factuurnummer|bill\s*no\.?|receipt\s*(?:no\.?|#)|doc(?:ument)?\s*no\.?|avoir\s*n[°o]|credit\s*note\s*(?:no\.?|#)|\binvoice\b|\bfacture\b|\brechnung\b|\bavoir\b|\bgutschrift\b)\s*[.:#]?\s*([A-Za-z0-9][A-Za-z0-9\-/._]*)?)");
  // A title naming the document, then its number further on the line:
  // "Handelsrechnung (380) Nr. 471102 vom …", "Rechnung des Versicherers
  // Nr. 00.123.456.7-2018-1", "Invoice for March, No. 12".
  static const RE2 titled_number(
      R"((?i)(\w*rechnung\w*|gutschrift|\bfacture|\bavoir|\binvoice|credit\s*note)\b[^\n]{0,60}?\b(?:nr\.?|no\.?|nummer|number|n[°o]|#)(?:\s*[.:#])?\s*([A-Za-z0-9][A-Za-z0-9\-/._]*))");
  static const RE2 token(R"(([A-Za-z0-9][A-Za-z0-9\-/._]{1,30}))");
  for (size_t i = 0; i < lines.size() && f.invoice_number.empty(); ++i) {
    std::string label, value;
    if (!RE2::PartialMatch(lines[i], number_label, &label, &value) &&
        !RE2::PartialMatch(lines[i], titled_number, &label, &value)) {
      continue;
    }
    if (value.empty() || !std::any_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      // "Rechnung des Versicherers Nr. …": the title's own number is further on.
      std::string titled;
      if (RE2::PartialMatch(lines[i], titled_number, &label, &titled)) value = titled;
    }
    auto has_digit = [](const std::string& s) {
      return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!value.empty() && has_digit(value) && DatesInLine(value).empty()) {
      f.invoice_number = value;
    } else if (i + 1 < lines.size()) {
      std::string next;
      if (RE2::PartialMatch(lines[i + 1], token, &next) && has_digit(next) &&
          DatesInLine(lines[i + 1]).empty() && AmountsInLine(lines[i + 1]).empty()) {
        f.invoice_number = next;
      }
    }
    while (!f.invoice_number.empty() &&
           (f.invoice_number.back() == '.' || f.invoice_number.back() == '/')) {
      f.invoice_number.pop_back();
    }
  }

  // VAT numbers, IBAN, SIREN.
  static const RE2 vat_re(R"(\b((?:AT|BE|CH|DE|DK|ES|FI|FR|GB|IE|IT|LU|NL|PL|PT|SE)[ .]?[0-9A-Z](?:[ .]?[0-9A-Z]){7,13}))");
  static const RE2 client_side(R"((?i)(client|customer|kunde|acheteur|buyer|destinataire|factur[ée]\s*[àa]|bill\s*to|ship\s*to))");
  for (int pass = 0; pass < 2 && f.supplier_vat.empty(); ++pass) {
    for (const std::string& line : lines) {
      if (pass == 0 && RE2::PartialMatch(line, client_side)) continue;
      re2::StringPiece input(line);
      std::string candidate;
      while (RE2::FindAndConsume(&input, vat_re, &candidate)) {
        // The match may run on into the next word: try it cut at each
        // space, longest first — never inside a run of characters, so an
        // IBAN (DE30 5075…) is not read as a VAT number.
        std::vector<std::string> cuts;
        std::string normalized;
        for (size_t k = 0; k < candidate.size(); ++k) {
          char ch = candidate[k];
          if (ch != ' ' && ch != '.') normalized.push_back(ch);
          bool boundary = k + 1 == candidate.size() || candidate[k + 1] == ' ';
          if (boundary) cuts.push_back(normalized);
        }
        for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
          if (CountryVatShape(*it)) {
            f.supplier_vat = *it;
            break;
          }
        }
        if (!f.supplier_vat.empty()) break;
      }
      if (!f.supplier_vat.empty()) break;
    }
  }
  static const RE2 iban_re(R"(\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?))");
  for (const std::string& line : lines) {
    re2::StringPiece input(line);
    std::string candidate;
    while (f.iban.empty() && RE2::FindAndConsume(&input, iban_re, &candidate)) {
      std::string iban = NormalizeIdentifier(candidate);
      for (size_t len = iban.size(); len >= 15 && f.iban.empty(); --len) {
        if (IsValidIban(iban.substr(0, len))) f.iban = iban.substr(0, len);
      }
    }
  }
  static const RE2 siren_re(R"((?i)(?:siren|siret|rcs\s*[\pL\- ]*)\s*:?\s*(\d{3}\s?\d{3}\s?\d{3}(?:\s?\d{5})?))");
  for (const std::string& line : lines) {
    std::string digits_raw;
    if (f.supplier_siren.empty() && RE2::PartialMatch(line, siren_re, &digits_raw)) {
      std::string digits = NormalizeIdentifier(digits_raw);
      if (digits.size() == 14 && IsValidSiret(digits)) digits = digits.substr(0, 9);
      if (digits.size() == 9 && IsValidSiren(digits)) f.supplier_siren = digits;
    }
  }
  if (f.supplier_siren.empty()) f.supplier_siren = SirenOfFrenchVat(f.supplier_vat);

  // Currency.
  static const RE2 eur(R"((€|\bEUR\b|\beuros?\b))");
  static const RE2 myr(R"((\bRM\s?\d|\bMYR\b))");
  static const RE2 usd(R"((\$\s?\d|\bUSD\b))");
  static const RE2 gbp(R"((£|\bGBP\b))");
  static const RE2 chf(R"((\bCHF\b))");
  std::string t(text);
  if (RE2::PartialMatch(t, eur)) {
    f.currency = "EUR";
  } else if (RE2::PartialMatch(t, myr)) {
    f.currency = "MYR";
  } else if (RE2::PartialMatch(t, gbp)) {
    f.currency = "GBP";
  } else if (RE2::PartialMatch(t, chf)) {
    f.currency = "CHF";
  } else if (RE2::PartialMatch(t, usd)) {
    f.currency = "USD";
  }

  f.supplier_name = SupplierName(lines);

  auto [type, confidence] = ClassifyText(text);
  // A till receipt by its shape, whatever its words: priced lines (or a
  // quantity × unit price), a total, and a payment line or a till's
  // timestamp. Confident when the total is confirmed by a second figure.
  bool priced_purchase = type == DocType::kOther ||
                         ((type == DocType::kReceipt || type == DocType::kInvoice) &&
                          confidence < 0.9);
  if (priced_purchase && f.total_incl_tax && f.total_incl_tax->cents > 0) {
    static const RE2 quantity_times_price(
        R"((?i)\d+(?:[.,]\d+)?\s*(?:[a-z]{1,3}\.?\s*)?[x*×]\s*\d+[.,]\d{2,3})");
    int priced_lines = 0;
    bool paid = false, stamped = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      bool payment = RE2::PartialMatch(line, card_line) || RE2::PartialMatch(line, cash_line) ||
                     RE2::PartialMatch(line, change_line);
      paid = paid || payment;
      if (!stamped && RE2::PartialMatch(line, TimeOfDayRe()) && !DatesInLine(line).empty()) {
        stamped = true;
      }
      if (RE2::PartialMatch(line, quantity_times_price)) {
        ++priced_lines;
      } else if (!amounts_on[i].empty() && !line.empty() &&
                 !absl::ascii_isdigit(static_cast<unsigned char>(line[0])) && !payment &&
                 !RE2::PartialMatch(line, WeakTotalRe()) && !RE2::PartialMatch(line, NetRe()) &&
                 !RE2::PartialMatch(line, TaxRe())) {
        ++priced_lines;
      }
    }
    if (priced_lines >= 1 && (paid || stamped)) {
      type = DocType::kReceipt;
      confidence = std::max(confidence, out.total_confirmed ? 0.9 : 0.75);
    }
  }
  // Credit notes: credit words, or an invoice with a negative total.
  if (type == DocType::kInvoice && f.total_incl_tax && f.total_incl_tax->cents < 0) {
    type = DocType::kCreditNote;
  }
  out.doc_type = type;
  out.type_confidence = confidence;
  out.fields_confidence = std::min(1.0, out.fields_confidence);
  return out;
}

}  // namespace liasse
