#include "daemon/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <tuple>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>
#include <grpcpp/impl/codegen/service_type.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/api/api_server.h"
#include "daemon/process/archive.h"
#include "daemon/process/extractor.h"
#include "daemon/process/folder_watcher.h"
#include "daemon/process/oauth_tokens.h"
#include "daemon/base/fs_util.h"
#include "daemon/process/intake.h"
#include "daemon/process/collector.h"
#include "daemon/llm/llm_chain.h"
#include "daemon/process/pipeline.h"
#include "daemon/api/api_service.h"
#include "daemon/api/auth.h"
#include "daemon/base/logging.h"
#include "daemon/process/mail_poller.h"
#include "daemon/store/store.h"
#include "workflows/doc_type.h"
#include "workflows/identifiers.h"
#include "workflows/names.h"
#include "daemon/base/system_clock.h"

#ifndef LIASSE_VERSION
#define LIASSE_VERSION "0.0.0"
#endif

namespace liasse {
namespace {

namespace fs = std::filesystem;

// Holds an exclusive flock on STATE_DIR/liassed.lock for the process's life.
class StateDirLock {
 public:
  static absl::StatusOr<std::unique_ptr<StateDirLock>> Acquire(
      const std::string& state_dir) {
    std::string path = (fs::path(state_dir) / "liassed.lock").string();
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      return absl::PermissionDeniedError(
          absl::StrCat("lock file ", path, ": ", std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
        pid.pop_back();
      }
      ::close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("another liassed (pid ", pid,
                       ") is already running on state dir ", state_dir));
    }
    std::string pid = absl::StrCat(::getpid(), "\n");
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, pid.data(), pid.size(), 0) !=
            static_cast<ssize_t>(pid.size())) {
      spdlog::warn("event=lock_pid_not_written path={}", path);
    }
    return std::unique_ptr<StateDirLock>(new StateDirLock(fd));
  }
  ~StateDirLock() { ::close(fd_); }

 private:
  explicit StateDirLock(int fd) : fd_(fd) {}
  int fd_;
};

std::vector<ClientRecord> ClientRecords(const std::vector<ClientConfig>& clients) {
  std::vector<ClientRecord> out;
  for (const ClientConfig& c : clients) {
    ClientRecord r;
    r.id = c.id;
    r.name = c.name;
    r.legal_names = c.legal_names;
    r.siren = c.siren;
    r.vat = c.vat;
    r.language = c.language;
    r.emails = c.emails;
    r.domains = c.domains;
    r.folder = c.folder;
    r.manager = c.manager;
    r.paused = c.paused;
    out.push_back(std::move(r));
  }
  return out;
}

void Notify(const std::string& message) {
  sd_notify(0, message.c_str());
}

}  // namespace

void BlockDaemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// The LLM answer cache in the daemon's database, so a restart asks nothing twice.
class StoreLlmCache final : public LlmCache {
 public:
  explicit StoreLlmCache(Store* store) : store_(store) {}
  std::optional<std::string> Get(const std::string& key) override {
    absl::StatusOr<std::optional<std::string>> answer = store_->GetLlmAnswer(key);
    return answer.ok() ? *answer : std::nullopt;
  }
  void Put(const std::string& key, const std::string& answer) override {
    if (absl::Status st = store_->PutLlmAnswer(key, answer); !st.ok()) {
      spdlog::warn("event=llm_cache_write_failed error=\"{}\"", std::string(st.message()));
    }
  }

 private:
  Store* store_;
};

class Daemon::Impl {
 public:
  Impl(Config config, std::string config_path)
      : config_(std::move(config)), config_path_(std::move(config_path)) {}

  ~Impl() {
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    if (signal_fd_ >= 0) ::close(signal_fd_);
  }

  absl::Status Start() {
    const DaemonSection& d = config_.daemon;
    if (absl::Status st = MakeDirs(d.state_dir, 0750); !st.ok()) return st;
    absl::StatusOr<std::unique_ptr<StateDirLock>> lock =
        StateDirLock::Acquire(d.state_dir);
    if (!lock.ok()) return lock.status();
    lock_ = std::move(*lock);
    for (const std::string& sub : {std::string("archive")}) {
      if (absl::Status st = MakeDirs((fs::path(d.state_dir) / sub).string(), 0750);
          !st.ok()) {
        return st;
      }
    }
    if (absl::Status st = MakeDirs(d.inbox_root, 0770); !st.ok()) return st;
    for (const std::string& l : d.listen) {
      if (l.rfind("unix:", 0) == 0) {
        std::string dir = fs::path(l.substr(5)).parent_path().string();
        if (!dir.empty()) {
          if (absl::Status st = MakeDirs(dir, 0750); !st.ok()) return st;
        }
      }
    }

    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(
        (fs::path(d.state_dir) / "liasse.db").string(), &clock_);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    if (absl::Status st = SyncClients(); !st.ok()) return st;

    archive_ = std::make_unique<Archive>((fs::path(d.state_dir) / "archive").string());
    // Copies cut short by a kill: nothing refers to them (the lock is ours).
    if (int left = archive_->RemoveLeftovers(); left > 0) {
      spdlog::info("event=archive_leftovers_removed count={}", left);
    }
    Extractor::Options extract;
    extract.ocr = ReadingOptions(config_);
    extract.workers = d.workers;
    absl::StatusOr<std::unique_ptr<Extractor>> extractor = Extractor::Start(extract);
    if (!extractor.ok()) return extractor.status();
    extractor_ = std::move(*extractor);
    Pipeline::Options pipeline;
    pipeline.workers = extractor_->workers();
    pipeline.max_attempts = d.max_attempts;
    pipeline.stuck_after = absl::Seconds(config_.ocr.timeout_s) * 2 + absl::Minutes(1);
    pipeline.rules_confidence = config_.classify.llm_skip_confidence;
    pipeline.min_ocr_confidence = config_.classify.min_ocr_confidence;
    absl::StatusOr<std::vector<LlmChain::Provider>> providers =
        ResolveLlmProviders(config_.llm_providers);
    if (!providers.ok()) return providers.status();
    llm_cache_ = std::make_unique<StoreLlmCache>(store_.get());
    llm_ = std::make_unique<LlmChain>(
        std::move(*providers), &clock_, llm_cache_.get(),
        [this](const std::string& provider, const std::string& why) {
          // A misconfigured provider needs a person: staff see it on WatchEvents.
          EventRecord e;
          e.kind = "escalation";
          e.payload_json = nlohmann::json({{"reason", "llm_provider_config"},
                                           {"provider", provider},
                                           {"message", why},
                                           {"urgent", true}})
                               .dump();
          (void)store_->AppendEvent(e);
        });
    pipeline.llm = llm_.get();
    oauth_ = std::make_unique<OAuthTokens>(
        (fs::path(d.state_dir) / "oauth").string(), &clock_,
        [this](const std::string& profile, const std::string& why) {
          // One urgent escalation per episode (the tokens say when it ends).
          if (!collector_) return;
          Escalator* staff = collector_.get();
          absl::Status st = staff->Escalate(
              "", absl::StrCat("connexion OAuth « ", profile, " » bloquée"),
              absl::StrCat("Liasse ne peut plus obtenir de jeton pour le profil ", profile,
                           " : ", why, ". La collecte et l'envoi par cette boîte sont "
                           "suspendus jusqu'à correction."),
              true, absl::StrCat("oauth#", profile, "#", absl::ToUnixSeconds(clock_.Now())));
          if (!st.ok()) spdlog::warn("event=escalation_failed error=\"{}\"", st.ToString());
        });
    oauth_->SetProfiles(config_.oauth);
    absl::StatusOr<Collector::Options> collect = CollectorOptions();
    if (!collect.ok()) return collect.status();
    collector_ = std::make_unique<Collector>(store_.get(), archive_.get(), &clock_,
                                             std::move(*collect), clients_);
    pipeline_host_ = std::make_unique<Host>(this);
    pipeline_ = std::make_unique<Pipeline>(store_.get(), archive_.get(), extractor_.get(),
                                           &clock_, pipeline_host_.get(), pipeline);
    if (absl::Status st = pipeline_->Start(); !st.ok()) return st;
    // Files and uploads over [ocr] max_file_mb are not taken in at all: a
    // file stays where the client put it (with a `file_too_large` event), an
    // upload is refused as its bytes arrive.
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(),
                                       int64_t{config_.ocr.max_file_mb} << 20,
                                       [this] { pipeline_->Wake(); });

    info_ = std::make_unique<DaemonInfo>(LIASSE_VERSION, clock_.Now(),
                                         d.state_dir);
    info_->SetConfig(config_.source, clock_.Now());
    std::shared_ptr<TokenTable> tokens;
    if (!d.token_file.empty()) {
      absl::StatusOr<std::shared_ptr<TokenTable>> loaded =
          TokenTable::Load(d.token_file);
      if (!loaded.ok()) return loaded.status();
      tokens = *loaded;
    }
    tokens_ = tokens;
    ServiceDeps deps;
    deps.store = store_.get();
    deps.clock = &clock_;
    deps.info = info_.get();
    deps.tokens = tokens;
    deps.intake = intake_.get();
    deps.archive = archive_.get();
    deps.on_requeue = [this] { pipeline_->Wake(); };
    deps.llm = llm_.get();
    deps.collector = collector_.get();
    deps.oauth = oauth_.get();
    service_ = NewLiasseService(deps);
    ApiServerOptions api;
    api.listen = d.listen;
    api.tls_cert_file = d.tls_cert_file;
    api.tls_key_file = d.tls_key_file;
    api.tokens = tokens;
    absl::StatusOr<std::unique_ptr<ApiServer>> server =
        ApiServer::Start(api, service_.get());
    if (!server.ok()) return server.status();
    server_ = std::move(*server);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) {
      return absl::InternalError(absl::StrCat("signalfd: ", std::strerror(errno)));
    }
    WatchInboxRoot();
    if (absl::Status st = WatchClientFolders(); !st.ok()) return st;
    StartMailPollers();
    if (absl::Status st = collector_->Start(); !st.ok()) return st;
    return absl::OkStatus();
  }

  int Run() {
    uint64_t watchdog_usec = 0;
    bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
    int timeout_ms = 1000;
    if (watchdog) {
      timeout_ms = std::max<int>(
          50, std::min<uint64_t>(1000, watchdog_usec / 1000 / 2));
    }
    spdlog::info("event=started version={} state_dir={} listen={} clients={} config=\"{}\"",
                 LIASSE_VERSION, config_.daemon.state_dir,
                 absl::StrJoin(config_.daemon.listen, ","), client_count_,
                 config_.source);
    Notify(absl::StrCat("READY=1\nSTATUS=serving, ", client_count_,
                        " clients"));
    while (true) {
      pollfd fds[3] = {{signal_fd_, POLLIN, 0},
                       {watcher_.fd(), POLLIN, 0},
                       {inotify_fd_, POLLIN, 0}};
      int wait_ms = timeout_ms;
      // While intake is paused, files wait in the watcher: no early wake.
      absl::Time next_wake = intake_paused_ ? absl::InfiniteFuture() : watcher_.NextWake();
      if (next_wake != absl::InfiniteFuture()) {
        wait_ms = static_cast<int>(std::clamp<int64_t>(
            absl::ToInt64Milliseconds(next_wake - clock_.Now()) + 1, 0, timeout_ms));
      }
      int n = ::poll(fds, inotify_fd_ >= 0 ? 3 : 2, wait_ms);
      if (n < 0 && errno != EINTR) {
        spdlog::critical("event=poll_failed error=\"{}\"", std::strerror(errno));
        return 1;
      }
      if (n > 0 && (fds[0].revents & POLLIN)) {
        signalfd_siginfo info;
        while (::read(signal_fd_, &info, sizeof(info)) == sizeof(info)) {
          if (info.ssi_signo == SIGHUP) {
            Reload();
          } else {
            return Stop(static_cast<int>(info.ssi_signo));
          }
        }
      }
      if (n > 0 && (fds[1].revents & POLLIN)) watcher_.ReadEvents(clock_.Now());
      if (n > 0 && inotify_fd_ >= 0 && (fds[2].revents & POLLIN)) {
        char buf[4096];
        while (::read(inotify_fd_, buf, sizeof(buf)) > 0) {
        }
        if (absl::Status st = SyncClients(); !st.ok()) {
          spdlog::error("event=client_sync_failed error=\"{}\"", st.ToString());
        }
        (void)WatchClientFolders();
      }
      watcher_.Poll(clock_.Now());
      if (intake_paused_) ResumeIntakeIfRoom();
      if (!intake_paused_) TakeIn(watcher_.Settled(clock_.Now()));
      ReportIgnoredFiles();
      // The loop came round and no pipeline step is stuck: alive.
      if (watchdog && pipeline_->Healthy()) Notify("WATCHDOG=1");
    }
  }

 private:
  // The pipeline's questions, answered from the config and the collector.
  class Host : public PipelineHost {
   public:
    explicit Host(Impl* impl) : impl_(impl) {}
    std::string ClientOfBuyer(const Fields& fields) override {
      return impl_->ClientOfBuyer(fields);
    }
    UnderstandOptions ClientOptions(const std::string& client_id) override {
      return impl_->UnderstandOptionsFor(client_id);
    }
    absl::StatusOr<Fields> ImportBankFile(const DocumentRecord& doc,
                                          const std::string& bytes) override {
      return impl_->collector_->ImportBankFile(doc, bytes);
    }
    void Concluded(int64_t id, const Conclusion& conclusion) override {
      absl::Status st;
      if (conclusion.follow_up == FollowUp::kFile) {
        st = impl_->collector_->FileDocument(id);
      } else if (conclusion.follow_up == FollowUp::kAskAgain) {
        st = impl_->collector_->AskAgain(id, conclusion.ask_fr, conclusion.ask_en);
      }
      if (!st.ok()) spdlog::warn("event=filing_failed doc={} error=\"{}\"", id, st.ToString());
    }

   private:
    Impl* impl_;
  };

  // The collector's settings from the config in force (read at start and on
  // each reload; the SMTP password file is read again too).
  absl::StatusOr<Collector::Options> CollectorOptions() {
    Collector::Options collect;
    collect.reminders = config_.reminders;
    collect.matching = config_.matching;
    collect.smtp = config_.smtp;
    collect.oauth_tokens = oauth_.get();
    collect.timezone = config_.daemon.timezone;
    if (!config_.smtp.password_file.empty()) {
      absl::StatusOr<std::string> secret = ReadSecretFile(config_.smtp.password_file);
      if (!secret.ok()) return secret.status();
      collect.smtp_password = *secret;
    } else if (!config_.smtp.password_env.empty()) {
      const char* v = std::getenv(config_.smtp.password_env.c_str());
      collect.smtp_password = v ? v : "";
    }
    collect.health_notes = [this] {
      std::vector<std::string> notes;
      for (const OAuthProfileStatus& p : oauth_->Status()) {
        if (p.needs_person) notes.push_back(absl::StrCat("connexion OAuth ", p.name, " bloquée : ", p.last_error));
      }
      if (llm_) {
        std::vector<LlmProviderStats> stats = llm_->Stats();
        int open = 0;
        for (const LlmProviderStats& p : stats) {
          if (!p.breaker_open) continue;
          ++open;
          notes.push_back(absl::StrCat("fournisseur LLM ", p.name, " en pause (", p.last_error, ")"));
        }
        if (!stats.empty() && open == static_cast<int>(stats.size())) {
          notes.push_back("aucun fournisseur LLM ne répond : seules les règles classent");
        }
      }
      return notes;
    };
    return collect;
  }

  // Who the client is (for purchase/sale) and whether an LLM may read its
  // documents.
  UnderstandOptions UnderstandOptionsFor(const std::string& client_id) {
    UnderstandOptions o;
    {
      std::lock_guard<std::mutex> lock(identities_mu_);
      for (const ClientConfig& c : buyers_) {
        if (c.id != client_id) continue;
        o.client = PartyIdentity{c.siren, c.vat, c.legal_names};
        o.llm_allowed = c.llm;
      }
    }
    // The client's unjustified debits: a receipt one of them confirms needs
    // no person.
    absl::StatusOr<std::pair<std::vector<MatchDebit>, MatchOptions>> debits =
        collector_->OpenDebits(client_id);
    if (debits.ok()) {
      o.open_debits = std::move(debits->first);
      o.matching = debits->second;
    } else {
      spdlog::warn("event=open_debits_failed client={} error=\"{}\"", client_id,
                   debits.status().ToString());
    }
    return o;
  }

  // The one configured client that is the buyer of an e-invoice (the rule
  // of workflows/doc_type.h); "" when none or several.
  std::string ClientOfBuyer(const Fields& fields) {
    std::vector<std::pair<std::string, PartyIdentity>> parties;
    {
      std::lock_guard<std::mutex> lock(identities_mu_);
      for (const ClientConfig& c : buyers_) {
        parties.push_back({c.id, PartyIdentity{c.siren, c.vat, c.legal_names}});
      }
    }
    return liasse::ClientOfBuyer(fields, parties);
  }

  void StartMailPollers() {
    for (auto& poller : pollers_) poller->Stop();
    pollers_.clear();
    for (const Mailbox& mailbox : config_.mailboxes) {
      auto poller = std::make_unique<MailPoller>(
          mailbox,
          [this] {
            std::lock_guard<std::mutex> lock(identities_mu_);
            return identities_;
          },
          store_.get(), intake_.get(), oauth_.get());
      poller->Start();
      pollers_.push_back(std::move(poller));
    }
  }

  // Starts watching the client folders and takes in what arrived while the
  // daemon was down.
  absl::Status WatchClientFolders() {
    std::vector<WatchedFolder> folders;
    // Folders found in the inbox root may not themselves be links.
    bool discovered = ClientsFromFolders();
    for (const ClientConfig& c : clients_) {
      folders.push_back({c.id, c.folder, c.poll_seconds, discovered});
    }
    return watcher_.Watch(folders, clock_.Now());
  }

  const ClientConfig* ClientById(const std::string& id) const {
    for (const ClientConfig& c : clients_) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  bool QueueFull() {
    absl::StatusOr<int64_t> pending = store_->CountPendingDocuments();
    return pending.ok() && *pending >= config_.daemon.queue_limit;
  }

  void ResumeIntakeIfRoom() {
    if (QueueFull()) return;
    intake_paused_ = false;
    spdlog::info("event=intake_resumed");
    watcher_.ScanAll(clock_.Now());
  }

  void TakeIn(const std::vector<FileCandidate>& files) {
    size_t taken = 0;
    for (const FileCandidate& f : files) {
      if (intake_paused_ || stopping_) return;
      // Counting the queue costs a query: once per batch and every 32 files.
      if (taken++ % 32 == 0 && QueueFull()) {
        intake_paused_ = true;
        spdlog::warn("event=intake_paused reason=queue_limit limit={}",
                     config_.daemon.queue_limit);
        return;
      }
      TakeInOne(f);
    }
  }

  void TakeInOne(const FileCandidate& f) {
    const ClientConfig* client = ClientById(f.client_id);
    if (!client) return;
    // Opened below the client folder's held descriptor, no link followed.
    absl::StatusOr<OpenedFile> file = f.folder->OpenFile(f.relpath);
    if (!file.ok()) {
      if (!absl::IsNotFound(file.status())) {
        spdlog::warn("event=intake_failed client={} path=\"{}\" error=\"{}\"", client->id,
                     f.path, file.status().ToString());
      }
      return;
    }
    if (client->after == "keep") {
      absl::StatusOr<bool> seen =
          store_->IsFileSeen(client->id, f.path, file->stamp.size, file->stamp.mtime_ns);
      if (seen.ok() && *seen) return;
    }
    std::string name = file->name;
    if (file->stamp.size > intake_->max_bytes()) {
      ReportTooLarge(*client, f, file->stamp);
      return;
    }
    absl::StatusOr<IntakeResult> result =
        intake_->IngestFd(client->id, "folder", name, file->fd.get());
    if (!result.ok()) {
      if (absl::IsAborted(result.status())) {
        // Written to while read: nothing was recorded; take it once settled.
        spdlog::info("event=intake_deferred client={} path=\"{}\" reason=\"{}\"", client->id,
                     f.path, std::string(result.status().message()));
        watcher_.Recheck(f, clock_.Now());
        return;
      }
      // Unreadable or over the hard limit: the file stays where it is
      // (nothing is lost) and the next rescan retries.
      spdlog::warn("event=intake_failed client={} path=\"{}\" error=\"{}\"", client->id,
                   f.path, result.status().ToString());
      return;
    }
    spdlog::info("event={} client={} doc={} name=\"{}\"",
                 result->duplicate ? "duplicate" : "received", client->id,
                 result->document_id, name);
    // The original is durable: now the file may be acknowledged — if it is
    // still the file that was read.
    absl::Status ack;
    if (client->after == "keep") {
      absl::StatusOr<DocumentRecord> doc = store_->GetDocument(result->document_id);
      ack = store_->RememberFile(client->id, f.path, file->stamp.size, file->stamp.mtime_ns,
                                 doc.ok() ? doc->sha256 : "", result->document_id);
    } else if (client->after == "delete") {
      ack = f.folder->Remove(*file);
    } else {
      // The firm's month, in its time zone (loaded once, by the collector).
      ack = f.folder->MoveToProcessed(
          *file, absl::FormatTime("%Y-%m", clock_.Now(), collector_->timezone()));
    }
    if (absl::IsAborted(ack)) {
      // Changed after its copy was committed: both versions are kept; the
      // new one is taken once it settles.
      spdlog::warn("event=changed_after_read client={} path=\"{}\" doc={}", client->id, f.path,
                   result->document_id);
      watcher_.Recheck(f, clock_.Now());
    } else if (!ack.ok()) {
      spdlog::warn("event=acknowledge_failed client={} path=\"{}\" error=\"{}\"", client->id,
                   f.path, ack.ToString());
    }
  }

  // Something in the inbox that will never be taken: staff hear of it once
  // (log, and an escalation event the daily digest lists).
  void SayIgnored(const std::string& client, const std::string& name, const std::string& code,
                  const std::string& why) {
    spdlog::warn("event=ignored client={} name=\"{}\" code={} reason=\"{}\"", client, name, code,
                 why);
    EventRecord e;
    e.kind = "escalation";
    e.client_id = client;
    e.payload_json = nlohmann::json({{"reason", code},
                                     {"name", SanitizeDisplayName(name)},
                                     {"message", absl::StrCat(SanitizeDisplayName(name), " – ", why)},
                                     {"urgent", false}})
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)store_->AppendEvent(e);
  }

  void ReportIgnoredFiles() {
    // The watcher hands out each once.
    for (const FileCandidate& f : watcher_.TakeIgnored()) {
      SayIgnored(f.client_id, f.relpath, "not_a_regular_file",
                 "ni un fichier ni un dossier (FIFO, socket, périphérique) : jamais lu "
                 "(not a regular file: never read)");
    }
  }

  // A file over [ocr] max_file_mb stays where it is, not copied; staff hear
  // of it once per version of the file.
  void ReportTooLarge(const ClientConfig& client, const FileCandidate& f, const FileStamp& stamp) {
    if (!too_large_reported_.insert({f.path, stamp.size, stamp.mtime_ns}).second) return;
    SayIgnored(client.id, f.relpath, "file_too_large",
               absl::StrCat("fichier de ", stamp.size >> 20, " Mo, au-delà de la limite de ",
                            intake_->max_bytes() >> 20,
                            " Mo ([ocr] max_file_mb) : laissé dans le dossier du client "
                            "(file over the size limit, left in the client's folder)"));
  }

  bool ClientsFromFolders() const {
    return config_path_.empty() || config_.clients.empty();
  }

  void WatchInboxRoot() {
    if (!ClientsFromFolders()) return;
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) return;
    if (::inotify_add_watch(inotify_fd_, config_.daemon.inbox_root.c_str(),
                            IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                IN_DELETE | IN_ONLYDIR) < 0) {
      spdlog::warn("event=inbox_watch_failed path={} error=\"{}\"",
                   config_.daemon.inbox_root, std::strerror(errno));
      ::close(inotify_fd_);
      inotify_fd_ = -1;
    }
  }

  absl::Status SyncClients() {
    std::vector<std::string> invalid;
    clients_ = ClientsFromFolders() ? DiscoverFolderClients(config_.daemon.inbox_root, &invalid)
                                    : config_.clients;
    if (ClientsFromFolders()) {
      for (ClientConfig& c : clients_) c.accounting = config_.accounting;  // the firm's accounts
    }
    for (const std::string& name : invalid) {
      if (!reported_folder_names_.insert(name).second) continue;
      SayIgnored("", name, "folder_name_invalid",
                 "dossier ignoré : un nom de client s'écrit en minuscules, chiffres, - ou _ "
                 "(folder ignored: a client name is lower-case letters, digits, - or _)");
    }
    client_count_ = clients_.size();
    {
      std::lock_guard<std::mutex> lock(identities_mu_);
      identities_.clear();
      for (const ClientConfig& c : clients_) identities_.push_back({c.id, c.emails, c.domains});
      buyers_ = clients_;
    }
    if (collector_) collector_->SetClients(clients_);
    return store_->SyncClients(ClientRecords(clients_));
  }

  void Reload() {
    Notify("RELOADING=1");
    if (config_path_.empty()) {
      spdlog::info("event=reload config=\"embedded default\"");
    } else {
      absl::StatusOr<Config> fresh = LoadConfigFile(config_path_);
      if (!fresh.ok()) {
        spdlog::error("event=reload_rejected config={} reason=\"{}\"",
                      config_path_, std::string(fresh.status().message()));
        Notify("READY=1\nSTATUS=serving; last reload rejected (see log)");
        return;
      }
      // API tokens take effect now: a removed token stops working at once.
      std::shared_ptr<TokenTable> fresh_tokens = std::make_shared<TokenTable>();
      if (!fresh->daemon.token_file.empty()) {
        absl::StatusOr<std::shared_ptr<TokenTable>> loaded =
            TokenTable::Load(fresh->daemon.token_file);
        if (!loaded.ok()) {
          spdlog::error("event=reload_rejected config={} reason=\"{}\"", config_path_,
                        std::string(loaded.status().message()));
          Notify("READY=1\nSTATUS=serving; last reload rejected (see log)");
          return;
        }
        fresh_tokens = *loaded;
      }
      if (tokens_) {
        tokens_->Replace(*fresh_tokens);
        spdlog::info("event=tokens_reloaded count={}", tokens_->size());
      } else if (fresh_tokens->size() > 0) {
        spdlog::warn("event=reload_needs_restart key=daemon.token_file");
      }
      for (const std::string& w : ExposedSecretFiles(*fresh)) {
        spdlog::warn("event=secret_file_exposed detail=\"{}\"", w);
      }
      for (const std::string& key : KeysNeedingRestart(config_, *fresh)) {
        spdlog::warn("event=reload_needs_restart key={}", key);
      }
      // Keys that need a restart keep their running values.
      DaemonSection kept = config_.daemon;
      config_ = std::move(*fresh);
      config_.daemon.state_dir = kept.state_dir;
      config_.daemon.listen = kept.listen;
      config_.daemon.tls_cert_file = kept.tls_cert_file;
      config_.daemon.tls_key_file = kept.tls_key_file;
      config_.daemon.workers = kept.workers;
      (void)SetLogLevel(config_.daemon.log_level);
    }
    oauth_->SetProfiles(config_.oauth);
    if (absl::StatusOr<Collector::Options> collect = CollectorOptions(); collect.ok()) {
      collector_->Reconfigure(std::move(*collect));
    } else {
      spdlog::error("event=collector_reconfigure_failed error=\"{}\"", collect.status().ToString());
    }
    if (absl::Status st = SyncClients(); !st.ok()) {
      spdlog::error("event=client_sync_failed error=\"{}\"", st.ToString());
    }
    if (absl::Status st = WatchClientFolders(); !st.ok()) {
      spdlog::error("event=watch_failed error=\"{}\"", st.ToString());
    }
    StartMailPollers();
    info_->SetConfig(config_.source, clock_.Now());
    spdlog::info("event=reloaded config=\"{}\" clients={}", config_.source,
                 client_count_);
    Notify(absl::StrCat("READY=1\nSTATUS=serving, ", client_count_,
                        " clients"));
  }

  int Stop(int signo) {
    spdlog::info("event=stopping signal={}", strsignal(signo));
    Notify("STOPPING=1");
    info_->SetStopping();
    stopping_ = true;  // intake stops: files stay in their folders
    for (auto& poller : pollers_) poller->Stop();  // mail stays on the server
    // Extractions in flight are abandoned (the documents go back to
    // `received`, committed); every other step finishes and commits.
    extractor_->Cancel();
    pipeline_->Stop();
    collector_->Stop();
    // In-flight calls get a moment to finish; streams end on `stopping`.
    server_->Shutdown(absl::Seconds(3));
    server_.reset();
    service_.reset();
    pipeline_.reset();
    collector_.reset();
    extractor_.reset();
    intake_.reset();
    store_.reset();
    spdlog::info("event=stopped");
    return 0;
  }

  Config config_;
  std::string config_path_;
  SystemClock clock_;
  std::unique_ptr<StateDirLock> lock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Extractor> extractor_;
  std::unique_ptr<LlmCache> llm_cache_;
  std::unique_ptr<LlmChain> llm_;
  std::unique_ptr<OAuthTokens> oauth_;  // outlives collector_ and pollers_
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<Host> pipeline_host_;  // outlives pipeline_
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Intake> intake_;
  FolderWatcher watcher_;
  std::vector<ClientConfig> clients_;
  std::mutex identities_mu_;
  std::vector<ClientIdentity> identities_;  // guarded by identities_mu_
  std::vector<ClientConfig> buyers_;         // guarded by identities_mu_
  std::vector<std::unique_ptr<MailPoller>> pollers_;
  std::set<std::tuple<std::string, int64_t, int64_t>> too_large_reported_;
  std::set<std::string> reported_folder_names_;  // invalid client folder names said
  bool intake_paused_ = false;
  bool stopping_ = false;
  std::unique_ptr<DaemonInfo> info_;
  std::shared_ptr<TokenTable> tokens_;  // null: no TCP listener, no tokens
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<ApiServer> server_;
  size_t client_count_ = 0;
  int signal_fd_ = -1;
  int inotify_fd_ = -1;
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(Config config,
                                                      std::string config_path) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(config_path));
  if (absl::Status st = impl->Start(); !st.ok()) return st;
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

int Daemon::Run() { return impl_->Run(); }

int LiassedMain(int argc, char** argv) {
  BlockDaemonSignals();
  CLI::App app{"liassed: collects, reads and files accounting documents"};
  std::string config_path;
  bool check_only = false;
  bool version = false;
  app.add_option("-c,--config", config_path,
                 "TOML config file (default: the embedded default: state in "
                 "./var, client folders under ./var/inbox, socket "
                 "./var/liasse.sock)");
  app.add_flag("--check-config", check_only,
               "validate the config and exit (0 valid, 2 invalid)");
  app.add_flag("--version", version, "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (version) {
    std::printf("liassed %s\n", LIASSE_VERSION);
    return 0;
  }
  absl::StatusOr<Config> config =
      config_path.empty() ? absl::StatusOr<Config>(EmbeddedDefaultConfig())
                          : LoadConfigFile(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "liassed: invalid config:\n%s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  for (const std::string& w : ExposedSecretFiles(*config)) {
    std::fprintf(stderr, "liassed: warning: %s\n", w.c_str());
  }
  if (check_only) {
    std::printf("%s: OK\n", config->source.c_str());
    return 0;
  }
  InitLogging(config->daemon.log_level);
  absl::StatusOr<std::unique_ptr<Daemon>> daemon =
      Daemon::Start(std::move(*config), config_path);
  if (!daemon.ok()) {
    spdlog::critical("event=start_failed reason=\"{}\"",
                     std::string(daemon.status().message()));
    return 1;
  }
  return (*daemon)->Run();
}

}  // namespace liasse
