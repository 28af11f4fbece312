#include "daemon/process/mail_poller.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "daemon/mail/mail_message.h"

namespace liasse {
namespace {

using nlohmann::json;

constexpr size_t kExcerpt = 2000;

std::string Excerpt(const std::string& text) {
  if (text.size() <= kExcerpt) return text;
  size_t cut = kExcerpt;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

MailPoller::MailPoller(Mailbox config, std::function<std::vector<ClientIdentity>()> clients,
                       Store* store, Intake* intake, OAuthTokens* tokens)
    : config_(std::move(config)),
      clients_(std::move(clients)),
      store_(store),
      intake_(intake),
      tokens_(tokens) {}

MailPoller::~MailPoller() {
  Stop();
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

absl::StatusOr<ImapCredentials> MailPoller::Credentials() const {
  ImapCredentials c;
  c.username = config_.username;
  if (!config_.oauth.empty()) {
    if (tokens_ == nullptr) return absl::FailedPreconditionError("no OAuth tokens for this mailbox");
    absl::StatusOr<std::string> token = tokens_->AccessToken(config_.oauth);
    if (!token.ok()) return token.status();
    c.bearer_token = *token;
  } else if (!config_.password_file.empty()) {
    absl::StatusOr<std::string> p = ReadSecretFile(config_.password_file);
    if (!p.ok()) return p.status();
    c.password = *p;
  } else if (!config_.password_env.empty()) {
    const char* v = std::getenv(config_.password_env.c_str());
    if (!v) {
      return absl::FailedPreconditionError(
          absl::StrCat("environment variable ", config_.password_env, " is not set"));
    }
    c.password = v;
  }
  return c;
}

absl::Status MailPoller::PollOnce() {
  absl::Status result;
  if (imap_ && !config_.oauth.empty()) {
    // A renewed token: log in again with it before the old one expires.
    absl::StatusOr<ImapCredentials> credentials = Credentials();
    if (!credentials.ok() || credentials->bearer_token != imap_token_) {
      imap_.reset();
      idler_.reset();
    }
  }
  if (!imap_) {
    absl::StatusOr<ImapCredentials> credentials = Credentials();
    if (!credentials.ok()) {
      result = credentials.status();
    } else {
      imap_token_ = credentials->bearer_token;
      absl::StatusOr<std::unique_ptr<ImapConnection>> conn =
          ImapConnection::Open(config_.url, *credentials);
      if (!conn.ok()) {
        result = conn.status();
      } else {
        imap_ = std::move(*conn);
      }
    }
  }
  if (result.ok()) {
    for (const std::string& folder : config_.folders) {
      result = PollFolder(imap_.get(), folder);
      if (!result.ok()) break;
    }
  }
  if (result.ok()) {
    failures_ = 0;
    escalated_ = false;
    if (!config_.oauth.empty() && tokens_ != nullptr) tokens_->Accepted(config_.oauth);
    return result;
  }
  if (absl::IsPermissionDenied(result) && !imap_token_.empty() && tokens_ != nullptr) {
    tokens_->Refused(config_.oauth, imap_token_, std::string(result.message()));
  }
  imap_.reset();  // reconnect next time
  int failures = ++failures_;
  spdlog::warn("event=mailbox_failed mailbox={} failures={} error=\"{}\"", config_.name,
               failures, result.ToString());
  if (failures >= kEscalateAfterFailures && !escalated_) {
    escalated_ = true;
    EventRecord e;
    e.kind = "escalation";
    e.payload_json = json({{"reason", "mailbox_failing"},
                           {"mailbox", config_.name},
                           {"failures", failures},
                           {"error", std::string(result.message())}})
                         .dump();
    (void)store_->AppendEvent(e);
  }
  return result;
}

absl::Status MailPoller::PollFolder(ImapConnection* imap, const std::string& folder) {
  absl::StatusOr<ImapFolderInfo> info = imap->Select(folder);
  if (!info.ok()) return info.status();
  if (folder == config_.folders.front()) seen_uidnext_ = info->uidnext;
  absl::StatusOr<MailboxState> state = store_->GetMailboxState(config_.name, folder);
  if (!state.ok()) return state.status();
  if (state->uidvalidity != info->uidvalidity) {
    // New UIDVALIDITY: UIDs mean other messages now. Rescan from the start;
    // content hashes keep anything already taken in from becoming a second
    // document.
    if (state->uidvalidity != 0) {
      spdlog::warn("event=uidvalidity_changed mailbox={} folder={} old={} new={}",
                   config_.name, folder, state->uidvalidity, info->uidvalidity);
    }
    state->uidvalidity = info->uidvalidity;
    state->last_uid = 0;
    if (absl::Status st = store_->SetMailboxState(config_.name, folder, *state); !st.ok()) {
      return st;
    }
  }
  absl::StatusOr<std::vector<int64_t>> uids = imap->NewUids(folder, state->last_uid);
  if (!uids.ok()) return uids.status();
  for (int64_t uid : *uids) {
    if (absl::Status st = TakeMessage(imap, folder, uid, info->keywords_allowed); !st.ok()) {
      return st;
    }
    state->last_uid = uid;
    if (absl::Status st = store_->SetMailboxState(config_.name, folder, *state); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

absl::Status MailPoller::TakeMessage(ImapConnection* imap, const std::string& folder,
                                     int64_t uid, bool keywords_allowed) {
  int64_t max_bytes = static_cast<int64_t>(config_.max_message_mb) << 20;
  absl::StatusOr<int64_t> size = imap->MessageSize(folder, uid);
  json where = {{"mailbox", config_.name}, {"folder", folder}, {"uid", uid}};
  if (size.ok() && *size > max_bytes) {
    EventRecord e;
    e.kind = "mail_too_large";
    where["size"] = *size;
    e.payload_json = where.dump();
    return store_->AppendEvent(e).status();  // skipped for good, left unflagged
  }
  absl::StatusOr<std::string> bytes = imap->Fetch(folder, uid, max_bytes);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<MailMessage> message = ParseMailMessage(*bytes);
  std::string kind;
  json payload = where;
  if (!message.ok()) {
    // Kept whole: the raw message becomes a document to look at.
    absl::StatusOr<IntakeResult> kept =
        intake_->IngestBytes(kUnknownClientId, "mail", absl::StrCat("message-", uid, ".eml"), *bytes);
    if (!kept.ok()) return kept.status();
    kind = "mail_unparseable";
    payload["document"] = kept->document_id;
  } else {
    payload["from"] = message->from;
    payload["subject"] = message->subject;
    payload["message_id"] = message->message_id;
    if (!message->in_reply_to.empty()) payload["in_reply_to"] = message->in_reply_to;
    Route route = RouteSender(message->from, message->to, clients_());
    if (route.client_id.empty()) {
      // A reply to one of our reminders, from an address we do not know.
      for (const std::string& id :
           ReferencedMessageIds(message->in_reply_to, message->references)) {
        absl::StatusOr<std::string> owner = store_->ClientOfMessageId(id);
        if (owner.ok() && !owner->empty() && *owner != "firm") {
          route.client_id = *owner;
          payload["routed_by"] = "in_reply_to";
          break;
        }
      }
    }
    std::string client = route.client_id.empty() ? kUnknownClientId : route.client_id;
    payload["candidates"] = route.candidates;
    MessageKind what = ClassifyMessage(message->facts);
    if (what == MessageKind::kDeliveryReport) {
      kind = "delivery_report";
      // The collector marks these addresses bad.
      std::vector<std::string> failed = FailedRecipients(*bytes);
      if (!failed.empty()) payload["failed_recipients"] = failed;
    } else if (what == MessageKind::kAutoReply) {
      kind = "auto_reply";
    } else if (what == MessageKind::kClientMessage) {
      kind = "client_message";
      payload["text"] = Excerpt(message->body_text);
    } else {
      kind = "mail_received";
      json docs = json::array();
      for (const MailAttachment& a : message->attachments) {
        absl::StatusOr<IntakeResult> r = intake_->IngestBytes(client, "mail", a.file_name, a.bytes);
        if (!r.ok()) return r.status();  // not flagged: retried next poll
        docs.push_back(r->document_id);
      }
      payload["documents"] = docs;
      payload["text"] = Excerpt(message->body_text);
    }
    EventRecord e;
    e.kind = kind;
    e.client_id = route.client_id;
    e.payload_json = payload.dump(-1, ' ', false, json::error_handler_t::replace);
    if (absl::StatusOr<int64_t> seq = store_->AppendEvent(e); !seq.ok()) return seq.status();
  }
  if (!message.ok()) {
    EventRecord e;
    e.kind = kind;
    e.payload_json = payload.dump();
    if (absl::StatusOr<int64_t> seq = store_->AppendEvent(e); !seq.ok()) return seq.status();
  }
  spdlog::info("event={} mailbox={} folder={} uid={}", kind, config_.name, folder, uid);
  // Durable: now the message may be acknowledged on the server.
  if (keywords_allowed) {
    if (absl::Status st = imap->AddProcessedKeyword(folder, uid); !st.ok()) {
      spdlog::warn("event=flag_failed mailbox={} uid={} error=\"{}\"", config_.name, uid,
                   st.ToString());
    }
  }
  if (!config_.processed_folder.empty()) {
    if (absl::Status st = imap->MoveTo(folder, uid, config_.processed_folder); !st.ok()) {
      spdlog::warn("event=move_failed mailbox={} uid={} error=\"{}\"", config_.name, uid,
                   st.ToString());
    }
  }
  return absl::OkStatus();
}

void MailPoller::Start() {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
  thread_ = std::thread([this] { Loop(); });
}

void MailPoller::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (wake_pipe_[1] >= 0) (void)!::write(wake_pipe_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
}

void MailPoller::Loop() {
  while (true) {
    (void)PollOnce();
    if (failures_ == 0 && wake_pipe_[0] >= 0) {
      if (!idler_) {
        absl::StatusOr<ImapCredentials> credentials = Credentials();
        if (credentials.ok()) {
          absl::StatusOr<std::unique_ptr<ImapIdler>> idler =
              ImapIdler::Open(config_.url, *credentials);
          if (idler.ok() && (*idler)->supported()) idler_ = std::move(*idler);
        }
      }
      if (idler_) {
        // One folder: IDLE replaces polling (re-issued every 29 minutes).
        // Several: IDLE on the first, and the others polled on time.
        absl::Duration wait = config_.folders.size() == 1
                                  ? absl::Minutes(29)
                                  : absl::Seconds(config_.poll_seconds);
        idling_ = true;
        absl::StatusOr<bool> news =
            idler_->WaitForNews(config_.folders.front(), seen_uidnext_, wait, wake_pipe_[0]);
        idling_ = false;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
        }
        if (news.ok()) continue;
        spdlog::warn("event=idle_failed mailbox={} error=\"{}\"", config_.name,
                     news.status().ToString());
        idler_.reset();  // plain polling until it works again
      }
    }
    int seconds = config_.poll_seconds;
    for (int i = 0; i < std::min(failures_.load(), 6); ++i) seconds *= 2;
    seconds = std::min(seconds, std::max(config_.poll_seconds, 900));
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return stopping_; })) return;
  }
}

}  // namespace liasse
