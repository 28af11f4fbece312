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
// "1234.50", "-0.07": the decimal string form used in JSON output.
std::string FormatDecimal(Money amount);

}  // namespace liasse
