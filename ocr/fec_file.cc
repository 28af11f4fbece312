#include "ocr/fec_file.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ocr/bank_statement.h"  // ToUtf8
#include "workflows/money.h"

namespace liasse {
namespace {

// "1 234,56", "1234.56", "-12,3", "" (zero).
absl::StatusOr<Money> FecAmount(absl::string_view text) {
  std::string clean = absl::StrReplaceAll(absl::StripAsciiWhitespace(text),
                                          {{" ", ""}, {"\xC2\xA0", ""}, {",", "."}});
  if (clean.empty()) return Money{0};
  return ParseDecimalMoney(clean);
}

}  // namespace

absl::StatusOr<std::vector<FecLine>> ParseFecFile(absl::string_view bytes) {
  if (bytes.size() > (256u << 20)) return absl::InvalidArgumentError("FEC larger than 256 MiB");
  std::string text = ToUtf8(bytes);
  absl::string_view rest = text;
  absl::ConsumePrefix(&rest, "\xEF\xBB\xBF");  // a BOM
  std::vector<absl::string_view> rows = absl::StrSplit(rest, '\n');
  if (rows.empty() || absl::StripAsciiWhitespace(rows[0]).empty()) {
    return absl::InvalidArgumentError("empty FEC: no header line");
  }
  absl::string_view header = absl::StripSuffix(rows[0], "\r");
  const char sep = header.find('\t') != absl::string_view::npos ? '\t' : '|';
  std::map<std::string, size_t> column;
  size_t n = 0;
  for (absl::string_view name : absl::StrSplit(header, sep)) {
    column[absl::AsciiStrToLower(absl::StripAsciiWhitespace(name))] = n++;
  }
  auto has = [&](const char* name) { return column.count(name) > 0; };
  const bool debit_credit = has("debit") && has("credit");
  const bool amount_side = has("montant") && has("sens");
  for (const char* needed : {"journalcode", "ecriturenum", "comptenum", "compauxnum", "compauxlib"}) {
    if (!has(needed)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line 1: no ", needed, " column: not a FEC (A47 A-1 header expected)"));
    }
  }
  if (!debit_credit && !amount_side) {
    return absl::InvalidArgumentError("line 1: neither Debit and Credit nor Montant and Sens");
  }
  std::vector<FecLine> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    absl::string_view row = absl::StripSuffix(rows[i], "\r");
    if (absl::StripAsciiWhitespace(row).empty()) continue;
    std::vector<absl::string_view> cells = absl::StrSplit(row, sep);
    auto cell = [&](const char* name) {
      size_t at = column.at(name);
      return at < cells.size() ? std::string(absl::StripAsciiWhitespace(cells[at])) : std::string();
    };
    FecLine l;
    l.journal = cell("journalcode");
    l.entry_number = cell("ecriturenum");
    l.account = cell("comptenum");
    l.aux = cell("compauxnum");
    l.aux_label = cell("compauxlib");
    if (debit_credit) {
      absl::StatusOr<Money> debit = FecAmount(cell("debit"));
      absl::StatusOr<Money> credit = FecAmount(cell("credit"));
      if (!debit.ok() || !credit.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, ": bad Debit or Credit"));
      }
      l.debit = *debit;
      l.credit = *credit;
    } else {
      absl::StatusOr<Money> amount = FecAmount(cell("montant"));
      std::string side = absl::AsciiStrToUpper(cell("sens"));
      if (!amount.ok() || (side != "D" && side != "C" && side != "+1" && side != "-1" &&
                           side != "1")) {
        return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, ": bad Montant or Sens"));
      }
      (side == "D" || side == "+1" || side == "1" ? l.debit : l.credit) = *amount;
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace liasse
