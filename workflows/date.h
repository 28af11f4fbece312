// Calendar dates and accounting periods. Dates are ISO-8601 at every edge.
#pragma once

#include "absl/strings/string_view.h"
#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace liasse {

// "2026-11-28" → a valid calendar date (leap years checked).
absl::StatusOr<std::chrono::year_month_day> ParseIsoDate(absl::string_view text);
std::string FormatIsoDate(std::chrono::year_month_day date);

// "2026-11" → a year and month.
absl::StatusOr<std::chrono::year_month> ParseYearMonth(absl::string_view text);
std::string FormatYearMonth(std::chrono::year_month ym);

// "12-31" → a month and day that exists in a leap year (fiscal year ends).
absl::StatusOr<std::chrono::month_day> ParseMonthDay(absl::string_view text);

// "08:30" → minutes since midnight (0..1439).
absl::StatusOr<int> ParseClockTime(absl::string_view text);

}  // namespace liasse
