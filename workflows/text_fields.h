// Built-in rules that read fields from a document's text (text layer or
// OCR) in French, English and German, and guess its type. Pure functions on
// untrusted text; regular expressions are RE2 (linear time).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "workflows/fields.h"

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

struct TextFields {
  Fields fields;
  std::string doc_type;    // invoice, credit_note, receipt, ... or "other"
  double type_confidence = 0;  // 0–1
  // How sure the rules are of the totals and date they found (0–1).
  double fields_confidence = 0;
};

TextFields ExtractFieldsFromText(absl::string_view text);

// Type by keywords alone, with a confidence in 0–1.
std::pair<std::string, double> ClassifyText(absl::string_view text);

}  // namespace liasse
