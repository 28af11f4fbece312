#include "workflows/printed.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"

namespace liasse {
namespace {

using YearMonthDay = std::chrono::year_month_day;

const RE2& AmountRe() {
  // A number with exactly two decimals, optionally grouped by thousands
  // (space, NBSP, dot, comma or apostrophe), not glued to other digits nor
  // the day and month of a date ("04.04.2018"). OCR often puts a space
  // after the decimal point ("39. 80"): allowed there.
  static const RE2 re(
      R"((?:^|[^\d.,])(-?\s?\d{1,3}(?:[ .,'\x{00A0}\x{202F}]\d{3})+[.,]\d{2}|-?\d+[.,] ?\d{2})(-?)(?:[^\d.,]|[.,]\D|[.,]$|$))");
  return re;
}

std::optional<Money> NormalizeAmount(absl::string_view token, bool trailing_minus) {
  std::string digits;
  bool negative = trailing_minus;
  for (char c : token) {
    if (c == '-') negative = true;
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  if (digits.size() < 3 || digits.size() > 15) return std::nullopt;
  int64_t cents = 0;
  for (char c : digits) cents = cents * 10 + (c - '0');
  return Money{negative ? -cents : cents};
}

const std::map<std::string, unsigned>& MonthNames() {
  static const auto* names = new std::map<std::string, unsigned>{
      // French
      {"janvier", 1}, {"janv", 1}, {"février", 2}, {"fevrier", 2}, {"févr", 2}, {"fevr", 2},
      {"mars", 3}, {"avril", 4}, {"avr", 4}, {"mai", 5}, {"juin", 6}, {"juillet", 7},
      {"juil", 7}, {"août", 8}, {"aout", 8}, {"septembre", 9}, {"octobre", 10},
      {"novembre", 11}, {"décembre", 12}, {"decembre", 12}, {"déc", 12},
      // English
      {"january", 1}, {"jan", 1}, {"february", 2}, {"feb", 2}, {"march", 3}, {"mar", 3},
      {"april", 4}, {"apr", 4}, {"may", 5}, {"june", 6}, {"jun", 6}, {"july", 7}, {"jul", 7},
      {"august", 8}, {"aug", 8}, {"september", 9}, {"sep", 9}, {"sept", 9}, {"october", 10},
      {"oct", 10}, {"november", 11}, {"nov", 11}, {"december", 12}, {"dec", 12},
      // German
      {"januar", 1}, {"jänner", 1}, {"februar", 2}, {"märz", 3}, {"maerz", 3}, {"mrz", 3},
      {"juni", 6}, {"juli", 7}, {"oktober", 10}, {"okt", 10}, {"dezember", 12}, {"dez", 12},
      // Dutch
      {"januari", 1}, {"februari", 2}, {"maart", 3}, {"mei", 5}, {"augustus", 8},
  };
  return *names;
}

std::string Lower(absl::string_view s) {
  // ASCII lower-case plus the accented capitals that month names use.
  std::string out = absl::AsciiStrToLower(s);
  for (auto [upper, lower] : {std::pair<std::string, std::string>{"É", "é"}, {"Û", "û"},
                              {"Ä", "ä"}}) {
    size_t p;
    while ((p = out.find(upper)) != std::string::npos) out.replace(p, upper.size(), lower);
  }
  return out;
}

std::optional<YearMonthDay> MakeDate(int y, int m, int d) {
  if (y < 100) y += 2000;
  if (y < 1990 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  YearMonthDay ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
          std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

}  // namespace

std::optional<Money> ParseAmount(absl::string_view text) {
  std::vector<Money> all = AmountsInLine(text);
  if (all.size() != 1) return std::nullopt;
  return all.front();
}

std::vector<Money> AmountsInLine(absl::string_view line) {
  std::vector<Money> out;
  re2::StringPiece input(line.data(), line.size());
  std::string token, minus;
  while (RE2::FindAndConsume(&input, AmountRe(), &token, &minus)) {
    // The match ends with the character after the amount, which may be the
    // separator before the next one ("12,00 13,00"): give it back.
    const char* end = line.data() + line.size();
    if (input.data() < end || (input.data() == end && end > line.data() &&
                               !absl::ascii_isdigit(static_cast<unsigned char>(end[-1])))) {
      input = re2::StringPiece(input.data() - 1, input.size() + 1);
    }
    if (std::optional<Money> m = NormalizeAmount(token, !minus.empty())) out.push_back(*m);
  }
  return out;
}

std::vector<YearMonthDay> DatesInLine(absl::string_view line) {
  std::vector<std::pair<size_t, YearMonthDay>> found;
  auto scan = [&](const RE2& re, auto make) {
    re2::StringPiece input(line.data(), line.size());
    std::string a, b, c;
    while (RE2::FindAndConsume(&input, re, &a, &b, &c)) {
      size_t pos = static_cast<size_t>(input.data() - line.data());
      if (std::optional<YearMonthDay> d = make(a, b, c)) found.push_back({pos, *d});
    }
  };
  static const RE2 iso(R"((?:^|\D)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\D|$))");
  // OCR puts spaces around slashes and dashes ("30 / 03 / 2018"); one
  // separator throughout and a four-digit year, so a phone number or a
  // product code ("3-21 - 12/480") does not pass for a date.
  static const RE2 spaced_slash(R"((?:^|[^\d.])(\d{1,2}) ?/ ?(\d{1,2}) ?/ ?(\d{4})(?:[^\d.]|$))");
  static const RE2 spaced_dash(R"((?:^|[^\d.])(\d{1,2}) ?- ?(\d{1,2}) ?- ?(\d{4})(?:[^\d.]|$))");
  // One separator throughout: "11/3-21" is a product code, not a date.
  static const RE2 numeric_slash(R"((?:^|[^\d.])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[^\d.]|$|\.\D|\.$))");
  static const RE2 numeric_dot(R"((?:^|[^\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[^\d.]|$|\.\D|\.$))");
  static const RE2 numeric_dash(R"((?:^|[^\d.])(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})(?:[^\d.]|$|\.\D|\.$))");
  static const RE2 day_name(
      R"((?i)(?:^|[^\pL\d])(\d{1,2})(?:er|st|nd|rd|th)?[\s.-]*(\pL{3,9})\.?[\s,.-]*(\d{4}|\d{2})(?:\D|$))");
  static const RE2 name_day(R"((?i)(?:^|[^\pL])(\pL{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:\D|$))");
  // Eight digits with no separator are a date only where a till prints
  // one, just before the time of day ("25032018 13:11:54", "20180325 13:11").
  static const RE2 compact_day_first(R"((?:^|\D)(\d{2})(\d{2})(\d{4})\s+[0-2]?\d:[0-5]\d(?:\D|$))");
  static const RE2 compact_year_first(R"((?:^|\D)(\d{4})(\d{2})(\d{2})\s+[0-2]?\d:[0-5]\d(?:\D|$))");
  auto num = [](const std::string& s) { return std::atoi(s.c_str()); };
  scan(iso, [&](const std::string& y, const std::string& m, const std::string& d) {
    return MakeDate(num(y), num(m), num(d));
  });
  auto day_first = [&](const std::string& d, const std::string& m, const std::string& y) {
    int dd = num(d), mm = num(m);
    if (mm > 12 && dd <= 12) std::swap(dd, mm);  // US order, when it can only be that
    return MakeDate(num(y), mm, dd);
  };
  scan(numeric_slash, day_first);
  scan(numeric_dot, day_first);
  scan(numeric_dash, day_first);
  if (found.empty()) {
    scan(spaced_slash, day_first);
    scan(spaced_dash, day_first);
  }
  scan(day_name, [&](const std::string& d, const std::string& name, const std::string& y) {
    auto it = MonthNames().find(Lower(name));
    if (it == MonthNames().end()) return std::optional<YearMonthDay>();
    return MakeDate(num(y), static_cast<int>(it->second), num(d));
  });
  scan(name_day, [&](const std::string& name, const std::string& d, const std::string& y) {
    auto it = MonthNames().find(Lower(name));
    if (it == MonthNames().end()) return std::optional<YearMonthDay>();
    return MakeDate(num(y), static_cast<int>(it->second), num(d));
  });
  if (found.empty()) {
    scan(compact_day_first, [&](const std::string& d, const std::string& m, const std::string& y) {
      return MakeDate(num(y), num(m), num(d));
    });
    scan(compact_year_first, [&](const std::string& y, const std::string& m, const std::string& d) {
      return MakeDate(num(y), num(m), num(d));
    });
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<YearMonthDay> out;
  for (const auto& [pos, d] : found) out.push_back(d);
  return out;
}

}  // namespace liasse
