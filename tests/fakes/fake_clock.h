// A clock the test moves by hand.
#pragma once

#include <mutex>

#include "workflows/clock.h"

namespace liasse {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromCivil(
                         absl::CivilSecond(2026, 11, 28, 9, 0, 0),
                         absl::UTCTimeZone()))
      : now_(start) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace liasse
