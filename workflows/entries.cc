#include "workflows/entries.h"

#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace {

Money Abs(Money m) { return Money{std::llabs(m.cents)}; }

// VAT of `base` at `rate` (hundredths of a percent), to the nearest cent.
Money VatAt(Money base, int64_t rate) {
  return Money{(base.cents * rate + 5000) / 10000};
}

// Text for a FEC field: no tab or line break inside.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) out.push_back(c == '\t' || c == '\r' || c == '\n' ? ' ' : c);
  return std::string(absl::StripAsciiWhitespace(out));
}

std::string FecAmount(Money m) {
  std::string out = FormatDecimal(m);
  out[out.size() - 3] = ',';
  return out;
}

std::string FecDate(std::chrono::year_month_day d) {
  return absl::StrFormat("%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                         static_cast<unsigned>(d.day()));
}

// Whether `account` starts with one of `prefixes`.
bool HasPrefix(const std::vector<std::string>& prefixes, const std::string& account) {
  for (const std::string& p : prefixes) {
    if (!p.empty() && absl::StartsWith(account, p)) return true;
  }
  return false;
}

// The deductible share of VAT on purchases booked on `account`, in
// hundredths of a percent: the longest configured prefix's, else all.
int64_t DeductibleShare(const AccountPlan& plan, const std::string& account) {
  int64_t share = 10000;
  size_t longest = 0;
  for (const auto& [prefix, s] : plan.vat_deductible_share) {
    if (prefix.size() > longest && absl::StartsWith(account, prefix)) {
      longest = prefix.size();
      share = s;
    }
  }
  return share;
}

// `vat` times `share` (hundredths of a percent), to the nearest cent.
Money Share(Money vat, int64_t share) {
  if (share >= 10000) return vat;
  return Money{(vat.cents * share + 5000) / 10000};
}

// Books `e`, written in `currency` for `total`, in euros for `eur`: each
// line converted at eur/total and keeping its amount in the currency; the
// cents the conversion leaves go to the largest line of the side that is
// short, so the entry stays balanced and the third party gets `eur`.
void ToEuros(const std::string& currency, Money total, Money eur, Entry* e) {
  if (total.cents == 0) return;  // nothing to convert at a rate
  int64_t debit = 0, credit = 0;
  for (EntryLine& l : e->lines) {
    Money& amount = l.debit.cents != 0 ? l.debit : l.credit;
    l.foreign_amount = amount;
    l.currency = currency;
    amount = Money{(amount.cents * eur.cents * 2 + total.cents) / (total.cents * 2)};
    debit += l.debit.cents;
    credit += l.credit.cents;
  }
  if (debit == credit) return;
  // The largest line but the third party's (the first), which keeps `eur`.
  EntryLine* largest = nullptr;
  for (size_t i = 1; i < e->lines.size(); ++i) {
    EntryLine& l = e->lines[i];
    if (!largest || l.debit.cents + l.credit.cents > largest->debit.cents + largest->credit.cents) {
      largest = &l;
    }
  }
  if (!largest) return;
  int64_t short_by = debit - credit;  // > 0: the credit side is short
  if (largest->debit.cents != 0) {
    largest->debit.cents -= short_by;
  } else {
    largest->credit.cents += short_by;
  }
}

}  // namespace

std::string AuxAccount(Direction direction, const std::string& siren, const std::string& vat,
                       const std::string& name, const std::vector<std::string>& from) {
  std::string prefix = direction == Direction::kSale ? "C" : "F";
  for (const std::string& source : from) {
    if (source == "siren") {
      std::string digits = DigitsOf(siren);
      if (digits.size() >= 9) return prefix + digits.substr(0, 9);
    } else if (source == "vat") {
      std::string id = NormalizeIdentifier(vat);
      if (!id.empty()) return prefix + id;
    } else if (source == "name") {
      break;
    }
  }
  std::string key;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      key.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
    }
    if (key.size() == 17) break;
  }
  return prefix + (key.empty() ? std::string("DIVERS") : key);
}

std::vector<KnownParty> LearnThirdParties(const std::vector<FecLine>& lines) {
  // Entry → its lines; party → label, control, and its entries' accounts.
  std::map<std::pair<std::string, std::string>, std::vector<const FecLine*>> entries;
  for (const FecLine& l : lines) entries[{l.journal, l.entry_number}].push_back(&l);
  std::map<std::string, KnownParty> parties;
  std::map<std::string, std::map<std::string, int>> uses;  // aux → account → entries
  for (const auto& [key, entry_lines] : entries) {
    std::string best;
    int64_t best_amount = -1;
    for (const FecLine* l : entry_lines) {
      if (l->account.empty() || !l->aux.empty()) continue;
      char cls = l->account[0];
      if (cls != '6' && cls != '7' && cls != '2') continue;
      int64_t amount = std::llabs(l->debit.cents - l->credit.cents);
      if (amount > best_amount) {
        best_amount = amount;
        best = l->account;
      }
    }
    for (const FecLine* l : entry_lines) {
      if (l->aux.empty()) continue;
      KnownParty& p = parties[l->aux];
      p.aux = l->aux;
      if (p.label.empty()) p.label = l->aux_label;
      if (p.control.empty()) p.control = l->account;
      if (!best.empty()) ++uses[l->aux][best];
    }
  }
  std::vector<KnownParty> out;
  for (auto& [aux, p] : parties) {
    int most = 0;
    for (const auto& [account, n] : uses[aux]) {
      if (n > most) {  // ties: the smaller account number, for a stable answer
        most = n;
        p.account = account;
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string CompanyNameKey(const std::string& name) {
  // Latin-1 letters as UTF-8 (U+00C0…U+00FF) to their base letter.
  static constexpr char kFold[] =
      "AAAAAAACEEEEIIII"  // À…Ï
      "DNOOOOO*OUUUUYTS"  // Ð…ß
      "AAAAAAACEEEEIIII"  // à…ï
      "DNOOOOO/OUUUUYTY";  // ð…ÿ
  static const std::set<std::string> kLegalForms = {
      "SA",  "SAS", "SASU", "SARL", "EURL", "SNC",  "SCI", "SCP",   "SELARL", "SCOP",
      "EI",  "EIRL", "LTD", "LIMITED", "GMBH", "AG", "INC", "LLC", "BV", "NV", "SRL", "SPA"};
  std::vector<std::string> words(1);
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    char letter = 0;
    if (c < 0x80) {
      letter = absl::ascii_isalnum(c) ? static_cast<char>(absl::ascii_toupper(c)) : 0;
    } else if (c == 0xC3 && i + 1 < name.size()) {
      unsigned char next = static_cast<unsigned char>(name[++i]);
      if (next >= 0x80 && next <= 0xBF) letter = kFold[next - 0x80];
      if (letter == '*' || letter == '/') letter = 0;
    } else if (c == 0xC5 && i + 1 < name.size()) {
      unsigned char next = static_cast<unsigned char>(name[++i]);
      if (next == 0x92 || next == 0x93) {  // Œ œ
        words.back() += "OE";
        continue;
      }
    }
    if (letter) {
      words.back().push_back(letter);
    } else if (c != '\'' && !words.back().empty()) {
      words.emplace_back();  // an apostrophe joins (l'Épi → LEPI)
    }
  }
  std::string key;
  for (const std::string& w : words) {
    if (!kLegalForms.count(w)) key += w;
  }
  return key;
}

const KnownParty* FindKnownParty(DocType type, const Fields& f,
                                 const std::vector<KnownParty>& known) {
  Direction direction = f.direction;
  if (direction == Direction::kUnknown && type == DocType::kReceipt) direction = Direction::kPurchase;
  if (direction == Direction::kUnknown) return nullptr;
  const bool purchase = direction == Direction::kPurchase;
  const std::string siren = DigitsOf(purchase ? f.supplier_siren : f.buyer_siren);
  const std::string vat = NormalizeIdentifier(purchase ? f.supplier_vat : f.buyer_vat);
  const std::string name = CompanyNameKey(purchase ? f.supplier_name : f.buyer_name);
  const std::string vat_siren = SirenOfFrenchVat(vat);
  const KnownParty* by_id = nullptr;
  const KnownParty* by_name = nullptr;
  int names = 0;
  for (const KnownParty& p : known) {
    if (!absl::StartsWith(p.control, purchase ? "40" : "41")) continue;
    std::string ids = NormalizeIdentifier(p.aux) + " " + NormalizeIdentifier(p.label);
    std::string digits = DigitsOf(p.aux) + " " + DigitsOf(p.label);
    bool id = (siren.size() == 9 && absl::StrContains(digits, siren)) ||
              (vat_siren.size() == 9 && absl::StrContains(digits, vat_siren)) ||
              (vat.size() > 4 && absl::StrContains(ids, vat));
    if (id) {
      if (by_id && by_id->aux != p.aux) return nullptr;  // two parties claim it
      by_id = &p;
    } else if (name.size() >= 3 && CompanyNameKey(p.label) == name) {
      ++names;
      by_name = &p;
    }
  }
  if (by_id) return by_id;
  return names == 1 ? by_name : nullptr;
}

bool IsAccountNumber(const std::string& account) {
  if (account.empty() || account.size() > 20) return false;
  for (char c : account) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string ThirdPartyAccount(DocType type, const Fields& f) {
  Direction direction = f.direction;
  if (direction == Direction::kUnknown && type == DocType::kReceipt) direction = Direction::kPurchase;
  if (direction == Direction::kPurchase) {
    return AuxAccount(direction, f.supplier_siren, f.supplier_vat, f.supplier_name);
  }
  if (direction == Direction::kSale) {
    return AuxAccount(direction, f.buyer_siren, f.buyer_vat, f.buyer_name);
  }
  return "";
}

EntryProposal ProposeEntry(const EntryDocument& doc, const AccountPlan& plan) {
  const Fields& f = doc.fields;
  EntryProposal out;
  if (doc.type != DocType::kInvoice && doc.type != DocType::kCreditNote &&
      doc.type != DocType::kReceipt) {
    out.review.push_back("only invoices, credit notes and receipts make an entry");
    return out;
  }
  Direction direction = f.direction;
  if (direction == Direction::kUnknown && doc.type == DocType::kReceipt) {
    direction = Direction::kPurchase;  // a client keeps the tickets of what it paid
  }
  if (direction == Direction::kUnknown) {
    out.review.push_back("purchase or sale: the client is neither the buyer nor the seller");
    return out;
  }
  if (!f.total_incl_tax) {
    out.review.push_back("no total including VAT");
    return out;
  }
  if (!f.issue_date) {
    out.review.push_back("no date");
    return out;
  }
  const bool foreign = !f.currency.empty() && f.currency != "EUR";
  std::optional<Money> eur_total = doc.eur_total;
  if (foreign && (!eur_total || eur_total->cents == 0) && f.total_tax_eur && f.total_tax &&
      f.total_tax->cents != 0 && f.total_tax_eur->cents != 0) {
    // No bank movement yet: the invoice's own rate, its VAT in euros
    // (BT-111) over its VAT in its currency (BT-110).
    const int64_t num = std::llabs(f.total_incl_tax->cents) * std::llabs(f.total_tax_eur->cents);
    const int64_t den = std::llabs(f.total_tax->cents);
    eur_total = Money{(num * 2 + den) / (den * 2)};
  }
  if (foreign && (!eur_total || eur_total->cents == 0 || f.total_incl_tax->cents == 0)) {
    out.review.push_back(absl::StrCat("amounts in ", f.currency,
                                      ": no amount in euros (no matched bank movement, no "
                                      "VAT in euros, BT-111)"));
    return out;
  }
  const bool purchase = direction == Direction::kPurchase;
  const bool down_payment = f.type_code == "386";
  if (f.type_code == "384") {
    out.review.push_back("corrected invoice (384): cancel the entry of the invoice it replaces");
  }
  if (!down_payment && f.amount_due && f.amount_due->cents > 0 &&
      f.amount_due->cents < std::llabs(f.total_incl_tax->cents) && f.total_incl_tax->cents > 0) {
    out.review.push_back(absl::StrCat(
        "booked for its total ", FormatDecimal(*f.total_incl_tax), "; ",
        FormatDecimal(Money{f.total_incl_tax->cents - f.amount_due->cents}),
        " already paid (a down payment, a part payment): clear it against the third party"));
  }
  const bool credit_note = doc.type == DocType::kCreditNote || f.total_incl_tax->cents < 0;
  const Money total = Abs(*f.total_incl_tax);
  const int64_t sign = f.total_incl_tax->cents < 0 ? -1 : 1;
  std::string charge = plan.expense;
  if (auto it = plan.expense_by_type.find(std::string(DocTypeName(doc.type)));
      it != plan.expense_by_type.end()) {
    charge = it->second;
  }
  std::string base_account = down_payment ? (purchase ? plan.down_payments_paid
                                                     : plan.down_payments_received)
                             : !doc.account.empty() ? doc.account
                             : purchase             ? charge
                                                    : plan.revenue;
  if (purchase) {
    Money excl = f.total_excl_tax ? Abs(*f.total_excl_tax) : Money{0};
    if (!f.tax_breakdown.empty()) {
      excl = Money{0};
      for (const TaxLine& t : f.tax_breakdown) excl.cents += t.base.cents * sign;
    }
    if (HasPrefix(plan.small_equipment, base_account) && !foreign &&
        excl.cents > plan.fixed_asset_threshold.cents && !plan.fixed_assets.empty()) {
      out.review.push_back(absl::StrCat("equipment above ", FormatDecimal(plan.fixed_asset_threshold),
                                        " excluding VAT: a fixed asset on ", plan.fixed_assets,
                                        ", to enter in the asset register"));
      base_account = plan.fixed_assets;
    } else if (!base_account.empty() && base_account[0] == '2') {
      out.review.push_back(absl::StrCat("a fixed asset on ", base_account,
                                        ": to enter in the asset register"));
    }
  }
  const bool fixed_asset = purchase && !base_account.empty() && base_account[0] == '2';
  // The share of the VAT that may be deducted; the rest is charged.
  const int64_t share = purchase ? DeductibleShare(plan, base_account) : 10000;
  const std::string base_label = purchase ? "Achats et charges" : "Ventes";
  std::map<int64_t, std::string> vat_accounts = purchase ? plan.vat_deductible : plan.vat_collected;
  if (!purchase && plan.sales_vat_on_payment) {
    for (auto& [rate, account] : vat_accounts) account = plan.vat_collected_pending;
  }
  if (fixed_asset) {
    for (auto& [rate, account] : vat_accounts) account = plan.vat_fixed_assets;
  }
  const std::string vat_label = purchase ? "TVA déductible" : "TVA collectée";

  Entry e;
  e.journal = purchase ? plan.purchases_journal : plan.sales_journal;
  e.journal_label = purchase ? "Achats" : "Ventes";
  e.date = *f.issue_date;
  e.due_date = f.due_date;
  e.document_id = doc.id;
  e.piece_ref = f.invoice_number.empty() ? absl::StrCat("DOC", doc.id) : OneLine(f.invoice_number);
  const std::string& party = purchase ? f.supplier_name : f.buyer_name;
  e.label = OneLine(absl::StrCat(party.empty() ? std::string("Divers") : party,
                                 f.invoice_number.empty() ? "" : " ", f.invoice_number));
  // Lines as an invoice has them (a purchase's charges and VAT on the
  // debit side); a credit note swaps every line at the end.
  auto add = [&](const std::string& account, const std::string& label, Money amount,
                 bool debit_side_of_purchase, std::optional<int64_t> rate) {
    EntryLine l;
    l.account = account;
    l.account_label = label;
    bool debit = purchase ? debit_side_of_purchase : !debit_side_of_purchase;
    if (amount.cents < 0) {  // an allowance at a rate: the other side
      debit = !debit;
      amount = Abs(amount);
    }
    (debit ? l.debit : l.credit) = amount;
    l.vat_rate = rate;
    e.lines.push_back(std::move(l));
  };
  Money lines_total{0};
  int rates = 0;
  std::vector<TaxLine> taxes = f.tax_breakdown;
  if (taxes.size() == 1 && taxes[0].rate > 0 && taxes[0].base.cents == 0 &&
      taxes[0].amount.cents == 0) {
    // A ticket that prints its total and its one rate: split by the rate.
    taxes[0].base = Money{(total.cents * 10000 * 2 + 10000 + taxes[0].rate) /
                          ((10000 + taxes[0].rate) * 2)};
    taxes[0].amount = Money{total.cents - taxes[0].base.cents};
  }
  if (!taxes.empty()) {
    for (const TaxLine& t : taxes) {
      // Signed as the invoice is (a negative base is an allowance), the
      // whole the right way up when the total is negative.
      Money base{t.base.cents * sign};
      Money vat{t.amount.cents * sign};
      std::string revenue = base_account;
      if (!purchase && doc.account.empty() && !down_payment) {
        if (auto it = plan.revenue_by_vat_category.find(t.category);
            it != plan.revenue_by_vat_category.end()) {
          revenue = it->second;
        }
      }
      if (purchase && (t.category == "AE" || t.category == "K")) {
        // Reverse charge: the client owes the VAT and deducts it.
        int64_t rate = t.rate;
        if (rate == 0) {
          rate = 2000;
          out.review.push_back("reverse charge without a rate: 20 % assumed");
        }
        Money due = VatAt(base, rate);
        Money deducted = Share(due, share);
        add(base_account, base_label, Money{base.cents + due.cents - deducted.cents}, true, t.rate);
        lines_total.cents += base.cents;
        ++rates;
        if (deducted.cents != 0) {
          add(plan.vat_reverse_charge_deductible, "TVA déductible autoliquidée", deducted, true, rate);
        }
        add(plan.vat_reverse_charge_due, "TVA due autoliquidée", due, false, rate);
        continue;
      }
      Money deducted = Share(vat, share);
      add(revenue, base_label, Money{base.cents + vat.cents - deducted.cents}, true, t.rate);
      lines_total.cents += base.cents + vat.cents - deducted.cents;
      ++rates;
      if (deducted.cents == 0) continue;
      auto account = vat_accounts.find(t.rate);
      if (account == vat_accounts.end()) {
        out.review.push_back(absl::StrCat("no VAT account for ", FormatRate(t.rate), " %"));
        return out;
      }
      add(account->second, vat_label, deducted, true, t.rate);
      lines_total.cents += deducted.cents;
    }
  } else if (f.total_tax && f.total_tax->cents != 0) {
    // VAT without its rate: bookable when every rate shares one account.
    std::set<std::string> accounts;
    for (const auto& [rate, account] : vat_accounts) accounts.insert(account);
    if (accounts.size() != 1) {
      out.review.push_back("VAT without its rate, and the rates have different accounts");
      return out;
    }
    Money vat = Abs(*f.total_tax);
    Money deducted = Share(vat, share);
    Money base{total.cents - deducted.cents};
    add(base_account, base_label, base, true, std::nullopt);
    if (deducted.cents != 0) add(*accounts.begin(), vat_label, deducted, true, std::nullopt);
    lines_total = total;
    rates = 1;
  } else if (doc.type == DocType::kReceipt ||
             (f.total_excl_tax && Abs(*f.total_excl_tax) == total)) {
    // A card slip (no VAT printed) or a document without VAT: the charge
    // for the whole total.
    add(base_account, base_label, total, true, std::nullopt);
    lines_total = total;
  } else {
    out.review.push_back("no VAT breakdown");
    return out;
  }
  int64_t diff = total.cents - lines_total.cents;
  if (diff != 0) {
    if (std::llabs(diff) > std::max(1, rates)) {
      out.review.push_back(absl::StrCat("the lines add up to ", FormatDecimal(lines_total),
                                        ", the total is ", FormatDecimal(total)));
      return out;
    }
    // The issuer's rounding: the total is what is owed.
    bool charge_side = (diff > 0) == purchase;
    EntryLine l;
    l.account = charge_side ? plan.rounding_charge : plan.rounding_product;
    l.account_label = "Écart d'arrondi";
    (charge_side ? l.debit : l.credit) = Money{std::llabs(diff)};
    e.lines.push_back(std::move(l));
  }
  EntryLine third;
  third.account = purchase ? plan.suppliers : plan.customers;
  third.account_label = purchase ? "Fournisseurs" : "Clients";
  third.aux = !doc.aux.empty() ? doc.aux
              : purchase        ? AuxAccount(direction, f.supplier_siren, f.supplier_vat,
                                             f.supplier_name, plan.aux_from)
                                : AuxAccount(direction, f.buyer_siren, f.buyer_vat, f.buyer_name,
                                             plan.aux_from);
  third.aux_label = OneLine(!doc.aux_label.empty() ? doc.aux_label
                            : party.empty()        ? std::string("Divers")
                                                   : party);
  (purchase ? third.credit : third.debit) = total;
  e.lines.insert(e.lines.begin(), std::move(third));
  if (foreign) ToEuros(f.currency, total, Abs(*eur_total), &e);
  if (credit_note) {
    for (EntryLine& l : e.lines) std::swap(l.debit, l.credit);
  }
  out.entry = std::move(e);
  return out;
}

std::string FormatFec(const std::vector<Entry>& entries) {
  std::string out =
      "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
      "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
      "ValidDate\tMontantdevise\tIdevise\r\n";
  int number = 0;
  for (const Entry& e : entries) {
    ++number;
    for (const EntryLine& l : e.lines) {
      std::vector<std::string> cells = {
          OneLine(e.journal),      OneLine(e.journal_label), absl::StrCat(number),
          FecDate(e.date),         OneLine(l.account),       OneLine(l.account_label),
          OneLine(l.aux),          OneLine(l.aux_label),     OneLine(e.piece_ref),
          FecDate(e.date),         OneLine(e.label),         FecAmount(l.debit),
          FecAmount(l.credit),     OneLine(l.lettering),
          l.lettering_date ? FecDate(*l.lettering_date) : "",
          "",
          l.foreign_amount ? FecAmount(*l.foreign_amount) : "",
          l.foreign_amount ? OneLine(l.currency) : ""};
      absl::StrAppend(&out, absl::StrJoin(cells, "\t"), "\r\n");
    }
  }
  return out;
}

std::string FecLines(const Entry& entry) {
  std::string lines = FormatFec({entry});
  return lines.substr(lines.find("\r\n") + 2);
}

namespace {

// `text` on one line, in Latin-9, cut or padded with spaces to `width` bytes.
std::string Fixed(const std::string& text, size_t width) {
  std::string out = ToLatin9(OneLine(text));
  out.resize(width, ' ');
  return out;
}

// `text`'s last `width` characters, padded.
std::string FixedTail(const std::string& text, size_t width) {
  std::string out = ToLatin9(OneLine(text));
  if (out.size() > width) out = out.substr(out.size() - width);
  out.resize(width, ' ');
  return out;
}

std::string QuadraDate(std::optional<std::chrono::year_month_day> d) {
  if (!d) return "000000";
  return absl::StrFormat("%02u%02u%02d", static_cast<unsigned>(d->day()),
                         static_cast<unsigned>(d->month()), static_cast<int>(d->year()) % 100);
}

// A third party's code in at most 8 characters: its own when it fits, else
// its prefix (F, C) and the first letters of its name.
std::string QuadraCode(const std::string& aux, const std::string& name) {
  if (aux.size() <= 8) return aux;
  std::string code = aux.substr(0, 1);
  for (char c : name) {
    if (code.size() == 8) break;
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      code.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
    }
  }
  if (code.size() == 1) code = aux.substr(0, 8);
  return code;
}

}  // namespace

absl::StatusOr<std::string> FormatQuadra(const std::vector<Entry>& entries,
                                         const std::map<int64_t, std::string>& pieces,
                                         std::map<std::string, std::string>* codes) {
  // Third parties first, each with one code; codes that collide are
  // numbered in the order of their auxiliary accounts, so an export of the
  // same entries gives the same codes.
  std::map<std::string, const EntryLine*> parties;  // by auxiliary account
  for (const Entry& e : entries) {
    for (const EntryLine& l : e.lines) {
      if (!l.aux.empty()) parties.emplace(l.aux, &l);
    }
  }
  std::map<std::string, std::string> code_of;
  std::set<std::string> taken;
  for (const auto& [aux, line] : parties) {
    if (aux.size() <= 8) taken.insert(aux);
  }
  for (const auto& [aux, line] : parties) {
    std::string code = QuadraCode(aux, line->aux_label);
    if (aux.size() > 8) {
      for (int n = 2; taken.count(code); ++n) {
        std::string suffix = absl::StrCat(n);
        code = QuadraCode(aux, line->aux_label).substr(0, 8 - suffix.size()) + suffix;
      }
      taken.insert(code);
    }
    code_of[aux] = code;
  }
  std::string out;
  for (const auto& [aux, line] : parties) {
    // C: the third party's code, name, alpha key and control account.
    absl::StrAppend(&out, "C", Fixed(code_of[aux], 8), Fixed(line->aux_label, 30),
                    Fixed(code_of[aux], 7), std::string(52, ' '), Fixed(line->account, 8),
                    std::string(110, ' '), "2", aux[0] == 'C' ? "C" : "F", std::string(235, ' '),
                    "\r\n");
  }
  int number = 0;
  for (const Entry& e : entries) {
    ++number;
    // A bank movement's entry has no piece of its own.
    auto piece = e.bank_txn_id != 0 ? pieces.end() : pieces.find(e.document_id);
    std::string file = piece == pieces.end() ? "" : piece->second;
    if (file.size() != 12) file.clear();  // the field holds an 8.3 name
    for (const EntryLine& l : e.lines) {
      std::string account = l.aux.empty() ? l.account : code_of[l.aux];
      if (account.empty() || account.size() > 8) {
        return absl::InvalidArgumentError(absl::StrCat(
            "account ", account, " has more than 8 characters: Quadra cannot take it"));
      }
      bool debit = l.debit.cents != 0;
      Money amount = debit ? l.debit : l.credit;
      absl::StrAppend(
          &out, "M", Fixed(account, 8), Fixed(e.journal, 2), "000", QuadraDate(e.date), " ",
          Fixed(e.label, 20), debit ? "D" : "C", "+", absl::StrFormat("%012d", amount.cents),
          std::string(8, ' '), QuadraDate(e.due_date), std::string(2 + 3, ' '),
          Fixed(absl::StrCat(number), 5), std::string(10 + 10, ' '), Fixed(absl::StrCat(number), 8),
          "EUR", Fixed(e.journal, 3),
          std::string(3, ' '), Fixed(e.label, 30), std::string(2, ' '), FixedTail(e.piece_ref, 10),
          std::string(10 + 13, ' '), Fixed(file, 12), std::string(38, ' '), "\r\n");
    }
  }
  if (codes) *codes = std::move(code_of);
  return out;
}

std::string ToLatin9(const std::string& utf8) {
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = 0;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > utf8.size()) {
      out.push_back('?');
      ++i;
      continue;
    }
    cp = len == 1 ? c : c & (0xFF >> (len + 1));
    bool valid = true;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(utf8[i + k]);
      if ((cc & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    i += valid ? len : 1;
    if (!valid) {
      out.push_back('?');
      continue;
    }
    static const std::map<uint32_t, char> kSwapped = {
        {0x20AC, '\xA4'}, {0x0160, '\xA6'}, {0x0161, '\xA8'}, {0x017D, '\xB4'},
        {0x017E, '\xB8'}, {0x0152, '\xBC'}, {0x0153, '\xBD'}, {0x0178, '\xBE'}};
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (auto it = kSwapped.find(cp); it != kSwapped.end()) {
      out.push_back(it->second);
    } else if (cp >= 0xA0 && cp <= 0xFF && cp != 0xA4 && cp != 0xA6 && cp != 0xA8 &&
               cp != 0xB4 && cp != 0xB8 && cp != 0xBC && cp != 0xBD && cp != 0xBE) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back('?');
    }
  }
  return out;
}

std::string FecFileName(const std::string& siren, std::chrono::year_month_day year_end) {
  return absl::StrCat(siren, "FEC", FecDate(year_end), ".txt");
}

}  // namespace liasse
