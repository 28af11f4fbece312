// Amounts and dates as printed on documents and statements, in French,
// English, German and Dutch: the lexical layer under the rules
// (workflows/text_fields) and the statement readers (ocr/bank_statement).
// Pure functions on untrusted text; RE2.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "workflows/money.h"

namespace liasse {

// "1 234,56", "1.234,56", "1,234.56", "39.80", "RM 39.80", "12,00 €",
// "-5,00", "5,00-" → cents. Needs exactly two decimals.
std::optional<Money> ParseAmount(absl::string_view text);

// Every amount on a line, left to right.
std::vector<Money> AmountsInLine(absl::string_view line);

// Dates as printed: "28/11/2026", "28.11.26", "2026-11-28", "28 novembre
// 2026", "Nov 28, 2026", "28-Mar-2019", "29 maart 2014". Day first unless
// impossible. Years 1990–2099.
std::vector<std::chrono::year_month_day> DatesInLine(absl::string_view line);

}  // namespace liasse
