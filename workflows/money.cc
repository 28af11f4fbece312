#include "workflows/money.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace liasse {

absl::StatusOr<Money> ParseDecimalMoney(absl::string_view text) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("not a decimal amount: \"", text, "\""));
  };
  absl::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return invalid();
  int64_t units = 0;
  int64_t cents = 0;
  int decimals = -1;
  for (char c : s) {
    if (c == '.') {
      if (decimals >= 0) return invalid();
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9') return invalid();
    if (decimals >= 0) {
      if (++decimals > 2) return invalid();
      cents = cents * 10 + (c - '0');
    } else {
      if (units > std::numeric_limits<int64_t>::max() / 1000) {
        return absl::OutOfRangeError(absl::StrCat("amount too large: ", text));
      }
      units = units * 10 + (c - '0');
    }
  }
  if (decimals == 0) return invalid();
  if (decimals == 1) cents *= 10;
  int64_t total = units * 100 + cents;
  return Money{negative ? -total : total};
}

absl::StatusOr<int64_t> ParseScaledDecimal(absl::string_view text,
                                           int decimals) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("not a decimal number: \"", text, "\""));
  };
  absl::string_view s = text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' ||
                        s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 40) return invalid();
  int64_t value = 0;
  int seen_decimals = -1;
  int round_digit = -1;  // first digit past the kept decimals
  bool any_digit = false;
  for (char c : s) {
    if (c == '.') {
      if (seen_decimals >= 0) return invalid();
      seen_decimals = 0;
      continue;
    }
    if (c < '0' || c > '9') return invalid();
    any_digit = true;
    if (seen_decimals >= 0 && seen_decimals >= decimals) {
      if (round_digit < 0) round_digit = c - '0';
      ++seen_decimals;
      continue;
    }
    if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) {
      return absl::OutOfRangeError(absl::StrCat("number too large: ", text));
    }
    value = value * 10 + (c - '0');
    if (seen_decimals >= 0) ++seen_decimals;
  }
  if (!any_digit) return invalid();
  for (int d = std::max(seen_decimals, 0); d < decimals; ++d) {
    if (value > std::numeric_limits<int64_t>::max() / 10) {
      return absl::OutOfRangeError(absl::StrCat("number too large: ", text));
    }
    value *= 10;
  }
  if (round_digit >= 5) ++value;
  return negative ? -value : value;
}

std::string FormatRate(int64_t rate_hundredths) {
  std::string out = FormatDecimal(Money{rate_hundredths});
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string FormatDecimal(Money amount) {
  int64_t c = amount.cents;
  bool negative = c < 0;
  uint64_t abs = negative ? static_cast<uint64_t>(-(c + 1)) + 1
                          : static_cast<uint64_t>(c);
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", abs / 100,
                         abs % 100);
}

}  // namespace liasse
