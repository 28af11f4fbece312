#include "workflows/outbox_policy.h"

#include <algorithm>

namespace liasse {

DeliveryDecision AfterFailedDelivery(const DeliveryFailure& failure, absl::Time now) {
  DeliveryDecision d;
  const int attempts = failure.attempts_before + 1;
  d.give_up = failure.recipients_refused || attempts >= kMaxDeliveryAttempts;
  if (!d.give_up) {
    d.retry_at = now + std::min(absl::Minutes(1) * (1 << std::min(failure.attempts_before, 6)),
                                absl::Hours(1));
    d.warn_staff = attempts == 3;
  } else {
    d.retry_at = absl::InfinitePast();
    d.mark_addresses_bad = failure.recipients_refused && failure.kind == "reminder";
    d.urgent = failure.kind == "reminder";
  }
  return d;
}

}  // namespace liasse
