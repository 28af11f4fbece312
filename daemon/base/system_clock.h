// The real clock.
#pragma once

#include "workflows/clock.h"

namespace liasse {

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override;
};

}  // namespace liasse
