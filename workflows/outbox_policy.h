// What a failed e-mail delivery leads to: when to try again, when to give
// up, when staff hear of it, and whether the client's addresses are bad.
// Pure: the outbox (daemon/) records the answer.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace liasse {

struct DeliveryFailure {
  int attempts_before = 0;          // failed attempts already recorded for this message
  bool recipients_refused = false;  // the server refused the address(es): retrying cannot help
  std::string kind;                 // reminder | escalation | digest | thanks
};

struct DeliveryDecision {
  bool give_up = false;        // failed for good (state "failed")
  absl::Time retry_at;         // when !give_up: 1 min doubling to 1 h
  bool warn_staff = false;     // the third failure in a row (~7 minutes): an escalation, not urgent
  bool mark_addresses_bad = false;
  bool urgent = false;         // a reminder that will never reach the client: staff at once
};

// At most this many attempts per message.
inline constexpr int kMaxDeliveryAttempts = 8;

DeliveryDecision AfterFailedDelivery(const DeliveryFailure& failure, absl::Time now);

}  // namespace liasse
