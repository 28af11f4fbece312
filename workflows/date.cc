#include "workflows/date.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace liasse {
namespace {

bool ParseFixedDigits(absl::string_view s, int* out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

absl::StatusOr<std::chrono::year_month_day> ParseIsoDate(
    absl::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ParseFixedDigits(text.substr(0, 4), &y) ||
      !ParseFixedDigits(text.substr(5, 2), &m) ||
      !ParseFixedDigits(text.substr(8, 2), &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a YYYY-MM-DD date: \"", text, "\""));
  }
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(m)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no such date: \"", text, "\""));
  }
  return ymd;
}

std::string FormatIsoDate(std::chrono::year_month_day date) {
  return absl::StrFormat("%04d-%02u-%02u", static_cast<int>(date.year()),
                         static_cast<unsigned>(date.month()),
                         static_cast<unsigned>(date.day()));
}

absl::StatusOr<std::chrono::year_month> ParseYearMonth(absl::string_view text) {
  int y = 0, m = 0;
  if (text.size() != 7 || text[4] != '-' ||
      !ParseFixedDigits(text.substr(0, 4), &y) ||
      !ParseFixedDigits(text.substr(5, 2), &m) || m < 1 || m > 12 ||
      y < 1970) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a YYYY-MM period: \"", text, "\""));
  }
  return std::chrono::year_month{std::chrono::year(y),
                                 std::chrono::month(static_cast<unsigned>(m))};
}

std::string FormatYearMonth(std::chrono::year_month ym) {
  return absl::StrFormat("%04d-%02u", static_cast<int>(ym.year()),
                         static_cast<unsigned>(ym.month()));
}

absl::StatusOr<std::chrono::month_day> ParseMonthDay(absl::string_view text) {
  int m = 0, d = 0;
  if (text.size() != 5 || text[2] != '-' ||
      !ParseFixedDigits(text.substr(0, 2), &m) ||
      !ParseFixedDigits(text.substr(3, 2), &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a MM-DD day: \"", text, "\""));
  }
  std::chrono::month_day md{std::chrono::month(static_cast<unsigned>(m)),
                            std::chrono::day(static_cast<unsigned>(d))};
  if (!md.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("no such day: \"", text, "\""));
  }
  return md;
}

absl::StatusOr<int> ParseClockTime(absl::string_view text) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' ||
      !ParseFixedDigits(text.substr(0, 2), &h) ||
      !ParseFixedDigits(text.substr(3, 2), &m) || h > 23 || m > 59) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an HH:MM time: \"", text, "\""));
  }
  return h * 60 + m;
}

}  // namespace liasse
