#include "workflows/entries.h"

#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
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

}  // namespace

std::string AuxAccount(Direction direction, const std::string& siren, const std::string& vat,
                       const std::string& name) {
  std::string prefix = direction == Direction::kSale ? "C" : "F";
  std::string digits = DigitsOf(siren);
  if (digits.size() >= 9) return prefix + digits.substr(0, 9);
  std::string id = NormalizeIdentifier(vat);
  if (!id.empty()) return prefix + id;
  std::string key;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      key.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
    }
    if (key.size() == 17) break;
  }
  return prefix + (key.empty() ? std::string("DIVERS") : key);
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
  if (!f.currency.empty() && f.currency != "EUR") {
    out.review.push_back(absl::StrCat("amounts in ", f.currency,
                                      ": the amount in euros is the bank's"));
    return out;
  }
  if (f.type_code == "386") {
    out.review.push_back("down payment invoice (386): booked on 4091/4191 by a person");
    return out;
  }
  const bool purchase = direction == Direction::kPurchase;
  const bool credit_note = doc.type == DocType::kCreditNote || f.total_incl_tax->cents < 0;
  const Money total = Abs(*f.total_incl_tax);
  std::string charge = plan.expense;
  if (auto it = plan.expense_by_type.find(std::string(DocTypeName(doc.type)));
      it != plan.expense_by_type.end()) {
    charge = it->second;
  }
  const std::string& base_account = !doc.account.empty() ? doc.account
                                    : purchase            ? charge
                                                          : plan.revenue;
  const std::string base_label = purchase ? "Achats et charges" : "Ventes";
  const std::map<int64_t, std::string>& vat_accounts =
      purchase ? plan.vat_deductible : plan.vat_collected;
  const std::string vat_label = purchase ? "TVA déductible" : "TVA collectée";

  Entry e;
  e.journal = purchase ? plan.purchases_journal : plan.sales_journal;
  e.journal_label = purchase ? "Achats" : "Ventes";
  e.date = *f.issue_date;
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
    (debit ? l.debit : l.credit) = amount;
    l.vat_rate = rate;
    e.lines.push_back(std::move(l));
  };
  Money lines_total{0};
  int rates = 0;
  if (!f.tax_breakdown.empty()) {
    for (const TaxLine& t : f.tax_breakdown) {
      Money base = Abs(t.base);
      Money vat = Abs(t.amount);
      add(base_account, base_label, base, true, t.rate);
      lines_total.cents += base.cents;
      ++rates;
      if (purchase && (t.category == "AE" || t.category == "K")) {
        // Reverse charge: the client owes the VAT and deducts it.
        int64_t rate = t.rate;
        if (rate == 0) {
          rate = 2000;
          out.review.push_back("reverse charge without a rate: 20 % assumed");
        }
        Money due = VatAt(base, rate);
        add(plan.vat_reverse_charge_deductible, "TVA déductible autoliquidée", due, true, rate);
        add(plan.vat_reverse_charge_due, "TVA due autoliquidée", due, false, rate);
        continue;
      }
      if (vat.cents == 0) continue;
      auto account = vat_accounts.find(t.rate);
      if (account == vat_accounts.end()) {
        out.review.push_back(absl::StrCat("no VAT account for ", FormatRate(t.rate), " %"));
        return out;
      }
      add(account->second, vat_label, vat, true, t.rate);
      lines_total.cents += vat.cents;
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
    Money base{total.cents - vat.cents};
    add(base_account, base_label, base, true, std::nullopt);
    add(*accounts.begin(), vat_label, vat, true, std::nullopt);
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
  third.aux = ThirdPartyAccount(doc.type, f);
  third.aux_label = OneLine(party.empty() ? std::string("Divers") : party);
  (purchase ? third.credit : third.debit) = total;
  e.lines.insert(e.lines.begin(), std::move(third));
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
          FecAmount(l.credit),     "",                       "",
          "",                      "",                       ""};
      absl::StrAppend(&out, absl::StrJoin(cells, "\t"), "\r\n");
    }
  }
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
