// A VAT breakdown line for tests of entries: rate in basis points (2000 =
// 20 %), base and amount in cents.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "workflows/fields.h"

namespace liasse::testing {

inline TaxLine Rate(int64_t rate, int64_t base, int64_t amount, std::string category = "S") {
  TaxLine t;
  t.rate = rate;
  t.base = Money{base};
  t.amount = Money{amount};
  t.category = std::move(category);
  return t;
}

}  // namespace liasse::testing
