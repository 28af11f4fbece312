// Takes documents in from one IMAP mailbox ([[mailbox]]): new messages by
// UID (UIDVALIDITY and the last UID recorded locally, whatever the server
// allows), each attachment through intake, then — only after the commit —
// the $LiasseProcessed keyword (when the folder accepts keywords) and the
// optional move. Auto-replies, delivery reports and messages without a usable
// attachment are recorded as events, never as documents. Polls every
// poll_seconds on its own thread — or, when the server offers IDLE, waits in
// IDLE (re-issued every 29 minutes) and polls as soon as new mail arrives;
// failures back off, and a run of them raises an `escalation` event. With
// an [[oauth]] profile, the session logs in again whenever the token was
// renewed, and a refused token is handed back to be renewed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "daemon/config/config.h"
#include "daemon/mail/imap_connection.h"
#include "daemon/mail/imap_idle.h"
#include "daemon/process/intake.h"
#include "daemon/process/oauth_tokens.h"
#include "daemon/store/store.h"
#include "workflows/routing.h"

namespace liasse {

class MailPoller {
 public:
  // `clients` is called at each poll (the config may have been reloaded).
  // `tokens` serves a mailbox with `oauth` (XOAUTH2); it must outlive the
  // poller.
  MailPoller(Mailbox config, std::function<std::vector<ClientIdentity>()> clients,
             Store* store, Intake* intake, OAuthTokens* tokens = nullptr);
  ~MailPoller();

  // One pass over every folder; the first error stops the pass.
  absl::Status PollOnce();
  void Start();
  void Stop();
  int consecutive_failures() const { return failures_; }
  // Whether the last wait between polls was an IMAP IDLE.
  bool idling() const { return idling_; }

  static constexpr int kEscalateAfterFailures = 5;

 private:
  absl::Status PollFolder(ImapConnection* imap, const std::string& folder);
  absl::Status TakeMessage(ImapConnection* imap, const std::string& folder, int64_t uid,
                           bool keywords_allowed);
  absl::StatusOr<ImapCredentials> Credentials() const;
  void Loop();

  Mailbox config_;
  std::function<std::vector<ClientIdentity>()> clients_;
  Store* store_;
  Intake* intake_;
  OAuthTokens* tokens_;
  std::unique_ptr<ImapConnection> imap_;
  std::string imap_token_;  // the bearer token imap_ logged in with
  std::unique_ptr<ImapIdler> idler_;
  int64_t seen_uidnext_ = 0;  // UIDNEXT at the last poll of the first folder (poller thread)
  int wake_pipe_[2] = {-1, -1};  // Stop() interrupts an IDLE through it
  std::atomic<int> failures_{0};
  std::atomic<bool> idling_{false};
  bool escalated_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace liasse
