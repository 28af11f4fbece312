#include "ocr/bank_statement.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <pugixml.hpp>
#include <re2/re2.h>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"
#include "workflows/printed.h"

namespace liasse {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

absl::Status At(int line, int column, const std::string& what) {
  return absl::InvalidArgumentError(
      column > 0 ? absl::StrCat("line ", line, ", column ", column, ": ", what)
                 : absl::StrCat("line ", line, ": ", what));
}

bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (n < 0) return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

void AppendUtf8(std::string* out, unsigned cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Date as banks write it: 12/10/2026, 12/10/26, 2026-10-12, 20261012, 12.10.2026.
std::optional<Date> BankDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() >= 8 && text.size() <= 14 && std::all_of(text.begin(), text.begin() + 8, [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    int y = 0, m = 0, d = 0;
    if (absl::SimpleAtoi(text.substr(0, 4), &y) && absl::SimpleAtoi(text.substr(4, 2), &m) &&
        absl::SimpleAtoi(text.substr(6, 2), &d)) {
      Date out{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
      if (out.ok()) return out;
    }
  }
  if (auto iso = ParseIsoDate(text.substr(0, 10)); iso.ok()) return *iso;
  std::vector<absl::string_view> parts = absl::StrSplit(text, absl::ByAnyChar("/.-"));
  if (parts.size() == 3) {
    int d = 0, m = 0, y = 0;
    if (absl::SimpleAtoi(parts[0], &d) && absl::SimpleAtoi(parts[1], &m) &&
        absl::SimpleAtoi(parts[2].substr(0, 4), &y)) {
      if (parts[2].size() == 2) y += 2000;
      Date out{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
      if (out.ok() && y >= 1990 && y <= 2099) return out;
    }
  }
  return std::nullopt;
}

// "-1 234,56", "1234.56", "45,2", "+12", "1.234,56 €" → cents.
std::optional<Money> BankAmount(absl::string_view text) {
  std::string t;
  for (char c : text) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '.' || c == '-' ||
        c == '+') {
      t.push_back(c);
    }
  }
  if (t.empty()) return std::nullopt;
  bool negative = t.find('-') != std::string::npos;
  t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return c == '-' || c == '+'; }), t.end());
  size_t last_sep = t.find_last_of(".,");
  std::string whole = t, frac;
  if (last_sep != std::string::npos && t.size() - last_sep - 1 <= 2 && t.size() - last_sep - 1 >= 1) {
    whole = t.substr(0, last_sep);
    frac = t.substr(last_sep + 1);
  }
  whole.erase(std::remove_if(whole.begin(), whole.end(), [](char c) { return c == '.' || c == ','; }),
              whole.end());
  if (whole.empty()) whole = "0";
  while (frac.size() < 2) frac.push_back('0');
  int64_t units = 0, cents = 0;
  if (whole.size() > 13 || !absl::SimpleAtoi(whole, &units) || !absl::SimpleAtoi(frac, &cents)) {
    return std::nullopt;
  }
  int64_t v = units * 100 + cents;
  return Money{negative ? -v : v};
}

void Fingerprint(std::vector<BankTxn>* txns) {
  std::map<std::string, int> seen;
  for (BankTxn& t : *txns) {
    if (!t.reference.empty()) {
      t.fingerprint = absl::StrCat(t.account, "|ref|", t.reference);
      continue;
    }
    std::string base =
        absl::StrCat(t.account, "|", FormatIsoDate(t.date), "|", t.amount.cents, "|", t.label);
    t.fingerprint = absl::StrCat(base, "|", seen[base]++);
  }
}

// ---------- CSV

std::vector<std::string> SplitCsvLine(absl::string_view line, char sep) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
      cell.clear();
    } else {
      cell.push_back(c);
    }
  }
  cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
  return cells;
}

struct CsvColumns {
  int date = -1, label = -1, amount = -1, debit = -1, credit = -1, label2 = -1;
  bool complete() const { return date >= 0 && label >= 0 && (amount >= 0 || debit >= 0); }
};

CsvColumns ColumnsFromHeader(const std::vector<std::string>& cells) {
  CsvColumns c;
  for (int i = 0; i < static_cast<int>(cells.size()); ++i) {
    std::string h = std::string(absl::StripAsciiWhitespace(FoldLabel(cells[i])));
    if (h.empty()) continue;
    if (c.date < 0 && (absl::StartsWith(h, "date") || h == "booking date" || h == "buchungstag")) {
      c.date = i;
    } else if (absl::StartsWith(h, "libelle") || absl::StartsWith(h, "label") ||
               absl::StartsWith(h, "description") || absl::StartsWith(h, "intitule") ||
               h == "details" || h == "verwendungszweck") {
      if (c.label < 0) {
        c.label = i;
      } else if (c.label2 < 0) {
        c.label2 = i;
      }
    } else if (absl::StartsWith(h, "debit")) {
      c.debit = i;
    } else if (absl::StartsWith(h, "credit")) {
      c.credit = i;
    } else if (absl::StartsWith(h, "montant") || absl::StartsWith(h, "amount") || h == "betrag") {
      c.amount = i;
    }
  }
  return c;
}

absl::StatusOr<CsvColumns> ColumnsFromFormat(const std::string& format) {
  CsvColumns c;
  for (absl::string_view kv : absl::StrSplit(format.substr(4), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> p = absl::StrSplit(kv, '=');
    int n = 0;
    if (!absl::SimpleAtoi(p.second, &n) || n < 1 || n > 100) {
      return absl::InvalidArgumentError(absl::StrCat("csv format: bad column \"", kv, "\""));
    }
    int* slot = p.first == "date"     ? &c.date
                : p.first == "label"  ? &c.label
                : p.first == "amount" ? &c.amount
                : p.first == "debit"  ? &c.debit
                : p.first == "credit" ? &c.credit
                                      : nullptr;
    if (!slot) return absl::InvalidArgumentError(absl::StrCat("csv format: unknown column ", p.first));
    *slot = n - 1;
  }
  if (!c.complete()) {
    return absl::InvalidArgumentError("csv format: date, label and amount (or debit) are needed");
  }
  return c;
}

absl::StatusOr<BankStatement> ParseCsv(absl::string_view bytes, const std::string& format) {
  std::string text = ToUtf8(bytes);
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.erase(0, 3);
  std::vector<std::string> lines = absl::StrSplit(text, absl::ByAnyChar("\n"));
  for (std::string& l : lines) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
  }
  BankStatement st;
  st.format = "csv";
  CsvColumns cols;
  size_t first_data = 0;
  char sep = ';';
  bool positional = absl::StartsWith(format, "csv:");
  auto guess_sep = [](const std::string& l) {
    size_t semi = std::count(l.begin(), l.end(), ';');
    size_t tab = std::count(l.begin(), l.end(), '\t');
    size_t comma = std::count(l.begin(), l.end(), ',');
    return semi >= tab && semi >= comma && semi > 0 ? ';' : tab > comma ? '\t' : ',';
  };
  if (positional) {
    absl::StatusOr<CsvColumns> c = ColumnsFromFormat(format);
    if (!c.ok()) return c.status();
    cols = *c;
    for (const std::string& l : lines) {
      if (!l.empty()) {
        sep = guess_sep(l);
        break;
      }
    }
  } else {
    // The header is the first line naming a date and an amount; French
    // exports put the account and balance lines above it.
    bool found = false;
    for (size_t i = 0; i < lines.size() && i < 30 && !found; ++i) {
      char s = guess_sep(lines[i]);
      CsvColumns c = ColumnsFromHeader(SplitCsvLine(lines[i], s));
      if (c.complete()) {
        cols = c;
        sep = s;
        first_data = i + 1;
        found = true;
      }
      if (!found && lines[i].find("FR76") != std::string::npos) {
        for (const std::string& cell : SplitCsvLine(lines[i], s)) {
          std::string compact;
          for (char ch : cell) {
            if (ch != ' ') compact.push_back(ch);
          }
          if (absl::StartsWith(compact, "FR76") && compact.size() >= 27) st.account = compact.substr(0, 27);
        }
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(
          "csv: no header line with a date, a label and an amount (or débit/crédit) column; name "
          "the columns with format \"csv:date=1,label=2,amount=3\"");
    }
  }
  for (size_t i = first_data; i < lines.size(); ++i) {
    if (absl::StripAsciiWhitespace(lines[i]).empty()) continue;
    int line_no = static_cast<int>(i) + 1;
    std::vector<std::string> cells = SplitCsvLine(lines[i], sep);
    auto cell = [&](int col) -> std::string {
      return col >= 0 && col < static_cast<int>(cells.size()) ? cells[col] : "";
    };
    std::string date_text = cell(cols.date);
    std::optional<Date> date = BankDate(date_text);
    if (!date) {
      // Footer lines ("Solde au 31/10/2026;1 234,56") have no date in the date column.
      if (date_text.empty() && i + 3 >= lines.size()) continue;
      return At(line_no, cols.date + 1, absl::StrCat("\"", date_text, "\" is not a date"));
    }
    std::optional<Money> amount;
    if (cols.amount >= 0) {
      amount = BankAmount(cell(cols.amount));
      if (!amount) {
        return At(line_no, cols.amount + 1,
                  absl::StrCat("\"", cell(cols.amount), "\" is not an amount"));
      }
    } else {
      std::optional<Money> debit = cell(cols.debit).empty() ? std::optional<Money>()
                                                             : BankAmount(cell(cols.debit));
      std::optional<Money> credit = cell(cols.credit).empty() ? std::optional<Money>()
                                                               : BankAmount(cell(cols.credit));
      if (!cell(cols.debit).empty() && !debit) {
        return At(line_no, cols.debit + 1, absl::StrCat("\"", cell(cols.debit), "\" is not an amount"));
      }
      if (!cell(cols.credit).empty() && !credit) {
        return At(line_no, cols.credit + 1,
                  absl::StrCat("\"", cell(cols.credit), "\" is not an amount"));
      }
      if (!debit && !credit) {
        return At(line_no, cols.debit + 1, "neither a débit nor a crédit amount");
      }
      int64_t d = debit ? std::llabs(debit->cents) : 0;
      int64_t c = credit ? std::llabs(credit->cents) : 0;
      amount = Money{c - d};
    }
    BankTxn t;
    t.account = st.account;
    t.date = *date;
    t.amount = *amount;
    t.label = cell(cols.label);
    if (cols.label2 >= 0 && !cell(cols.label2).empty()) t.label += " " + cell(cols.label2);
    st.txns.push_back(std::move(t));
  }
  return st;
}

// ---------- OFX (1.x SGML and 2.x XML: the same tags)

absl::StatusOr<BankStatement> ParseOfx(absl::string_view bytes) {
  std::string text = ToUtf8(bytes);
  BankStatement st;
  st.format = "ofx";
  std::optional<BankTxn> current;
  int line = 1;
  size_t i = 0;
  std::string balance_tag;
  while (i < text.size()) {
    size_t open = text.find('<', i);
    if (open == std::string::npos) break;
    line += static_cast<int>(std::count(text.begin() + static_cast<long>(i),
                                        text.begin() + static_cast<long>(open), '\n'));
    size_t close = text.find('>', open);
    if (close == std::string::npos) return At(line, 0, "unterminated tag");
    std::string tag = absl::AsciiStrToUpper(text.substr(open + 1, close - open - 1));
    size_t next = text.find('<', close);
    std::string value(absl::StripAsciiWhitespace(
        text.substr(close + 1, (next == std::string::npos ? text.size() : next) - close - 1)));
    i = close + 1;
    if (tag == "STMTTRN") {
      current = BankTxn();
    } else if (tag == "/STMTTRN") {
      if (!current) return At(line, 0, "</STMTTRN> without <STMTTRN>");
      if (current->date == Date{}) return At(line, 0, "transaction without DTPOSTED");
      current->account = st.account;
      st.txns.push_back(*current);
      current.reset();
    } else if (tag == "ACCTID" && st.account.empty()) {
      st.account = value;
    } else if (tag == "LEDGERBAL" || tag == "AVAILBAL") {
      balance_tag = tag;
    } else if (tag == "BALAMT" && balance_tag == "LEDGERBAL") {
      if (std::optional<Money> m = BankAmount(value)) st.closing_balance = m;
    } else if (current) {
      if (tag == "DTPOSTED") {
        std::optional<Date> d = BankDate(value.substr(0, 8));
        if (!d) return At(line, 0, absl::StrCat("DTPOSTED \"", value, "\" is not a date"));
        current->date = *d;
      } else if (tag == "TRNAMT") {
        std::optional<Money> m = BankAmount(value);
        if (!m) return At(line, 0, absl::StrCat("TRNAMT \"", value, "\" is not an amount"));
        current->amount = *m;
      } else if (tag == "FITID") {
        current->reference = value;
      } else if (tag == "NAME") {
        current->label = value + (current->label.empty() ? "" : " " + current->label);
      } else if (tag == "MEMO") {
        current->label += (current->label.empty() ? "" : " ") + value;
      }
    }
  }
  if (current) return At(line, 0, "the last <STMTTRN> is not closed");
  if (st.txns.empty() && text.find("OFXHEADER") == std::string::npos &&
      text.find("<OFX>") == std::string::npos) {
    return absl::InvalidArgumentError("ofx: no OFX header and no transaction");
  }
  return st;
}

// ---------- CFONB 120

absl::StatusOr<BankStatement> ParseCfonb(absl::string_view bytes) {
  std::string text = ToUtf8(bytes);
  BankStatement st;
  st.format = "cfonb120";
  std::vector<std::string> records;
  if (text.find('\n') == std::string::npos && text.size() % 120 == 0) {
    for (size_t i = 0; i < text.size(); i += 120) records.push_back(text.substr(i, 120));
  } else {
    records = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  }
  auto amount_of = [](const std::string& r, int* column) -> std::optional<Money> {
    // 14 characters at 91–104, the last one an overpunched sign digit.
    std::string field = r.substr(90, 14);
    int decimals = r[19] - '0';
    char last = field.back();
    bool negative = false;
    int digit = 0;
    if (last == '{') {
      digit = 0;
    } else if (last == '}') {
      negative = true;
    } else if (last >= 'A' && last <= 'I') {
      digit = last - 'A' + 1;
    } else if (last >= 'J' && last <= 'R') {
      digit = last - 'J' + 1;
      negative = true;
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(last))) {
      digit = last - '0';
    } else {
      *column = 104;
      return std::nullopt;
    }
    int64_t v = 0;
    for (size_t k = 0; k + 1 < field.size(); ++k) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(field[k]))) {
        *column = 91 + static_cast<int>(k);
        return std::nullopt;
      }
      v = v * 10 + (field[k] - '0');
    }
    v = v * 10 + digit;
    if (decimals < 0 || decimals > 3) {
      *column = 20;
      return std::nullopt;
    }
    for (int k = decimals; k < 2; ++k) v *= 10;
    for (int k = 2; k < decimals; ++k) v /= 10;
    return Money{negative ? -v : v};
  };
  auto date_of = [](const std::string& r, size_t pos) -> std::optional<Date> {
    int d = 0, m = 0, y = 0;
    if (!absl::SimpleAtoi(r.substr(pos, 2), &d) || !absl::SimpleAtoi(r.substr(pos + 2, 2), &m) ||
        !absl::SimpleAtoi(r.substr(pos + 4, 2), &y)) {
      return std::nullopt;
    }
    Date out{year{2000 + y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
    return out.ok() ? std::optional<Date>(out) : std::nullopt;
  };
  for (size_t i = 0; i < records.size(); ++i) {
    std::string r = records[i];
    if (!r.empty() && r.back() == '\r') r.pop_back();
    int line = static_cast<int>(i) + 1;
    if (r.size() != 120) return At(line, 0, absl::StrCat("record of ", r.size(), " characters, want 120"));
    std::string code = r.substr(0, 2);
    int column = 0;
    if (code == "01" || code == "07") {
      std::optional<Money> m = amount_of(r, &column);
      if (!m) return At(line, column, "balance is not an amount");
      (code == "01" ? st.opening_balance : st.closing_balance) = m;
      if (st.account.empty()) st.account = std::string(absl::StripAsciiWhitespace(r.substr(21, 11)));
    } else if (code == "04") {
      BankTxn t;
      std::optional<Date> d = date_of(r, 34);
      if (!d) return At(line, 35, "operation date is not DDMMYY");
      std::optional<Money> m = amount_of(r, &column);
      if (!m) return At(line, column, "amount is not a signed CFONB number");
      t.account = std::string(absl::StripAsciiWhitespace(r.substr(21, 11)));
      t.date = *d;
      t.amount = *m;
      t.label = std::string(absl::StripAsciiWhitespace(r.substr(48, 31)));
      std::string ref(absl::StripAsciiWhitespace(r.substr(81, 7)));
      if (!ref.empty() && ref != "0000000") t.reference = absl::StrCat(FormatIsoDate(*d), "-", ref);
      st.txns.push_back(std::move(t));
    } else if (code == "05") {
      if (st.txns.empty()) return At(line, 1, "complement record (05) before any movement");
      std::string more(absl::StripAsciiWhitespace(r.substr(48, 70)));
      if (!more.empty()) st.txns.back().label += " " + more;
    } else {
      return At(line, 1, absl::StrCat("unknown record code \"", code, "\""));
    }
  }
  if (st.opening_balance && st.closing_balance) {
    int64_t sum = st.opening_balance->cents;
    for (const BankTxn& t : st.txns) sum += t.amount.cents;
    if (sum != st.closing_balance->cents) {
      return absl::InvalidArgumentError(
          "cfonb120: opening balance + movements does not equal the closing balance");
    }
  }
  return st;
}

// ---------- CAMT.053

absl::StatusOr<BankStatement> ParseCamt(absl::string_view bytes) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default);
  if (!r) {
    int line = 1 + static_cast<int>(std::count(bytes.begin(), bytes.begin() + std::min<ptrdiff_t>(r.offset, static_cast<ptrdiff_t>(bytes.size())), '\n'));
    return At(line, 0, absl::StrCat("camt053: ", r.description()));
  }
  BankStatement st;
  st.format = "camt053";
  auto child = [](pugi::xml_node n, const char* name) {
    for (pugi::xml_node c : n.children()) {
      std::string local = c.name();
      size_t colon = local.find(':');
      if ((colon == std::string::npos ? local : local.substr(colon + 1)) == name) return c;
    }
    return pugi::xml_node();
  };
  auto path = [&](pugi::xml_node n, std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (!n) break;
      n = child(n, name);
    }
    return n;
  };
  pugi::xml_node root = path(doc, {"Document", "BkToCstmrStmt"});
  if (!root) return absl::InvalidArgumentError("camt053: no Document/BkToCstmrStmt");
  int index = 0;
  for (pugi::xml_node stmt : root.children()) {
    if (std::string(stmt.name()).find("Stmt") == std::string::npos || !child(stmt, "Acct")) continue;
    st.account = path(stmt, {"Acct", "Id", "IBAN"}).text().get();
    for (pugi::xml_node bal : stmt.children()) {
      std::string n = bal.name();
      if (n.size() < 3 || n.substr(n.size() - 3) != "Bal") continue;
      std::string code = path(bal, {"Tp", "CdOrPrtry", "Cd"}).text().get();
      std::optional<Money> amt = BankAmount(child(bal, "Amt").text().get());
      if (!amt) continue;
      if (std::string(child(bal, "CdtDbtInd").text().get()) == "DBIT") amt = Money{-amt->cents};
      if (code == "OPBD" || code == "PRCD") st.opening_balance = amt;
      if (code == "CLBD") st.closing_balance = amt;
    }
    for (pugi::xml_node e : stmt.children()) {
      std::string n = e.name();
      if (n.size() < 4 || n.substr(n.size() - 4) != "Ntry") continue;
      ++index;
      std::string where = absl::StrCat("camt053: entry ", index, ": ");
      std::optional<Money> amt = BankAmount(child(e, "Amt").text().get());
      if (!amt) return absl::InvalidArgumentError(where + "Amt is not an amount");
      std::string ind = child(e, "CdtDbtInd").text().get();
      if (ind != "DBIT" && ind != "CRDT") {
        return absl::InvalidArgumentError(where + "CdtDbtInd must be DBIT or CRDT");
      }
      std::string date_text = path(e, {"BookgDt", "Dt"}).text().get();
      if (date_text.empty()) date_text = path(e, {"BookgDt", "DtTm"}).text().get();
      if (date_text.empty()) date_text = path(e, {"ValDt", "Dt"}).text().get();
      std::optional<Date> d = BankDate(date_text.substr(0, 10));
      if (!d) return absl::InvalidArgumentError(where + "no booking date");
      BankTxn t;
      t.account = st.account;
      t.date = *d;
      t.amount = Money{ind == "DBIT" ? -std::llabs(amt->cents) : std::llabs(amt->cents)};
      pugi::xml_node tx = path(e, {"NtryDtls", "TxDtls"});
      std::string party = path(tx, {"RltdPties", ind == "DBIT" ? "Cdtr" : "Dbtr", "Nm"}).text().get();
      if (party.empty()) {
        party = path(tx, {"RltdPties", ind == "DBIT" ? "Cdtr" : "Dbtr", "Pty", "Nm"}).text().get();
      }
      std::string info = path(tx, {"RmtInf", "Ustrd"}).text().get();
      std::string extra = child(e, "AddtlNtryInf").text().get();
      t.label = party;
      for (const std::string& part : {info, extra}) {
        if (!part.empty()) t.label += (t.label.empty() ? "" : " ") + part;
      }
      t.reference = child(e, "AcctSvcrRef").text().get();
      if (t.reference.empty()) t.reference = child(e, "NtryRef").text().get();
      st.txns.push_back(std::move(t));
    }
  }
  return st;
}

// Display width of a UTF-8 prefix: columns, not bytes.
size_t Columns(absl::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

absl::StatusOr<BankStatement> ParseStatementText(absl::string_view text) {
  static const RE2 opening(
      R"((?i)(ancien\s+solde|solde\s+pr[ée]c[ée]dent|solde\s+d'?\s*ouverture|solde\s+initial|opening\s+balance|previous\s+balance|alter\s+kontostand))");
  static const RE2 closing(
      R"((?i)(nouveau\s+solde|solde\s+final|solde\s+de\s+cl[ôo]ture|closing\s+balance|new\s+balance|neuer\s+kontostand))");
  static const RE2 leading_date(R"(^\s*(\d{2})[/.](\d{2})(?:[/.](\d{2,4}))?\b)");
  static const RE2 iban(R"(\b(FR\d{2}(?:\s?[0-9A-Z]{4}){5}\s?[0-9A-Z]{3})\b)");
  BankStatement st;
  st.format = "pdf";
  std::optional<size_t> debit_col, credit_col;
  int year_hint = 0;
  std::vector<std::string> lines = absl::StrSplit(text, absl::ByAnyChar("\n\f"));
  for (const std::string& line : lines) {
    std::string folded = FoldLabel(line);
    if (st.account.empty()) {
      std::string found;
      if (RE2::PartialMatch(line, iban, &found)) {
        found.erase(std::remove(found.begin(), found.end(), ' '), found.end());
        st.account = found;
      }
    }
    for (const Date& d : DatesInLine(line)) year_hint = std::max(year_hint, static_cast<int>(d.year()));
    size_t d = folded.find("debit"), c = folded.find("credit");
    if (d != std::string::npos && c != std::string::npos && AmountsInLine(line).empty()) {
      // Header: where the two amount columns end (the words are right-aligned-ish).
      size_t pos_d = 0, pos_c = 0;
      std::string lower = absl::AsciiStrToLower(line);
      for (size_t i = 0; i + 4 < lower.size(); ++i) {
        if (pos_d == 0 && (lower.compare(i, 6, "d\xC3\xA9" "bit") == 0 || lower.compare(i, 5, "debit") == 0)) {
          pos_d = i;
        }
        if (pos_c == 0 && (lower.compare(i, 7, "cr\xC3\xA9" "dit") == 0 || lower.compare(i, 6, "credit") == 0)) {
          pos_c = i;
        }
      }
      debit_col = Columns(absl::string_view(line).substr(0, pos_d)) + 5;
      credit_col = Columns(absl::string_view(line).substr(0, pos_c)) + 6;
    }
  }
  for (const std::string& line : lines) {
    std::vector<Money> amounts = AmountsInLine(line);
    if (amounts.empty()) continue;
    std::string lower = FoldLabel(line);
    bool debtor = absl::StrContains(lower, "debiteur");
    if (RE2::PartialMatch(line, opening)) {
      st.opening_balance = Money{debtor ? -std::llabs(amounts.back().cents) : amounts.back().cents};
      continue;
    }
    if (RE2::PartialMatch(line, closing)) {
      st.closing_balance = Money{debtor ? -std::llabs(amounts.back().cents) : amounts.back().cents};
      continue;
    }
    std::string dd, mm, yy;
    if (!RE2::PartialMatch(line, leading_date, &dd, &mm, &yy)) continue;
    int day_n = 0, month_n = 0, year_n = year_hint;
    if (!absl::SimpleAtoi(dd, &day_n) || !absl::SimpleAtoi(mm, &month_n)) continue;
    if (!yy.empty()) {
      if (!absl::SimpleAtoi(yy, &year_n)) continue;
      if (yy.size() == 2) year_n += 2000;
    }
    Date date{year{year_n}, month{static_cast<unsigned>(month_n)}, day{static_cast<unsigned>(day_n)}};
    if (!date.ok() || year_n < 1990) continue;
    // The amount: the last one on the line; its column tells the sign.
    Money amount = amounts.back();
    size_t end = line.size();
    while (end > 0 && !absl::ascii_isdigit(static_cast<unsigned char>(line[end - 1]))) --end;
    size_t end_col = Columns(absl::string_view(line).substr(0, end));
    bool is_credit = false;
    if (debit_col && credit_col) {
      size_t to_debit = end_col > *debit_col ? end_col - *debit_col : *debit_col - end_col;
      size_t to_credit = end_col > *credit_col ? end_col - *credit_col : *credit_col - end_col;
      is_credit = to_credit < to_debit;
    } else if (amount.cents < 0) {
      is_credit = false;
    } else {
      return absl::FailedPreconditionError(
          "pdf statement: no Débit / Crédit columns to tell debits from credits");
    }
    BankTxn t;
    t.date = date;
    t.amount = Money{is_credit ? std::llabs(amount.cents) : -std::llabs(amount.cents)};
    // The label: after the date(s), before the first amount.
    std::string rest = line;
    RE2::Replace(&rest, leading_date, "");
    static const RE2 second_date(R"(^\s*\d{2}[/.]\d{2}(?:[/.]\d{2,4})?\s+)");
    RE2::Replace(&rest, second_date, "");
    // Cut before the amount: back from the end over the amount's
    // characters, up to the column gap (two spaces) before it.
    std::string label(absl::StripAsciiWhitespace(rest));
    size_t cut = label.size();
    bool digits = false;
    for (size_t i = label.size(); i > 0; --i) {
      char ch = label[i - 1];
      unsigned char u = static_cast<unsigned char>(ch);
      if (ch == ' ' && digits && i >= 2 && label[i - 2] == ' ') break;
      if (absl::ascii_isdigit(u) || ch == ',' || ch == '.' || ch == ' ' || ch == '-' ||
          ch == '+' || u >= 0x80) {
        digits |= absl::ascii_isdigit(u);
        cut = i - 1;
      } else {
        break;
      }
    }
    t.label = std::string(absl::StripAsciiWhitespace(label.substr(0, cut)));
    st.txns.push_back(std::move(t));
  }
  if (!st.opening_balance || !st.closing_balance || st.txns.empty()) {
    return absl::NotFoundError("pdf statement: no balances or no movements found");
  }
  int64_t sum = st.opening_balance->cents;
  for (const BankTxn& t : st.txns) sum += t.amount.cents;
  if (sum != st.closing_balance->cents) {
    return absl::FailedPreconditionError(absl::StrCat(
        "pdf statement: opening ", FormatDecimal(*st.opening_balance), " + movements ≠ closing ",
        FormatDecimal(*st.closing_balance), " (read ", st.txns.size(), " movements)"));
  }
  for (BankTxn& t : st.txns) t.account = st.account;
  Fingerprint(&st.txns);
  return st;
}

std::string ToUtf8(absl::string_view bytes) {
  if (ValidUtf8(bytes)) return std::string(bytes);
  static constexpr unsigned kCp1252[32] = {
      0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    AppendUtf8(&out, c >= 0x80 && c < 0xA0 ? kCp1252[c - 0x80] : c);
  }
  return out;
}

absl::StatusOr<BankStatement> ParseBankStatement(absl::string_view bytes, const std::string& format) {
  if (bytes.size() > (64 << 20)) return absl::InvalidArgumentError("statement larger than 64 MiB");
  std::string f = format;
  if (f.empty()) {
    absl::string_view head = bytes.substr(0, 4096);
    if (absl::StrContains(head, "OFXHEADER") || absl::StrContains(head, "<OFX>")) {
      f = "ofx";
    } else if (absl::StrContains(head, "camt.053") || absl::StrContains(head, "BkToCstmrStmt")) {
      f = "camt053";
    } else if (absl::StartsWith(bytes, "01") &&
               (bytes.size() % 120 == 0 || (bytes.size() > 120 && (bytes[120] == '\n' || bytes[120] == '\r')))) {
      f = "cfonb120";
    } else {
      f = "csv";
    }
  }
  absl::StatusOr<BankStatement> st;
  if (f == "ofx") {
    st = ParseOfx(bytes);
  } else if (f == "camt053") {
    st = ParseCamt(bytes);
  } else if (f == "cfonb120") {
    st = ParseCfonb(bytes);
  } else if (f == "csv" || absl::StartsWith(f, "csv:")) {
    st = ParseCsv(bytes, f);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown statement format \"", f, "\" (csv, ofx, cfonb120, camt053)"));
  }
  if (!st.ok()) {
    return absl::Status(st.status().code(), absl::StrCat(f.substr(0, 3) == "csv" ? "csv: " : "",
                                                         st.status().message()));
  }
  Fingerprint(&st->txns);
  return st;
}

absl::StatusOr<std::string> StatementFileFormat(absl::string_view file_name,
                                                absl::string_view bytes) {
  std::string ext;
  if (size_t dot = file_name.rfind('.'); dot != absl::string_view::npos &&
                                          file_name.find('/', dot) == absl::string_view::npos) {
    ext = absl::AsciiStrToLower(file_name.substr(dot));
  }
  absl::string_view head = bytes.substr(0, 4096);
  if (ext == ".csv") return std::string("csv");
  if (ext == ".ofx" || ext == ".qfx") return std::string("ofx");
  if ((ext == ".xml" || ext == ".053") && absl::StrContains(head, "BkToCstmrStmt")) {
    return std::string("camt053");
  }
  if ((ext == ".txt" || ext == ".cfonb" || ext == ".cfo" || ext == ".dat") &&
      absl::StartsWith(bytes, "01") && bytes.size() >= 120 &&
      (bytes.size() == 120 || bytes[120] == '\n' || bytes[120] == '\r' ||
       bytes.size() % 120 == 0)) {
    return std::string("cfonb120");
  }
  return absl::NotFoundError("not a bank statement file");
}

Fields StatementFields(const BankStatement& st) {
  Fields f;
  f.supplier_name = st.account.empty() ? "Relevé bancaire" : absl::StrCat("Relevé ", st.account);
  if (IsValidIban(st.account)) f.iban = NormalizeIdentifier(st.account);
  for (const BankTxn& t : st.txns) {
    if (!f.issue_date || *f.issue_date < t.date) f.issue_date = t.date;
  }
  f.currency = "EUR";
  return f;
}

}  // namespace liasse
