// The one source of "now" for the core. Workflows receive a Clock (or a time
// read from one) and never read the system clock themselves, so tests advance
// a FakeClock instead of sleeping.
#pragma once

#include "absl/time/time.h"

namespace liasse {

class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  virtual absl::Time Now() const = 0;
};

}  // namespace liasse
