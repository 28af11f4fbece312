#include "workflows/money.h"

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

std::string FormatDecimal(Money amount) {
  int64_t c = amount.cents;
  bool negative = c < 0;
  uint64_t abs = negative ? static_cast<uint64_t>(-(c + 1)) + 1
                          : static_cast<uint64_t>(c);
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", abs / 100,
                         abs % 100);
}

}  // namespace liasse
