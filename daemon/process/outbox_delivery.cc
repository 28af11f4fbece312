#include "daemon/process/outbox_delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "daemon/process/oauth_tokens.h"
#include "workflows/outbox_policy.h"

namespace liasse {

absl::Status SmtpMailer::Send(const std::string& from, const std::vector<std::string>& to,
                              const std::string& message) {
  if (tokens_ == nullptr || profile_.empty()) {
    absl::Status st = SmtpSend(target_, from, to, message);
    return absl::IsUnauthenticated(st) ? absl::UnavailableError(st.message()) : st;
  }
  absl::Status st;
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<std::string> token = tokens_->AccessToken(profile_);
    if (!token.ok()) return absl::UnavailableError(token.status().message());
    SmtpTarget target = target_;
    target.bearer_token = *token;
    st = SmtpSend(target, from, to, message);
    if (!absl::IsUnauthenticated(st)) {
      if (st.ok()) tokens_->Accepted(profile_);
      return st;
    }
    tokens_->Refused(profile_, *token, std::string(st.message()));
  }
  return absl::UnavailableError(st.message());
}

absl::Status OutboxDelivery::Deliver(Mailer* mailer, const std::string& from,
                                     int max_per_minute, Escalator* escalator) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::Time now = clock_->Now();
  absl::StatusOr<std::vector<OutboxRecord>> rows = outbox_->ListOutbox("", "", OutboxState::kScheduled, 10000);
  if (!rows.ok()) return rows.status();
  next_due_ = absl::InfiniteFuture();
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {  // oldest first
    const OutboxRecord& r = *it;
    if (r.next_attempt_at > now) {
      next_due_ = std::min(next_due_, r.next_attempt_at);
      continue;
    }
    while (!recent_sends_.empty() && recent_sends_.front() <= now - absl::Minutes(1)) {
      recent_sends_.pop_front();
    }
    if (static_cast<int>(recent_sends_.size()) >= std::max(1, max_per_minute)) {
      next_due_ = std::min(next_due_, recent_sends_.front() + absl::Minutes(1));
      break;
    }
    if (absl::Status st = outbox_->SetOutboxState(r.id, OutboxState::kScheduled, OutboxState::kSending, "",
                                                  absl::InfinitePast());
        !st.ok()) {
      return st;
    }
    recent_sends_.push_back(now);
    std::vector<std::string> to;
    for (const auto& v : nlohmann::json::parse(r.recipients_json, nullptr, false)) {
      if (v.is_string()) to.push_back(v.get<std::string>());
    }
    absl::Status sent = mailer->Send(from, to, r.message);
    if (sent.ok()) {
      if (absl::Status st = outbox_->SetOutboxState(r.id, OutboxState::kSending, OutboxState::kSent, "",
                                                    absl::InfinitePast());
          !st.ok()) {
        return st;
      }
      spdlog::info("event=mail_sent client={} kind={} slot={}", r.client_id, r.kind, r.slot);
      continue;
    }
    std::string why(sent.message());
    DeliveryDecision next =
        AfterFailedDelivery({r.attempts, absl::IsFailedPrecondition(sent), r.kind}, now);
    if (absl::Status st = outbox_->SetOutboxState(r.id, OutboxState::kSending,
                                                  next.give_up ? OutboxState::kFailed : OutboxState::kScheduled, why,
                                                  next.retry_at);
        !st.ok()) {
      return st;
    }
    if (!next.give_up) next_due_ = std::min(next_due_, next.retry_at);
    spdlog::warn("event=mail_failed client={} kind={} permanent={} error=\"{}\"", r.client_id,
                 r.kind, next.give_up, why);
    if (next.warn_staff) {
      // About seven minutes of failures: staff hear of it (event, digest).
      if (absl::Status st = escalator->Escalate(
              r.client_id, "serveur SMTP en échec",
              absl::StrCat("L'envoi échoue depuis plusieurs minutes : ", why), false,
              absl::StrCat("smtp#", r.id));
          !st.ok()) {
        return st;
      }
    }
    if (next.mark_addresses_bad) {
      for (const std::string& addr : to) {
        if (absl::Status st = clients_->MarkBadAddress(r.client_id, addr); !st.ok()) return st;
      }
    }
    if (next.urgent) {
      if (absl::Status st = escalator->Escalate(
              r.client_id, "relance refusée",
              absl::StrCat("La relance n'a pas pu être remise (", why,
                           "). Vérifiez l'adresse e-mail du client."),
              true, absl::StrCat("failed#", r.id));
          !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

absl::Time OutboxDelivery::NextDue() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_due_;
}

}  // namespace liasse
