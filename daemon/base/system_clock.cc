#include "daemon/base/system_clock.h"

#include "absl/time/clock.h"

namespace liasse {

absl::Time SystemClock::Now() const { return absl::Now(); }

}  // namespace liasse
