// Collection, the imperative shell around workflows/collection.h and
// workflows/bank_matching.h: keeps each client's items (what it owes per
// period) and files finished documents against them (collector.cc), imports
// bank statements (bank_import), writes reminders, escalations and the daily
// staff digest to the outbox (reminders.cc), sends the outbox through a
// Mailer (outbox_delivery) and exports a period (period_export).
//
// Exactly one reminder per slot: the outbox row is inserted (unique by
// client, kind and slot), marked `sending`, handed to SMTP with a Message-ID
// derived from the slot, then marked `sent`. A row found `sending` at start
// became `unknown` (the daemon died mid-send) and is reported, never resent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/config/config.h"
#include "daemon/process/outbox_delivery.h"
#include "daemon/process/period_export.h"
#include "daemon/store/store.h"
#include "workflows/bank_matching.h"
#include "workflows/clock.h"
#include "workflows/collection.h"
#include "workflows/fields.h"
#include "workflows/validate.h"

namespace liasse {

class Archive;
struct BankStatement;

struct ItemView {
  ItemRecord item;
  std::string status;  // expected | received | missing | overdue | waived
};

struct RenderedReminder {
  std::string client_id;
  std::string kind;  // reminder | escalation | digest
  std::vector<std::string> to;
  std::string subject;
  std::string text;
  std::string html;
  std::string message_id;
};

struct ReminderRun {
  std::vector<RenderedReminder> emails;  // what was (or, dry, would be) written
  int scheduled = 0;
  int escalations = 0;
};

// Where a page of missing items starts: a keyset position (what is due by
// today, read through an index), or a position in a forecast (a later day).
struct MissingCursor {
  ItemCursor key;      // key.id 0 = not a keyset position
  int64_t offset = 0;  // 0 = not a forecast position
  bool empty() const { return key.id == 0 && offset == 0; }
};

struct MissingPage {
  std::vector<ItemView> items;
  MissingCursor next;  // empty() = last page
};

class Collector : public Escalator {
 public:
  struct Options {
    RemindersSection reminders;
    MatchingSection matching;
    SmtpSection smtp;
    std::string smtp_password;
    // Tokens for [smtp] oauth (owned by liassed; must outlive the collector).
    OAuthTokens* oauth_tokens = nullptr;
    std::string timezone = "Europe/Paris";
    absl::Duration tick = absl::Seconds(30);
    // Lines for the digest about the daemon's own health (LLM providers
    // whose breaker is open, failing mailboxes...), supplied by liassed.
    std::function<std::vector<std::string>()> health_notes;
    // Sends the outbox; null = SMTP with the [smtp] settings above.
    Mailer* mailer = nullptr;
  };

  Collector(Store* store, const Archive* archive, const Clock* clock, Options options,
            std::vector<ClientConfig> clients);
  ~Collector();

  // Rows left `sending` by a crash become `unknown` and are reported; then
  // the background loop starts (items, replies, reminders when enabled,
  // outbox, digest).
  absl::Status Start();
  void Stop();
  void Wake();
  // One pass of the background loop, on the calling thread (tests).
  absl::Status Tick();
  // When the loop's next pass is due if no event or Wake() comes first:
  // the earliest of the next local midnight (items fall due by day), the
  // next reminder time of any client, the outbox's next retry, today's
  // digest; `tick` after a pass that failed or acted.
  absl::Time NextPassAt() const;
  // A committed event wakes the loop at most this often (a burst of
  // intake is one pass); events the loop writes itself do not wake it.
  static constexpr absl::Duration kEventSettle = absl::Seconds(1);
  // The longest the loop sleeps, whatever is due (against wall-clock jumps).
  static constexpr absl::Duration kMaxSleep = absl::Hours(1);
  absl::Status Recover();

  void SetClients(std::vector<ClientConfig> clients);

  // Creates each expectation's items from the start period up to `as_of`.
  absl::Status RefreshItems(absl::Time as_of);
  // The client's debits no document justifies yet, and the matching
  // settings in force: evidence for understanding a new document.
  absl::StatusOr<std::pair<std::vector<MatchDebit>, MatchOptions>> OpenDebits(
      const std::string& client_id);
  // A document reached `done`: it closes its item, or its debit's receipt.
  absl::Status FileDocument(int64_t document_id);
  // A document the client must send again (unreadable, wrong period).
  absl::Status AskAgain(int64_t document_id, const std::string& reason_fr,
                        const std::string& reason_en);
  absl::StatusOr<ImportCounts> ImportBankStatement(const std::string& client_id,
                                                   const std::string& file_name,
                                                   const std::string& bytes,
                                                   const std::string& format);
  // A statement file dropped with the documents: imported (the same as
  // ImportBankStatement) and described as a bank_statement document's
  // fields (last movement's date, account). NotFound: not a statement file.
  absl::StatusOr<Fields> ImportBankFile(const DocumentRecord& doc, const std::string& bytes);
  // Items as of a day, stored and (for a later day) still to be created.
  absl::StatusOr<std::vector<ItemView>> Items(const std::string& client_id,
                                              const std::string& period, absl::Time as_of,
                                              bool open_only);
  // Items missing or overdue on the day of `as_of`, by due date, client,
  // id; `limit` per page.
  absl::StatusOr<MissingPage> Missing(const std::string& client_id, absl::Time as_of,
                                      const MissingCursor& after, int limit);
  // Evaluates the policy at `as_of`. dry_run: renders only. Otherwise writes
  // reminders and escalations to the outbox (sent by the next Deliver).
  absl::StatusOr<ReminderRun> RunReminders(absl::Time as_of, bool dry_run,
                                           const std::string& client_id) {
    return RunReminders(as_of, dry_run, client_id, /*from_tick=*/false);
  }
  // Sends scheduled outbox rows that are due, at most max_per_minute.
  absl::Status Deliver();
  // The digest for the day of `now`, once a day at digest_time.
  absl::Status MaybeSendDigest(absl::Time now, bool force);
  // When the client's next reminder is due (InfiniteFuture: none).
  absl::StatusOr<absl::Time> NextReminderAt(const std::string& client_id, absl::Time as_of);
  // Copies the period's documents to `dir` as YYYY-MM-DD_Supplier_TTC.ext
  // with an index.csv (format "csv"; documents = how many), or writes
  // their proposed entries in the FEC layout (format "fec", with the
  // client's accounts; needs its SIREN or French VAT number), with
  // changes.csv: the entries added, changed or gone since the period's
  // last export.
  struct ExportResult {
    int documents = 0;
    int entries = 0;
    int to_review = 0;
    std::string path;  // index.csv or the FEC file
    // fec: against the last export of the period (listed in changes.csv).
    int added = 0, changed = 0, removed = 0;
  };
  absl::StatusOr<ExportResult> Export(const std::string& client_id, const std::string& period,
                                      const std::string& dir, const std::string& format);
  // The period's proposed entries, as an export would write them, and the
  // documents a person must book or check.
  absl::StatusOr<PeriodEntries> Entries(const std::string& client_id, const std::string& period);
  // Learns the third parties of the client's books from a FEC its
  // accounting software wrote (their auxiliary accounts, names and usual
  // accounts), so that entries use them instead of creating new ones.
  struct FecImport {
    int lines = 0;
    int third_parties = 0;
    int with_account = 0;  // those whose usual charge or revenue account is known
  };
  absl::StatusOr<FecImport> ImportFec(const std::string& client_id, const std::string& content);

  // Takes new settings (SIGHUP): reminders, matching, SMTP, time zone. Each
  // operation works on the settings in force when it began; the next one
  // uses these.
  void Reconfigure(Options options);
  absl::TimeZone timezone() const;
  // [reminders] enabled in the settings in force: SendReminders may send.
  bool RemindersEnabled() const;

 private:
  // The config's clients, shared with readers while SetClients swaps in a
  // new list (hold the pointer while iterating).
  struct ClientList {
    std::vector<ClientConfig> all;
    std::map<std::string, size_t> by_id;
    // `id` "" = every client; else that one (none when unknown).
    std::vector<const ClientConfig*> Select(const std::string& id) const;
  };
  static std::shared_ptr<const ClientList> MakeClientList(std::vector<ClientConfig> clients);
  std::shared_ptr<const ClientList> Clients();
  // from_tick: the background loop's run, which skips clients known to
  // have nothing due (quiet_until_).
  absl::StatusOr<ReminderRun> RunReminders(absl::Time as_of, bool dry_run,
                                           const std::string& client_id, bool from_tick);
  absl::StatusOr<ClientConfig> ClientById(const std::string& id);
  std::chrono::year_month StartPeriod(const ClientConfig& c);
  std::vector<ItemRecord> PlannedItems(const ClientConfig& c, absl::Time as_of);
  // The item as it stands on `today` (expected, missing, overdue...).
  static ItemView View(ItemRecord item, Date today, int grace_days);
  static int64_t DayNumber(Date d) {
    return std::chrono::sys_days(d).time_since_epoch().count();
  }
  // Documents waiting for review only because their type was unsure, that
  // an open debit of the client now confirms: done and filed against it.
  absl::Status ConfirmWaitingDocuments(const std::string& client_id);
  absl::StatusOr<ImportCounts> ImportParsed(const std::string& client_id,
                                            const std::string& file_name,
                                            const BankStatement& statement);
  // Reminders paused until, and addresses that bounced (Store::GetContactState).
  using ContactState = std::pair<std::optional<absl::Time>, std::vector<std::string>>;
  absl::StatusOr<ClientReminderState> ReminderState(const ClientConfig& c,
                                                    const std::vector<ItemView>& open,
                                                    const ContactState& contact,
                                                    absl::Time as_of);
  absl::StatusOr<RenderedReminder> RenderReminder(const ClientConfig& c,
                                                  const std::vector<std::string>& to,
                                                  const std::vector<ItemView>& open,
                                                  const ReminderDecision& d, absl::Time as_of);
  absl::StatusOr<RenderedReminder> RenderEscalation(const ClientConfig& c, const std::string& title,
                                                    const std::string& text,
                                                    const std::vector<ItemView>& items,
                                                    bool urgent, const std::string& slot);
  absl::Status Schedule(const RenderedReminder& mail, const std::string& slot,
                        const std::vector<ItemView>& items, bool* created);
  absl::Status Escalate(const std::string& client_id, const std::string& title,
                        const std::string& text, bool urgent, const std::string& slot) override;
  absl::Status FollowEvents();
  // A filed (`done`) document goes back to review with a failed check.
  absl::Status SendToReview(const DocumentRecord& doc, const Check& failed,
                            const nlohmann::json& payload);
  absl::Status MaybeThank(const ClientConfig& c, absl::Time as_of, bool dry_run, ReminderRun* run);
  std::string MessageId(const std::string& client_id, const std::string& kind,
                        const std::string& slot) const;
  void Loop();
  absl::Status Pass(absl::Time now);  // Tick's work

  // The settings in force, replaced as a whole by Reconfigure.
  struct Settings {
    Options options;
    absl::TimeZone tz;  // options.timezone, loaded
  };
  static std::shared_ptr<const Settings> MakeSettings(Options options);
  std::shared_ptr<const Settings> Current() const;

  Store* store_;
  const Archive* archive_;
  const Clock* clock_;
  mutable std::mutex settings_mu_;
  std::shared_ptr<const Settings> settings_;  // guarded by settings_mu_
  std::mutex clients_mu_;
  std::shared_ptr<const ClientList> clients_;
  OutboxDelivery delivery_;
  int64_t events_seen_ = 0;
  // Items are planned once a day (and again after a config change), not on
  // every tick: hundreds of clients would mean a write per item each time.
  std::optional<Date> items_planned_on_;  // collector thread only
  // The last day (DayNumber) through which every client's items are
  // stored; -1 none.
  std::atomic<int64_t> planned_day_{-1};
  // Clients the loop's last reminder run had nothing to do for, and until
  // when that holds unless one of their events arrives (at most the next
  // day, when more items fall due): the loop then skips them, so a tick
  // costs one query, not a few per client. Collector thread only.
  std::map<std::string, absl::Time> quiet_until_;
  std::atomic<bool> quiet_reset_{false};  // new clients or settings: forget
  // The earliest quiet_until_ of the clients, or `now` when one acted
  // (set by the loop's reminder run).
  absl::Time reminders_next_ = absl::InfinitePast();  // collector thread only
  std::atomic<int64_t> next_pass_at_{0};  // absl::ToUnixMicros
  absl::Time ComputeNextPass(absl::Time now) const;
  std::atomic<bool> clients_changed_{true};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  bool events_arrived_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace liasse
