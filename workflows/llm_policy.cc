#include "workflows/llm_policy.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "workflows/identifiers.h"
#include "workflows/text_fields.h"

namespace liasse {
namespace {

void ReplaceAll(std::string* text, const RE2& re, absl::string_view with) {
  RE2::GlobalReplace(text, re, re2::StringPiece(with.data(), with.size()));
}

// Replaces each match of `re` for which `redact_if(matched text)` holds.
template <typename Pred>
void ReplaceWhere(std::string* text, const RE2& re, absl::string_view with, Pred redact_if) {
  std::string out;
  size_t done = 0;
  size_t pos = 0;
  while (pos <= text->size()) {
    re2::StringPiece m;
    if (!re.Match(*text, pos, text->size(), RE2::UNANCHORED, &m, 1)) break;
    size_t start = static_cast<size_t>(m.data() - text->data());
    size_t end = start + m.size();
    if (m.empty()) {
      pos = end + 1;
      continue;
    }
    if (redact_if(absl::string_view(m.data(), m.size()))) {
      out.append(*text, done, start - done);
      out.append(with.data(), with.size());
      done = end;
    }
    pos = end;
  }
  out.append(*text, done, std::string::npos);
  *text = std::move(out);
}

// An IBAN has 15 to 34 letters and digits (Norway's 15 is the shortest); a
// VAT number such as FR40732829320 has 13.
bool IbanLength(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += absl::ascii_isalnum(static_cast<unsigned char>(c)) ? 1 : 0;
  return n >= 15 && n <= 34;
}

// Cuts at a UTF-8 boundary at or before `n`.
size_t Utf8Floor(absl::string_view s, size_t n) {
  if (n >= s.size()) return s.size();
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

std::string WithoutSpaces(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace

std::string RedactForLlm(absl::string_view text) {
  std::string out(text);
  // E-mail addresses first: their digits must not be taken for a phone.
  static const RE2 email(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})");
  // IBAN: country code, check digits, 11–30 alphanumerics in groups
  // (spaces, hyphens or dots between them); in lower case too when its
  // groups are digits ("fr76 3000 6000 …") or it follows the word IBAN.
  static const RE2 iban(R"(\b[A-Z]{2}\d{2}(?:[ \-.]?[A-Z0-9]{2,4}){3,8}\b)");
  static const RE2 iban_digits(
      R"((?i)\b[a-z]{2}\d{2}(?:[ \-.]?\d{4}){3,7}(?:[ \-.]?[a-z0-9]{1,4})?\b)");
  static const RE2 iban_labelled(
      R"((?i)\biban\b\W{0,5}[a-z]{2}\d{2}(?:[ \-.]?[a-z0-9]{2,4}){3,8}\b)");
  // NIR: sex digit, year, month, department (2A/2B), commune, order, key.
  static const RE2 nir(
      R"(\b[12][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{2})?\b)");
  // Phones: international (+33, 0033, (+33), +33 (0)…, any country's
  // grouping such as +49 30 1234567) and French national forms.
  static const RE2 phone(
      R"((?:(?:\+|\b00)\d{1,3}|\(\+\d{1,3}\))[ .\-]?(?:\(0\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,8}){1,4}\b)"
      R"(|\b0[1-9](?:[ .\-]?\d{2}){4}\b)");
  ReplaceAll(&out, email, "[EMAIL]");
  ReplaceAll(&out, iban_labelled, "IBAN [IBAN]");
  ReplaceWhere(&out, iban, "[IBAN]", IbanLength);
  ReplaceWhere(&out, iban_digits, "[IBAN]", IbanLength);
  ReplaceAll(&out, nir, "[NIR]");
  ReplaceAll(&out, phone, "[PHONE]");
  return out;
}

std::string CompactForLlm(absl::string_view text, size_t max_chars) {
  std::string compact;
  compact.reserve(text.size());
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::string one;
    bool space = false;
    for (char c : line) {
      if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
        space = !one.empty();
        continue;
      }
      if (space) one.push_back(' ');
      space = false;
      one.push_back(c);
    }
    if (one.empty()) continue;
    if (!compact.empty()) compact.push_back('\n');
    compact += one;
  }
  if (compact.size() <= max_chars) return compact;
  const std::string marker = "\n[…]\n";
  if (max_chars <= marker.size() + 2) return compact.substr(0, Utf8Floor(compact, max_chars));
  size_t budget = max_chars - marker.size();
  size_t head = Utf8Floor(compact, budget * 2 / 3);
  size_t tail_start = compact.size() - (budget - head);
  while (tail_start < compact.size() &&
         (static_cast<unsigned char>(compact[tail_start]) & 0xC0) == 0x80) {
    ++tail_start;
  }
  return absl::StrCat(compact.substr(0, head), marker, compact.substr(tail_start));
}

namespace {

// One OCR confusion apart: equal, or one character changed, dropped or added.
bool OneEditApart(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (a.size() == b.size()) {
    int diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i] ? 1 : 0;
    return diff == 1;
  }
  const std::string& longer = a.size() > b.size() ? a : b;
  const std::string& shorter = a.size() > b.size() ? b : a;
  if (longer.size() != shorter.size() + 1) return false;
  for (size_t skip = 0; skip < longer.size(); ++skip) {
    if (longer.compare(0, skip, shorter, 0, skip) == 0 &&
        longer.compare(skip + 1, std::string::npos, shorter, skip, std::string::npos) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

Check GroundingCheck(const Fields& proposed, absl::string_view document_text,
                     bool read_from_image) {
  std::set<int64_t> amounts;
  std::set<std::string> digit_tokens;
  std::set<std::chrono::year_month_day> dates;
  for (absl::string_view line : absl::StrSplit(document_text, '\n')) {
    for (const Money& m : AmountsInLine(line)) amounts.insert(m.cents < 0 ? -m.cents : m.cents);
    for (const auto& d : DatesInLine(line)) dates.insert(d);
    for (absl::string_view token : absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
      std::string digits = DigitsOf(token);
      if (!digits.empty()) digit_tokens.insert(digits.erase(0, digits.find_first_not_of('0')));
    }
  }
  std::vector<std::string> missing;
  auto amount_printed = [&](int64_t cents) {
    cents = cents < 0 ? -cents : cents;
    if (cents == 0 || amounts.count(cents)) return true;
    if (digit_tokens.count(absl::StrCat(cents))) return true;
    if (cents % 100 == 0 && digit_tokens.count(absl::StrCat(cents / 100)) > 0) return true;
    if (!read_from_image) return false;
    std::string want = absl::StrCat(cents);
    return std::any_of(digit_tokens.begin(), digit_tokens.end(), [&](const std::string& t) {
      return t.size() >= 3 && OneEditApart(want, t);
    });
  };
  auto check_amount = [&](const std::optional<Money>& m, const char* name) {
    if (m && !amount_printed(m->cents)) missing.push_back(name);
  };
  check_amount(proposed.total_excl_tax, "total_excl_tax");
  check_amount(proposed.total_tax, "total_tax");
  check_amount(proposed.total_incl_tax, "total_incl_tax");
  for (const TaxLine& line : proposed.tax_breakdown) {
    check_amount(line.amount, "tax_breakdown");
  }
  auto date_printed = [&](const std::chrono::year_month_day& d) {
    if (dates.count(d)) return true;
    if (!read_from_image) return false;
    auto digits = [](const std::chrono::year_month_day& x) {
      return absl::StrFormat("%02u%02u%04d", static_cast<unsigned>(x.day()),
                             static_cast<unsigned>(x.month()), static_cast<int>(x.year()));
    };
    std::string want = digits(d);
    return std::any_of(dates.begin(), dates.end(),
                       [&](const auto& printed) { return OneEditApart(want, digits(printed)); });
  };
  if (proposed.issue_date && !date_printed(*proposed.issue_date)) missing.push_back("issue_date");
  if (!proposed.invoice_number.empty()) {
    std::string number = WithoutSpaces(proposed.invoice_number);
    if (WithoutSpaces(document_text).find(number) == std::string::npos) {
      missing.push_back("invoice_number");
    }
  }
  Check c;
  c.code = "llm_grounded";
  c.severity = "error";
  c.ok = missing.empty();
  std::string list = absl::StrJoin(missing, ", ");
  c.message_fr = c.ok ? "Les valeurs proposées figurent dans le document."
                      : absl::StrCat("Valeurs absentes du document : ", list, ".");
  c.message_en = c.ok ? "The proposed values are printed in the document."
                      : absl::StrCat("Values not found in the document: ", list, ".");
  return c;
}

Check FiguresHoldTogether(const Fields& f, bool priced) {
  std::vector<std::string> wrong;
  if (f.total_excl_tax && f.total_tax && f.total_incl_tax &&
      std::llabs(f.total_excl_tax->cents + f.total_tax->cents - f.total_incl_tax->cents) > 1) {
    wrong.push_back("net + tax != total");
  }
  if (f.total_excl_tax && f.total_tax && f.total_excl_tax->cents > 0 &&
      (f.total_tax->cents < 0 || f.total_tax->cents * 100 > f.total_excl_tax->cents * 27)) {
    wrong.push_back("tax rate");
  }
  if (priced && !f.total_incl_tax) wrong.push_back("no total");
  for (const TaxLine& line : f.tax_breakdown) {
    if (line.base.cents == 0) continue;
    int64_t expected = (line.base.cents * line.rate + 5000) / 10000;
    if (std::llabs(expected - line.amount.cents) > 1) wrong.push_back("tax line");
  }
  Check c;
  c.code = "llm_figures_consistent";
  c.severity = "error";
  c.ok = wrong.empty();
  std::string list = absl::StrJoin(wrong, ", ");
  c.message_fr = c.ok ? "Les montants lus sur l'image concordent."
                      : absl::StrCat("Montants lus sur l'image incohérents : ", list, ".");
  c.message_en = c.ok ? "The figures read from the image agree."
                      : absl::StrCat("Figures read from the image disagree: ", list, ".");
  return c;
}

Fields MergeProposal(const Fields& rules, const Fields& proposed) {
  Fields out = proposed;
  auto fill = [](std::string& into, const std::string& from) {
    if (into.empty()) into = from;
  };
  fill(out.supplier_name, rules.supplier_name);
  fill(out.supplier_siren, rules.supplier_siren);
  fill(out.supplier_vat, rules.supplier_vat);
  fill(out.invoice_number, rules.invoice_number);
  fill(out.currency, rules.currency);
  fill(out.iban, rules.iban);
  fill(out.type_code, rules.type_code);
  fill(out.buyer_name, rules.buyer_name);
  fill(out.buyer_siren, rules.buyer_siren);
  fill(out.buyer_vat, rules.buyer_vat);
  if (!out.issue_date) out.issue_date = rules.issue_date;
  if (!out.due_date) out.due_date = rules.due_date;
  // Totals travel together: mixing the model's TTC with the rules' HT would
  // make up a document that exists nowhere.
  if (!out.total_excl_tax && !out.total_tax && !out.total_incl_tax) {
    out.total_excl_tax = rules.total_excl_tax;
    out.total_tax = rules.total_tax;
    out.total_incl_tax = rules.total_incl_tax;
    out.amount_due = rules.amount_due;
    out.tax_breakdown = rules.tax_breakdown;
  }
  return out;
}

bool RulesDecide(bool rules_sure, const std::vector<Check>& rules_checks) {
  return rules_sure && !HasBlockingFailure(rules_checks);
}

std::vector<Check> BindingRuleFailures(const std::vector<Check>& rules_checks) {
  std::vector<Check> binding;
  for (const Check& c : rules_checks) {
    if (!c.ok && c.severity == "error") binding.push_back(c);
  }
  return binding;
}

void CircuitBreaker::RecordSuccess() {
  consecutive_failures_ = 0;
  cooldown_ = absl::ZeroDuration();
}

void CircuitBreaker::RecordFailure(absl::Time now) {
  ++consecutive_failures_;
  if (consecutive_failures_ < options_.failures_to_open) return;
  cooldown_ = cooldown_ == absl::ZeroDuration()
                  ? options_.first_cooldown
                  : std::min(cooldown_ * 2, options_.max_cooldown);
  open_until_ = now + cooldown_;
  // Half-open after the cool-down: one failure reopens it at once.
  consecutive_failures_ = options_.failures_to_open - 1;
}

void CircuitBreaker::OpenUntil(absl::Time until) {
  open_until_ = std::max(open_until_, until);
}

}  // namespace liasse
