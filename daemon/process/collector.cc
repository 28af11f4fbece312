#include "daemon/process/collector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/process/archive.h"
#include "daemon/process/bank_import.h"
#include "daemon/process/period_export.h"
#include "daemon/mail/reminder_mail.h"
#include "daemon/mail/smtp.h"
#include "workflows/csv.h"
#include "workflows/filing.h"
#include "workflows/outbox_policy.h"
#include "workflows/replies.h"
#include "ocr/bank_statement.h"
#include "ocr/fec_file.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"
#include "workflows/money.h"
#include "workflows/names.h"

namespace liasse {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::chrono::month_day FiscalYearEnd(const ClientConfig& c) {
  absl::StatusOr<std::chrono::month_day> md = ParseMonthDay(c.fiscal_year_end);
  return md.ok() ? *md : std::chrono::month_day{std::chrono::December, std::chrono::day{31}};
}

std::string DefaultLabel(const std::string& kind, const std::string& lang) {
  static const std::map<std::string, std::pair<const char*, const char*>> kLabels = {
      {"bank_statement", {"Relevé bancaire", "Bank statement"}},
      {"payslip", {"Bulletins de paie", "Payslips"}},
      {"invoice", {"Factures", "Invoices"}},
      {"receipt", {"Justificatifs", "Receipts"}},
      {"tax_notice", {"Avis d'imposition", "Tax notice"}},
      {"contract", {"Contrat", "Contract"}},
      {"quote", {"Devis", "Quote"}},
      {"credit_note", {"Avoirs", "Credit notes"}},
      {"other", {"Document", "Document"}}};
  auto it = kLabels.find(kind);
  if (it == kLabels.end()) return kind;
  return lang == "en" ? it->second.second : it->second.first;
}

MatchOptions MatchOptionsFrom(const MatchingSection& m) {
  MatchOptions mo;
  mo.min_amount = m.min_amount;
  mo.days_before = m.date_window_before_days;
  mo.days_after = m.date_window_after_days;
  mo.ignore_labels = m.ignore_labels;
  return mo;
}

}  // namespace

Collector::Collector(Store* store, const Archive* archive, const Clock* clock, Options options,
                     std::vector<ClientConfig> clients)
    : store_(store),
      archive_(archive),
      clock_(clock),
      settings_(MakeSettings(std::move(options))),
      clients_(MakeClientList(std::move(clients))),
      delivery_(store, store, clock) {}

std::shared_ptr<const Collector::Settings> Collector::MakeSettings(Options options) {
  auto s = std::make_shared<Settings>();
  // The config checked the zone; a failure here is a bug, said once.
  if (!absl::LoadTimeZone(options.timezone, &s->tz)) {
    spdlog::warn("event=unknown_timezone tz={} using=UTC", options.timezone);
    s->tz = absl::UTCTimeZone();
  }
  s->options = std::move(options);
  return s;
}

std::shared_ptr<const Collector::Settings> Collector::Current() const {
  std::lock_guard<std::mutex> lock(settings_mu_);
  return settings_;
}

void Collector::Reconfigure(Options options) {
  std::shared_ptr<const Settings> fresh = MakeSettings(std::move(options));
  {
    std::lock_guard<std::mutex> lock(settings_mu_);
    settings_ = std::move(fresh);
  }
  quiet_reset_ = true;
  Wake();  // reminders may be due under the new settings
}

absl::TimeZone Collector::timezone() const { return Current()->tz; }

bool Collector::RemindersEnabled() const { return Current()->options.reminders.enabled; }

Collector::~Collector() { Stop(); }

absl::Status Collector::Start() {
  if (absl::Status st = Recover(); !st.ok()) return st;
  events_seen_ = store_->LastEventSeq();
  thread_ = std::thread([this] { Loop(); });
  std::thread::id loop_thread = thread_.get_id();
  store_->OnEventsCommitted([this, loop_thread] {
    if (std::this_thread::get_id() == loop_thread) return;  // its own: seen next pass
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_arrived_ = true;
    }
    cv_.notify_all();
  });
  return absl::OkStatus();
}

void Collector::Stop() {
  if (thread_.joinable()) store_->OnEventsCommitted(nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Collector::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Collector::Loop() {
  while (true) {
    auto started = std::chrono::steady_clock::now();
    if (absl::Status st = Tick(); !st.ok()) {
      spdlog::warn("event=collector_error error=\"{}\"", std::string(st.message()));
    }
    // Asleep until something is due, an event is committed or Wake().
    absl::Duration wait = std::clamp(NextPassAt() - clock_->Now(), absl::ZeroDuration(), kMaxSleep);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(wait),
                 [this] { return stopping_ || woken_ || events_arrived_; });
    if (!woken_ && events_arrived_) {
      // Let a burst of events settle: one pass for many.
      cv_.wait_until(lock, started + absl::ToChronoMilliseconds(kEventSettle),
                     [this] { return stopping_ || woken_; });
    }
    woken_ = false;
    events_arrived_ = false;
    if (stopping_) return;
  }
}

absl::Time Collector::NextPassAt() const { return absl::FromUnixMicros(next_pass_at_); }

absl::Time Collector::ComputeNextPass(absl::Time now) const {
  const std::shared_ptr<const Settings> cfg = Current();
  Date today = LocalDate(now, cfg->tz);
  absl::Time next = LocalTime(AddDays(today, 1), 0, cfg->tz);
  if (cfg->options.reminders.enabled) next = std::min(next, reminders_next_);
  next = std::min(next, delivery_.NextDue());
  absl::StatusOr<int> at = ParseClockTime(cfg->options.reminders.digest_time);
  if (!cfg->options.reminders.escalate_to.empty() && at.ok()) {
    // Once its time has passed today's digest is sent (or the pass failed).
    absl::Time digest = LocalTime(today, *at, cfg->tz);
    if (now < digest) next = std::min(next, digest);
  }
  // One that acted, or something due already: look again after a tick.
  return next <= now ? now + cfg->options.tick : next;
}

absl::Status Collector::Tick() {
  absl::Time now = clock_->Now();
  absl::Status st = Pass(now);
  next_pass_at_ = absl::ToUnixMicros(st.ok() ? ComputeNextPass(now) : now + Current()->options.tick);
  return st;
}

absl::Status Collector::Pass(absl::Time now) {
  const std::shared_ptr<const Settings> cfg = Current();
  Date today = LocalDate(now, cfg->tz);
  if (clients_changed_.exchange(false) || items_planned_on_ != today) {
    planned_day_ = -1;  // RunReminders plans per client meanwhile
    if (absl::Status st = RefreshItems(now); !st.ok()) {
      clients_changed_ = true;
      planned_day_ = -1;
      return st;
    }
    items_planned_on_ = today;
  }
  if (absl::Status st = FollowEvents(); !st.ok()) return st;
  if (cfg->options.reminders.enabled) {
    absl::StatusOr<ReminderRun> run = RunReminders(now, false, "", /*from_tick=*/true);
    if (!run.ok()) return run.status();
  }
  if (absl::Status st = Deliver(); !st.ok()) return st;
  return MaybeSendDigest(now, false);
}

absl::Status Collector::Recover() {
  absl::StatusOr<std::vector<OutboxRecord>> interrupted = store_->MarkInterruptedSends();
  if (!interrupted.ok()) return interrupted.status();
  for (const OutboxRecord& r : *interrupted) {
    spdlog::error("event=send_interrupted client={} kind={} slot={}", r.client_id, r.kind, r.slot);
    if (r.kind == "escalation" || r.kind == "digest") continue;
    if (absl::Status st = Escalate(
            r.client_id, "envoi interrompu",
            absl::StrCat("Le message « ", r.slot, " » était en cours d'envoi quand Liasse s'est "
                         "arrêté. Il n'est pas renvoyé automatiquement pour éviter un doublon : "
                         "vérifiez dans la boîte d'envoi s'il est parti, et renvoyez-le au besoin "
                         "(liasse remind)."),
            true, absl::StrCat("unknown#", r.id));
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<const Collector::ClientList> Collector::MakeClientList(
    std::vector<ClientConfig> clients) {
  auto list = std::make_shared<ClientList>();
  list->all = std::move(clients);
  for (size_t i = 0; i < list->all.size(); ++i) list->by_id.emplace(list->all[i].id, i);
  return list;
}

std::vector<const ClientConfig*> Collector::ClientList::Select(const std::string& id) const {
  std::vector<const ClientConfig*> out;
  if (!id.empty()) {
    auto it = by_id.find(id);
    if (it != by_id.end()) out.push_back(&all[it->second]);
    return out;
  }
  for (const ClientConfig& c : all) out.push_back(&c);
  return out;
}

void Collector::SetClients(std::vector<ClientConfig> clients) {
  std::shared_ptr<const ClientList> list = MakeClientList(std::move(clients));
  std::lock_guard<std::mutex> lock(clients_mu_);
  clients_ = std::move(list);
  planned_day_ = -1;
  quiet_reset_ = true;
  clients_changed_ = true;
}

std::shared_ptr<const Collector::ClientList> Collector::Clients() {
  std::lock_guard<std::mutex> lock(clients_mu_);
  return clients_;
}

absl::StatusOr<ClientConfig> Collector::ClientById(const std::string& id) {
  std::shared_ptr<const ClientList> clients = Clients();
  std::vector<const ClientConfig*> found = clients->Select(id);
  if (!id.empty() && !found.empty()) return *found.front();
  return absl::NotFoundError(absl::StrCat("client ", id, " is not in the config"));
}

std::chrono::year_month Collector::StartPeriod(const ClientConfig& c) {
  const std::shared_ptr<const Settings> cfg = Current();
  for (const std::string& text : {c.start_period, cfg->options.reminders.start_period}) {
    if (absl::StatusOr<std::chrono::year_month> ym = ParseYearMonth(text); ym.ok()) return *ym;
  }
  // Unset: the month Liasse first ran (its first event), never history.
  absl::StatusOr<std::vector<EventRecord>> first = store_->ListEvents(0, "", 1);
  absl::Time since = first.ok() && !first->empty() ? first->front().ts : clock_->Now();
  Date d = LocalDate(since, cfg->tz);
  return std::chrono::year_month{d.year(), d.month()};
}

std::vector<ItemRecord> Collector::PlannedItems(const ClientConfig& c, absl::Time as_of) {
  const std::shared_ptr<const Settings> cfg = Current();
  std::vector<ItemRecord> out;
  Date today = LocalDate(as_of, cfg->tz);
  for (const Expectation& e : c.expects) {
    for (const Period& p : PeriodsFrom(StartPeriod(c), today, e.every, FiscalYearEnd(c))) {
      ItemRecord item;
      item.client_id = c.id;
      item.period = p.key;
      item.kind = e.kind;
      item.label = e.label.empty() ? DefaultLabel(e.kind, c.language) : e.label;
      item.account = e.iban;
      item.due_date = DueDate(p, e.due_day);
      out.push_back(std::move(item));
    }
  }
  return out;
}

absl::Status Collector::RefreshItems(absl::Time as_of) {
  // A few hundred items per transaction: thousands of clients are planned
  // in seconds, not one commit (and fsync) per item.
  constexpr size_t kBatch = 500;
  std::vector<ItemRecord> batch;
  std::shared_ptr<const ClientList> clients = Clients();
  for (const ClientConfig& c : clients->all) {
    for (ItemRecord& item : PlannedItems(c, as_of)) batch.push_back(std::move(item));
    if (batch.size() < kBatch) continue;
    if (absl::StatusOr<int> made = store_->EnsureItems(batch); !made.ok()) return made.status();
    batch.clear();
  }
  if (!batch.empty()) {
    if (absl::StatusOr<int> made = store_->EnsureItems(batch); !made.ok()) return made.status();
  }
  // Every client's items through that day are stored (unless the clients
  // changed meanwhile: SetClients resets this).
  if (!clients_changed_) {
    int64_t day = DayNumber(LocalDate(as_of, Current()->tz));
    if (planned_day_ < day) planned_day_ = day;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ItemView>> Collector::Items(const std::string& client_id,
                                                       const std::string& period,
                                                       absl::Time as_of, bool open_only) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<std::vector<ItemRecord>> stored = store_->ListItems(client_id, period, false);
  if (!stored.ok()) return stored.status();
  std::vector<ItemRecord> all;
  // A later day than today: the items that will exist by then.
  std::set<std::tuple<std::string, std::string, std::string, std::string>> have;
  for (const ItemRecord& i : *stored) {
    have.insert({i.client_id, i.kind, i.period, i.account});
    if (!open_only || i.state == ItemState::kOpen) all.push_back(i);
  }
  std::shared_ptr<const ClientList> clients = Clients();
  for (const ClientConfig* c : clients->Select(client_id)) {
    for (ItemRecord& i : PlannedItems(*c, as_of)) {
      if (!period.empty() && i.period != period) continue;
      if (have.insert({i.client_id, i.kind, i.period, i.account}).second) all.push_back(i);
    }
  }
  Date today = LocalDate(as_of, cfg->tz);
  std::vector<ItemView> out;
  for (ItemRecord& i : all) out.push_back(View(std::move(i), today, cfg->options.reminders.grace_days));
  return out;
}

ItemView Collector::View(ItemRecord item, Date today, int grace_days) {
  ItemView v;
  v.status = ItemStatus(item.due_date, grace_days, today, item.state == ItemState::kReceived,
                        item.state == ItemState::kWaived);
  if (item.kind == "redo" && item.state == ItemState::kOpen) v.status = "missing";
  v.item = std::move(item);
  return v;
}

absl::StatusOr<MissingPage> Collector::Missing(const std::string& client_id, absl::Time as_of,
                                               const MissingCursor& after, int limit) {
  const std::shared_ptr<const Settings> cfg = Current();
  int grace = cfg->options.reminders.grace_days;
  Date today = LocalDate(as_of, cfg->tz);
  MissingPage page;
  if (planned_day_ >= DayNumber(today) && !clients_changed_) {
    // Every item due by that day is stored (RefreshItems, AskAgain): one
    // index range, one page.
    if (after.offset != 0) return absl::InvalidArgumentError("bad page_token");
    absl::StatusOr<std::vector<ItemRecord>> rows =
        store_->ListOpenItemsDue(client_id, today, after.key, limit + 1);
    if (!rows.ok()) return rows.status();
    for (ItemRecord& i : *rows) {
      if (static_cast<int>(page.items.size()) == limit) {
        const ItemRecord& last = page.items.back().item;
        page.next.key = ItemCursor{last.due_date, last.client_id, last.id};
        break;
      }
      page.items.push_back(View(std::move(i), today, grace));
    }
    return page;
  }
  // A later day, or clients whose items are not planned yet: the items
  // are computed whole (stored and still to create) and paged by position.
  if (after.key.id != 0) return absl::InvalidArgumentError("bad page_token");
  absl::StatusOr<std::vector<ItemView>> items = Items(client_id, "", as_of, true);
  if (!items.ok()) return items.status();
  std::vector<ItemView> missing;
  for (ItemView& v : *items) {
    if (v.status == "missing" || v.status == "overdue") missing.push_back(std::move(v));
  }
  std::stable_sort(missing.begin(), missing.end(), [](const ItemView& a, const ItemView& b) {
    return std::tie(a.item.due_date, a.item.client_id, a.item.id) <
           std::tie(b.item.due_date, b.item.client_id, b.item.id);
  });
  size_t start = static_cast<size_t>(after.offset);
  size_t end = std::min(missing.size(), start + static_cast<size_t>(limit));
  for (size_t i = start; i < end; ++i) page.items.push_back(std::move(missing[i]));
  if (end < missing.size()) page.next.offset = static_cast<int64_t>(end);
  return page;
}

absl::Status Collector::SendToReview(const DocumentRecord& doc, const Check& failed,
                                     const json& payload) {
  DocumentUpdate review;
  review.status = DocumentStatus::kNeedsReview;
  review.status_reason = failed.code;
  review.checks = doc.checks;
  review.checks->push_back(failed);
  json event = {{"from", "done"}, {"to", "needs_review"}, {"reason", failed.code}};
  event.update(payload);
  return store_->UpdateDocument(doc.id, DocumentStatus::kDone, review, "status", event.dump());
}

absl::StatusOr<std::pair<std::vector<MatchDebit>, MatchOptions>> Collector::OpenDebits(
    const std::string& client_id) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<std::vector<BankTxnRecord>> debits = store_->ListUnmatchedDebits(client_id);
  if (!debits.ok()) return debits.status();
  std::vector<MatchDebit> out;
  for (const BankTxnRecord& t : *debits) {
    out.push_back({t.id, t.date, Money{-t.amount.cents}, t.label});
  }
  return std::make_pair(std::move(out), MatchOptionsFrom(cfg->options.matching));
}

absl::Status Collector::FileDocument(int64_t document_id) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<DocumentRecord> doc = store_->GetDocument(document_id);
  if (!doc.ok()) return doc.status();
  if (doc->client_id == kUnknownClientId || doc->doc_type == DocType::kUnknown) return absl::OkStatus();
  Fields f = doc->fields.value_or(Fields());
  Date day = f.issue_date ? *f.issue_date : LocalDate(doc->received_at, cfg->tz);
  absl::StatusOr<std::vector<ItemRecord>> open = store_->ListItems(doc->client_id, "", true);
  if (!open.ok()) return open.status();
  absl::StatusOr<ClientConfig> client = ClientById(doc->client_id);
  std::chrono::month_day fye = client.ok() ? FiscalYearEnd(*client)
                                           : std::chrono::month_day{std::chrono::December,
                                                                    std::chrono::day{31}};
  std::vector<OpenItem> items;
  for (const ItemRecord& i : *open) {
    items.push_back({i.id, i.kind, i.period, i.account, i.bank_txn_id != 0});
  }
  FilingChoice choice = ChooseItem(doc->doc_type, day, f.iban, items, fye);
  if (choice.items.size() == 1) {
    if (absl::Status st = store_->ReceiveItem(choice.items[0], document_id); !st.ok()) return st;
  } else if (choice.ambiguous()) {
    // Two accounts (or periods) it could belong to: a person chooses.
    json ids = choice.items;
    return SendToReview(*doc,
                        {"filing_ambiguous", false, "error",
                         absl::StrCat("Plusieurs éléments attendus possibles (", ids.dump(),
                                      ") : à rattacher à la main."),
                         absl::StrCat("Several expected items match (", ids.dump(),
                                      "): file it by hand.")},
                        {{"items", ids}});
  }
  if (JustifiesADebit(doc->doc_type, f)) {
    absl::StatusOr<std::pair<std::vector<MatchDebit>, MatchOptions>> debits =
        OpenDebits(doc->client_id);
    if (!debits.ok()) return debits.status();
    MatchDocument md{document_id, day, Money{std::llabs(f.total_incl_tax->cents)}, f.currency,
                     f.supplier_name};
    for (const Match& m : MatchDebits(debits->first, {md}, debits->second)) {
      if (absl::Status st = store_->MatchBankTxn(m.debit_id, document_id); !st.ok()) return st;
    }
  }
  // A PDF statement: its movements, when they add up to the balances.
  if (doc->doc_type == DocType::kBankStatement && doc->text_source != TextSource::kBankFile) {
    absl::StatusOr<std::string> text = store_->GetDocumentText(document_id);
    if (!text.ok()) return text.status();
    absl::StatusOr<BankStatement> st = ParseStatementText(*text);
    if (st.ok()) {
      absl::StatusOr<ImportCounts> counts = ImportParsed(doc->client_id, doc->original_name, *st);
      if (!counts.ok()) return counts.status();
    } else if (absl::IsFailedPrecondition(st.status())) {
      std::string why(st.status().message());
      if (absl::Status sent = SendToReview(*doc,
                          {"statement_balanced", false, "error",
                           "Les opérations lues ne correspondent pas aux soldes : à vérifier, ou "
                           "importer l'export CSV/OFX de la banque. (" + why + ")",
                           "The movements read do not add up to the balances: check, or import "
                           "the bank's CSV/OFX export. (" + why + ")"},
                          json::object());
          !sent.ok()) {
        return sent;
      }
    }
  }
  // A document sent again closes what was asked again.
  for (const ItemRecord& i : *open) {
    if (i.kind != "redo" || i.document_id == document_id) continue;
    int64_t original = 0;
    if (!absl::StartsWith(i.account, "document:") ||
        !absl::SimpleAtoi(i.account.substr(9), &original)) {
      original = 0;  // no such document: nothing to compare the type with
    }
    absl::StatusOr<DocumentRecord> first = store_->GetDocument(original);
    if (first.ok() && first->doc_type != DocType::kUnknown && first->doc_type != doc->doc_type) continue;
    if (absl::Status st = store_->ReceiveItem(i.id, document_id); !st.ok()) return st;
    break;
  }
  return absl::OkStatus();
}

absl::Status Collector::AskAgain(int64_t document_id, const std::string& reason_fr,
                                 const std::string& reason_en) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<DocumentRecord> doc = store_->GetDocument(document_id);
  if (!doc.ok()) return doc.status();
  if (doc->client_id == kUnknownClientId) return absl::OkStatus();
  absl::StatusOr<ClientConfig> client = ClientById(doc->client_id);
  std::string lang = client.ok() ? client->language : "fr";
  Date today = LocalDate(clock_->Now(), cfg->tz);
  ItemRecord item;
  item.client_id = doc->client_id;
  item.period = FormatYearMonth(std::chrono::year_month{today.year(), today.month()});
  item.kind = "redo";
  item.label = doc->original_name.empty() ? absl::StrCat("document ", document_id) : doc->original_name;
  item.account = absl::StrCat("document:", document_id);
  item.due_date = today;
  item.reason = lang == "en" ? reason_en : reason_fr;
  absl::StatusOr<std::pair<int64_t, bool>> made = store_->EnsureItem(item);
  if (!made.ok()) return made.status();
  if (!made->second) return absl::OkStatus();
  // Staff see it in the digest; the client is asked again in the next reminder.
  return Escalate(doc->client_id, "document à refaire",
                  absl::StrCat("« ", item.label, " » (document ", document_id, ") : ", reason_fr,
                               ". Il sera redemandé au client dans la prochaine relance."),
                  false, absl::StrCat("redo#", document_id));
}

absl::StatusOr<ImportCounts> Collector::ImportBankStatement(const std::string& client_id,
                                                            const std::string& file_name,
                                                            const std::string& bytes,
                                                            const std::string& format) {
  absl::StatusOr<BankStatement> st = ParseBankStatement(bytes, format);
  if (!st.ok()) return st.status();
  return ImportParsed(client_id, file_name, *st);
}

absl::StatusOr<ImportCounts> Collector::ImportParsed(const std::string& client_id,
                                                     const std::string& file_name,
                                                     const BankStatement& statement) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<ClientConfig> client = ClientById(client_id);
  if (!client.ok()) return client.status();
  StatementImport how{client_id, client->language, file_name,
                      MatchOptionsFrom(cfg->options.matching), cfg->tz};
  absl::StatusOr<ImportCounts> counts = ImportStatement(store_, store_, how, statement);
  if (counts.ok() && counts->added > 0) {
    if (absl::Status st = ConfirmWaitingDocuments(client_id); !st.ok()) {
      spdlog::warn("event=confirm_waiting_failed client={} error=\"{}\"", client_id,
                   st.ToString());
    }
  }
  return counts;
}

absl::Status Collector::ConfirmWaitingDocuments(const std::string& client_id) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<std::pair<std::vector<MatchDebit>, MatchOptions>> open = OpenDebits(client_id);
  if (!open.ok()) return open.status();
  std::vector<MatchDebit>& debits = open->first;
  DocumentFilter filter;
  filter.client_id = client_id;
  filter.status = DocumentStatus::kNeedsReview;
  filter.limit = 500;
  while (!debits.empty()) {
    absl::StatusOr<std::vector<DocumentRecord>> page = store_->ListDocuments(filter);
    if (!page.ok()) return page.status();
    for (const DocumentRecord& doc : *page) {
      // Only what waits because its type was unsure; a failed check or an
      // unknown sender still needs a person.
      if (doc.status_reason != "unclassified" || !doc.fields) continue;
      const Fields& f = *doc.fields;
      if (!f.total_incl_tax || !f.issue_date) continue;
      MatchDocument md{doc.id, *f.issue_date, *f.total_incl_tax, f.currency, f.supplier_name};
      std::optional<int64_t> debit = ConfirmingDebit(md, debits, open->second);
      if (!debit) continue;
      ValidationInput in;
      in.doc_type = f.invoice_number.empty() ? DocType::kReceipt : DocType::kInvoice;
      in.fields = f;
      in.ocr_confidence = doc.ocr_confidence;
      in.min_ocr_confidence = 0;  // readability was judged when it was read
      in.today = LocalDate(clock_->Now(), cfg->tz);
      std::vector<Check> checks = Validate(in);
      for (const Check& c : doc.checks) {
        bool rechecked = std::any_of(checks.begin(), checks.end(),
                                     [&](const Check& n) { return n.code == c.code; });
        if (c.code != "unclassified" && !rechecked) checks.push_back(c);
      }
      if (HasBlockingFailure(checks)) continue;
      DocumentUpdate u;
      u.status = DocumentStatus::kDone;
      u.status_reason = "";
      u.doc_type = in.doc_type;
      u.checks = checks;
      json event = {{"from", "needs_review"}, {"to", "done"}, {"reason", "bank_debit_confirms"},
                    {"bank_txn_id", *debit}};
      absl::Status st =
          store_->UpdateDocument(doc.id, DocumentStatus::kNeedsReview, u, "status", event.dump());
      if (absl::IsFailedPrecondition(st)) continue;  // a person got there first
      if (!st.ok()) return st;
      if (absl::Status filed = FileDocument(doc.id); !filed.ok()) return filed;
      debits.erase(std::remove_if(debits.begin(), debits.end(),
                                  [&](const MatchDebit& d) { return d.id == *debit; }),
                   debits.end());
      if (debits.empty()) break;
    }
    if (page->size() < static_cast<size_t>(filter.limit)) break;
    filter.after_id = page->back().id;
  }
  return absl::OkStatus();
}

absl::StatusOr<Fields> Collector::ImportBankFile(const DocumentRecord& doc,
                                                const std::string& bytes) {
  absl::StatusOr<std::string> format = StatementFileFormat(doc.original_name, bytes);
  if (!format.ok()) return format.status();
  if (!ClientById(doc.client_id).ok()) return absl::NotFoundError("client not in the config");
  absl::StatusOr<BankStatement> st = ParseBankStatement(bytes, *format);
  if (!st.ok()) return st.status();
  absl::StatusOr<ImportCounts> counts = ImportParsed(doc.client_id, doc.original_name, *st);
  if (!counts.ok()) return counts.status();
  return StatementFields(*st);
}

absl::Status Collector::Deliver() {
  const std::shared_ptr<const Settings> cfg = Current();
  const SmtpSection& smtp = cfg->options.smtp;
  if (cfg->options.mailer == nullptr && (!smtp.configured || smtp.url.empty())) {
    return absl::OkStatus();
  }
  SmtpMailer real({smtp.url, smtp.username, cfg->options.smtp_password, ""},
                  cfg->options.oauth_tokens, smtp.oauth);
  Mailer* mailer = cfg->options.mailer != nullptr ? cfg->options.mailer : &real;
  return delivery_.Deliver(mailer, smtp.from, smtp.max_per_minute, this);
}

absl::Status Collector::FollowEvents() {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<std::vector<EventRecord>> events = store_->ListEvents(events_seen_, "", 500);
  if (!events.ok()) return events.status();
  for (const EventRecord& e : *events) {
    events_seen_ = e.seq;
    // Something happened to the client: its reminders are decided again.
    if (!e.client_id.empty()) quiet_until_.erase(e.client_id);
    json p = json::parse(e.payload_json, nullptr, false);
    if (e.kind == "client_message" && !e.client_id.empty() && e.client_id != kUnknownClientId) {
      // A reply in words: a person answers it, and the reminders wait.
      ReplyFollowUp reply = AfterClientReply(e.ts, p.is_object() ? p.value("subject", "") : "",
                                             p.is_object() ? p.value("text", "") : "",
                                             cfg->options.reminders.cadence.every_days);
      if (absl::Status st = store_->SetPausedUntil(e.client_id, reply.paused_until); !st.ok()) {
        return st;
      }
      if (absl::Status st = Escalate(e.client_id, reply.title, reply.text, true,
                                     absl::StrCat("message#", e.seq));
          !st.ok()) {
        return st;
      }
    } else if (e.kind == "delivery_report" && p.is_object() && p.contains("failed_recipients")) {
      std::vector<std::string> failed;
      for (const auto& addr : p["failed_recipients"]) {
        if (addr.is_string()) failed.push_back(addr.get<std::string>());
      }
      std::shared_ptr<const ClientList> clients = Clients();
      for (const ClientConfig& c : clients->all) {
        for (const BounceFollowUp& bounce : AfterBounce(failed, c.emails)) {
          if (absl::Status st = store_->MarkBadAddress(c.id, bounce.address); !st.ok()) return st;
          if (absl::Status st = Escalate(c.id, bounce.title, bounce.text, true,
                                         absl::StrCat("bounce#", e.seq));
              !st.ok()) {
            return st;
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PeriodEntries> Collector::Entries(const std::string& client_id,
                                                 const std::string& period) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<ClientConfig> client = ClientById(client_id);
  if (!client.ok()) return client.status();
  absl::StatusOr<Period> p = ParsePeriodKey(period, FiscalYearEnd(*client));
  if (!p.ok()) return p.status();
  absl::StatusOr<std::map<std::string, std::string>> learned =
      store_->LearnedSupplierAccounts(client_id);
  if (!learned.ok()) return learned.status();
  absl::StatusOr<std::vector<KnownParty>> known = store_->KnownThirdParties(client_id);
  if (!known.ok()) return known.status();
  return ProposePeriodEntries(store_, store_, client_id, *p, cfg->tz, client->accounting, *learned,
                              *known);
}

absl::StatusOr<Collector::FecImport> Collector::ImportFec(const std::string& client_id,
                                                          const std::string& content) {
  if (absl::StatusOr<ClientConfig> client = ClientById(client_id); !client.ok()) {
    return client.status();
  }
  absl::StatusOr<std::vector<FecLine>> lines = ParseFecFile(content);
  if (!lines.ok()) return lines.status();
  std::vector<KnownParty> parties = LearnThirdParties(*lines);
  if (absl::Status st = store_->RememberThirdParties(client_id, parties); !st.ok()) return st;
  FecImport out;
  out.lines = static_cast<int>(lines->size());
  out.third_parties = static_cast<int>(parties.size());
  for (const KnownParty& p : parties) out.with_account += !p.account.empty();
  return out;
}

absl::StatusOr<Collector::ExportResult> Collector::Export(const std::string& client_id,
                                                         const std::string& period,
                                                         const std::string& dir,
                                                         const std::string& format) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<ClientConfig> client = ClientById(client_id);
  std::chrono::month_day fye = client.ok() ? FiscalYearEnd(*client)
                                           : std::chrono::month_day{std::chrono::December,
                                                                    std::chrono::day{31}};
  absl::StatusOr<Period> p = ParsePeriodKey(period, fye);
  if (!p.ok()) return p.status();
  ExportResult result;
  if (format.empty() || format == "csv") {
    absl::StatusOr<int> n = ExportPeriod(store_, store_, *archive_, client_id, *p, cfg->tz, dir);
    if (!n.ok()) return n.status();
    result.documents = *n;
    result.path = (std::filesystem::path(dir) / "index.csv").string();
    return result;
  }
  if (format != "fec" && format != "quadra") {
    return absl::InvalidArgumentError(absl::StrCat("unknown export format \"", format,
                                                   "\": csv, fec or quadra"));
  }
  if (!client.ok()) return client.status();
  // The SIREN names the file: the client's, or the one inside its French VAT number.
  std::string siren = DigitsOf(client->siren);
  if (siren.size() != 9) siren = SirenOfFrenchVat(NormalizeIdentifier(client->vat));
  if (siren.empty() && format == "fec") {
    return absl::FailedPreconditionError(absl::StrCat(
        "client ", client_id, " has no SIREN: set siren (or a French vat) in its [[client]]"));
  }
  absl::StatusOr<PeriodEntries> proposed = Entries(client_id, period);
  if (!proposed.ok()) return proposed.status();
  // Dated the end of the fiscal year the period belongs to.
  absl::StatusOr<EntriesExport> fec =
      ExportEntries(*proposed, format, siren, PeriodContaining("year", p->first, fye).last,
                    *archive_, dir);
  if (!fec.ok()) return fec.status();
  // What changed since this period's last export, by document and by bank
  // movement.
  absl::StatusOr<ExportedEntrySet> before = store_->ExportedEntries(client_id, period);
  if (!before.ok()) return before.status();
  std::string changes = "document_id;change;bank_txn_id\r\n";
  auto compare = [&](const std::map<int64_t, std::string>& was,
                     const std::map<int64_t, std::string>& now, bool bank) {
    auto row = [&](int64_t id, const char* change) {
      if (bank) {
        absl::StrAppend(&changes, ";", change, ";", id, "\r\n");
      } else {
        absl::StrAppend(&changes, id, ";", change, ";\r\n");
      }
    };
    for (const auto& [id, lines] : now) {
      auto it = was.find(id);
      if (it == was.end()) {
        ++result.added;
        row(id, "added");
      } else if (it->second != lines) {
        ++result.changed;
        row(id, "changed");
      }
    }
    for (const auto& [id, lines] : was) {
      if (now.count(id) == 0) {
        ++result.removed;
        row(id, "removed");
      }
    }
  };
  compare(before->by_document, fec->exported.by_document, false);
  compare(before->by_bank_txn, fec->exported.by_bank_txn, true);
  {
    std::ofstream out(std::filesystem::path(dir) / "changes.csv", std::ios::binary | std::ios::trunc);
    out << changes;
    if (!out.flush()) return absl::InternalError("cannot write changes.csv");
  }
  if (absl::Status st = store_->RecordExportedEntries(client_id, period, fec->exported); !st.ok()) {
    return st;
  }
  result.entries = fec->entries;
  result.documents = fec->entries;
  result.to_review = fec->to_review;
  result.path = fec->path;
  return result;
}

}  // namespace liasse
