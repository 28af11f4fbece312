// Money as integer cents, never floating point.
#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace liasse {

struct Money {
  int64_t cents = 0;

  friend bool operator==(Money, Money) = default;
  friend auto operator<=>(Money, Money) = default;
};

// Parses a plain decimal as written in config and JSON: "12", "12.5",
// "-1234.56". At most two decimals; no thousands separators, no currency.
absl::StatusOr<Money> ParseDecimalMoney(absl::string_view text);
// Parses a plain decimal ("-12.3456", "20", "5.5", ".5") scaled by
// 10^decimals, rounding extra digits half away from zero: with decimals = 2,
// "1.005" → 101. For amounts and rates in machine formats (XML, JSON).
absl::StatusOr<int64_t> ParseScaledDecimal(absl::string_view text,
                                           int decimals);
// "1234.50", "-0.07": the decimal string form used in JSON output.
std::string FormatDecimal(Money amount);
// A VAT rate in hundredths of a percent (2000 = 20 %, 550 = 5.5 %) as the
// shortest decimal: "20", "5.5", "2.1".
std::string FormatRate(int64_t rate_hundredths);

}  // namespace liasse
