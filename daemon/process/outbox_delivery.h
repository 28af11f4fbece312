// Sending the outbox: scheduled rows that are due go to a Mailer, oldest
// first and at most max_per_minute; each row is marked `sending` before it
// is handed over and `sent` after, so a crash between the two leaves it
// `sending` (reported, never resent). What a failure leads to is
// workflows/outbox_policy's decision.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/mail/smtp.h"
#include "daemon/store/store.h"
#include "workflows/clock.h"

namespace liasse {

// Hands one message to a mail server: SMTP in the daemon, a fake in tests.
// FailedPrecondition: refused for good (5xx); any other error is worth
// retrying.
class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual absl::Status Send(const std::string& from, const std::vector<std::string>& to,
                            const std::string& message) = 0;
};

class OAuthTokens;

// SMTP with a password, or with the access token of an [[oauth]] profile
// (`tokens` and `oauth_profile`): a refused token is renewed and the
// message tried once more; a login refused for good is Unavailable (the
// outbox retries; the tokens raise the alert), never a refused recipient.
class SmtpMailer : public Mailer {
 public:
  explicit SmtpMailer(SmtpTarget target, OAuthTokens* tokens = nullptr,
                      std::string oauth_profile = "")
      : target_(std::move(target)), tokens_(tokens), profile_(std::move(oauth_profile)) {}
  absl::Status Send(const std::string& from, const std::vector<std::string>& to,
                    const std::string& message) override;

 private:
  SmtpTarget target_;
  OAuthTokens* tokens_;
  std::string profile_;
};

// Who tells staff when delivery goes wrong (the collector: an event, and a
// mail when urgent).
class Escalator {
 public:
  virtual ~Escalator() = default;
  virtual absl::Status Escalate(const std::string& client_id, const std::string& title,
                                const std::string& text, bool urgent, const std::string& slot) = 0;
};

class OutboxDelivery {
 public:
  // The tables and clock must outlive the delivery.
  OutboxDelivery(OutboxTable* outbox, ClientTable* clients, const Clock* clock)
      : outbox_(outbox), clients_(clients), clock_(clock) {}

  // Sends the scheduled rows that are due. One call at a time (callers may
  // race: the loop and SendReminders).
  absl::Status Deliver(Mailer* mailer, const std::string& from, int max_per_minute,
                       Escalator* escalator);
  // When the last Deliver left a row to send later (a retry, or the
  // per-minute limit reached); InfiniteFuture when it left none.
  absl::Time NextDue() const;

 private:
  OutboxTable* outbox_;
  ClientTable* clients_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::deque<absl::Time> recent_sends_;  // guarded by mu_
  absl::Time next_due_ = absl::InfiniteFuture();  // guarded by mu_
};

}  // namespace liasse
