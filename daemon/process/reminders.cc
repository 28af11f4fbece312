// Collector, continued: reminders and escalations rendered, scheduled in the
// outbox once per slot, and the daily digest.
#include "daemon/process/collector.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/mail/reminder_mail.h"
#include "workflows/outbox_policy.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"
#include "workflows/money.h"
#include "workflows/names.h"

namespace liasse {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string PeriodLabel(const std::string& key, const std::string& lang) {
  static const char* kFr[] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                              "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
  static const char* kEn[] = {"January", "February", "March",     "April",   "May",      "June",
                              "July",    "August",   "September", "October", "November", "December"};
  absl::StatusOr<std::chrono::year_month> ym = ParseYearMonth(key);
  if (!ym.ok()) return key;
  unsigned m = static_cast<unsigned>(ym->month());
  return absl::StrCat(lang == "en" ? kEn[m - 1] : kFr[m - 1], " ", static_cast<int>(ym->year()));
}

// The client's addresses that have not bounced.
std::vector<std::string> UsableAddresses(const ClientConfig& c, const std::vector<std::string>& bad) {
  std::vector<std::string> out;
  for (const std::string& e : c.emails) {
    if (std::find(bad.begin(), bad.end(), e) == bad.end()) out.push_back(e);
  }
  return out;
}

}  // namespace

absl::StatusOr<ClientReminderState> Collector::ReminderState(const ClientConfig& c,
                                                             const std::vector<ItemView>& open,
                                                             const ContactState& contact,
                                                             absl::Time as_of) {
  const std::shared_ptr<const Settings> cfg = Current();
  ClientReminderState s;
  s.paused = c.paused;
  s.paused_until = contact.first;
  s.has_address = !UsableAddresses(c, contact.second).empty();
  Date oldest{};
  for (const ItemView& v : open) {
    const Date& due = v.item.due_date;
    s.open_due_dates.push_back(due);
    if (oldest == Date{} || due < oldest) oldest = due;
  }
  if (s.open_due_dates.empty()) return s;
  absl::Time since = LocalTime(oldest, 0, cfg->tz);
  absl::StatusOr<std::vector<OutboxRecord>> rows = store_->ListOutbox(c.id, "reminder", std::nullopt, 1000);
  if (!rows.ok()) return rows.status();
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {  // oldest first
    if (it->state == OutboxState::kFailed) continue;
    absl::Time at = it->sent_at.value_or(it->created_at);
    if (at >= since && at <= as_of) s.reminders_sent.push_back(at);
  }
  absl::StatusOr<std::vector<OutboxRecord>> escalations =
      store_->ListOutbox(c.id, "escalation", std::nullopt, 1000);
  if (!escalations.ok()) return escalations.status();
  std::string slot = absl::StrCat(FormatIsoDate(oldest), "#escalation");
  for (const OutboxRecord& r : *escalations) {
    if (r.slot == slot) s.escalated = true;
  }
  return s;
}

namespace {

// How reminders sign: the display name of [smtp] from, else its address.
std::string FirmName(const std::string& from) {
  std::optional<NamedAddress> sender = ParseNamedAddress(from);
  if (!sender) return "Liasse";
  return sender->name.empty() ? sender->address : sender->name;
}

}  // namespace

std::string Collector::MessageId(const std::string& client_id, const std::string& kind,
                                 const std::string& slot) const {
  const std::shared_ptr<const Settings> cfg = Current();
  std::string from = BareAddress(cfg->options.smtp.from);
  size_t at = from.rfind('@');
  std::string domain = at == std::string::npos ? "liasse.invalid" : from.substr(at + 1);
  return absl::StrCat("liasse.", kind, ".", client_id, ".", AsciiSlug(slot), "@", domain);
}

absl::StatusOr<RenderedReminder> Collector::RenderReminder(const ClientConfig& c,
                                                           const std::vector<std::string>& to,
                                                           const std::vector<ItemView>& open,
                                                           const ReminderDecision& d,
                                                           absl::Time as_of) {
  const std::shared_ptr<const Settings> cfg = Current();
  const std::string& lang = c.language;
  json monthly = json::array(), receipts = json::array(), redo = json::array();
  for (const ItemView& v : open) {
    const ItemRecord& i = v.item;
    if (i.kind == "receipt" && i.bank_txn_id != 0) {
      std::string label = i.label;
      // The bank's label alone: the template prints amount and date.
      absl::StatusOr<BankTxnRecord> t = store_->GetBankTxn(i.bank_txn_id);
      if (t.ok()) label = t->label;
      receipts.push_back({{"label", label},
                          {"amount", FormatAmount(i.amount.cents, lang)},
                          {"date", i.txn_date ? FormatDay(*i.txn_date, lang) : ""}});
    } else if (i.kind == "redo") {
      redo.push_back({{"label", i.label}, {"reason", i.reason}});
    } else {
      monthly.push_back({{"label", i.label},
                         {"period_label", PeriodLabel(i.period, lang)},
                         {"due", FormatDay(i.due_date, lang)}});
    }
  }
  Date deadline =
      AddDays(LocalDate(as_of, cfg->tz), cfg->options.reminders.cadence.every_days);
  json data = {{"client_name", c.name.empty() ? c.id : c.name},
               {"attempt", absl::StrCat(d.attempt)},
               {"urgent", d.attempt > 1},
               {"monthly", monthly},
               {"has_monthly", !monthly.empty()},
               {"receipts", receipts},
               {"has_receipts", !receipts.empty()},
               {"redo", redo},
               {"has_redo", !redo.empty()},
               {"deadline", FormatDay(deadline, lang)},
               {"folder", c.folder.empty() ? json(false) : json(fs::path(c.folder).filename().string())},
               {"firm_name", FirmName(cfg->options.smtp.from)}};
  absl::StatusOr<RenderedText> text =
      RenderTemplates(cfg->options.reminders.templates_dir, "reminder", lang, data);
  if (!text.ok()) return text.status();
  RenderedReminder r;
  r.client_id = c.id;
  r.kind = "reminder";
  r.to = to;
  r.subject = text->subject;
  r.text = text->text;
  r.html = text->html;
  r.message_id = MessageId(c.id, "reminder", d.slot);
  return r;
}

absl::StatusOr<RenderedReminder> Collector::RenderEscalation(const ClientConfig& c,
                                                             const std::string& title,
                                                             const std::string& text,
                                                             const std::vector<ItemView>& items,
                                                             bool urgent, const std::string& slot) {
  const std::shared_ptr<const Settings> cfg = Current();
  json list = json::array();
  for (const ItemView& v : items) {
    list.push_back({{"label", v.item.label},
                    {"amount", v.item.amount.cents != 0 ? json(FormatAmount(v.item.amount.cents, "fr"))
                                                        : json(false)},
                    {"date", v.item.txn_date ? json(FormatDay(*v.item.txn_date, "fr"))
                                             : json(false)}});
  }
  json data = {{"client_name", c.name.empty() ? c.id : c.name},
               {"client", c.id},
               {"title", title},
               {"text", text},
               {"urgent", urgent},
               {"items", list},
               {"has_items", !list.empty()}};
  absl::StatusOr<RenderedText> rendered =
      RenderTemplates(cfg->options.reminders.templates_dir, "escalation", "fr", data);
  if (!rendered.ok()) return rendered.status();
  RenderedReminder r;
  r.client_id = c.id;
  r.kind = "escalation";
  std::string to = !c.manager.empty() ? c.manager : cfg->options.reminders.escalate_to;
  if (!to.empty()) r.to.push_back(to);
  r.subject = rendered->subject;
  r.text = rendered->text;
  r.message_id = MessageId(c.id, "escalation", slot);
  return r;
}

absl::Status Collector::Schedule(const RenderedReminder& mail, const std::string& slot,
                                 const std::vector<ItemView>& items, bool* created) {
  const std::shared_ptr<const Settings> cfg = Current();
  *created = false;
  OutboxRecord row;
  row.client_id = mail.client_id;
  row.kind = mail.kind;
  row.slot = slot;
  json ids = json::array();
  for (const ItemView& v : items) ids.push_back(v.item.id);
  row.items_json = ids.dump();
  row.recipients_json = json(mail.to).dump();
  row.message_id = mail.message_id;
  OutgoingMail m;
  m.from = cfg->options.smtp.from.empty() ? "liasse@localhost" : cfg->options.smtp.from;
  m.to = mail.to;
  if (mail.kind == "reminder" && !cfg->options.smtp.reply_to.empty()) {
    m.reply_to = PlusAddress(cfg->options.smtp.reply_to, mail.client_id);
  }
  m.subject = mail.subject;
  m.text = mail.text;
  m.html = mail.html;
  m.message_id = mail.message_id;
  m.date = clock_->Now();
  m.urgent = mail.kind == "escalation" && absl::StrContains(mail.subject, "URGENT");
  row.message = BuildMessage(m);
  row.state = mail.to.empty() ? OutboxState::kFailed : OutboxState::kScheduled;
  absl::StatusOr<int64_t> id = store_->InsertOutbox(row);
  if (absl::IsAlreadyExists(id.status())) return absl::OkStatus();  // this slot is written already
  if (!id.ok()) return id.status();
  *created = true;
  // The loop's next pass sends it (a pass computed its sleep before).
  if (row.state == OutboxState::kScheduled) Wake();
  return absl::OkStatus();
}

absl::Status Collector::Escalate(const std::string& client_id, const std::string& title,
                                 const std::string& text, bool urgent, const std::string& slot) {
  ClientConfig c;
  absl::StatusOr<ClientConfig> found = ClientById(client_id);
  if (found.ok()) {
    c = *found;
  } else {
    c.id = client_id.empty() ? "firm" : client_id;
    c.name = c.id;
  }
  EventRecord e;
  e.kind = "escalation";
  e.client_id = client_id;
  e.payload_json = json({{"reason", title}, {"message", text}, {"urgent", urgent}, {"slot", slot}}).dump();
  if (absl::StatusOr<int64_t> seq = store_->AppendEvent(e); !seq.ok()) return seq.status();
  // Non-urgent escalations wait for the digest; urgent ones go out at once.
  if (!urgent) return absl::OkStatus();
  absl::StatusOr<RenderedReminder> mail = RenderEscalation(c, title, text, {}, true, slot);
  if (!mail.ok()) return mail.status();
  bool created = false;
  return Schedule(*mail, slot, {}, &created);
}

absl::StatusOr<ReminderRun> Collector::RunReminders(absl::Time as_of, bool dry_run,
                                                    const std::string& client_id,
                                                    bool from_tick) {
  const std::shared_ptr<const Settings> cfg = Current();
  ReminderRun run;
  if (from_tick && quiet_reset_.exchange(false)) quiet_until_.clear();
  // Once decided "nothing", a client is looked at again after its next
  // event, its next reminder time, or midnight (items fall due by day).
  auto quiet = [&](const std::string& id, absl::Time until) {
    if (!from_tick) return;
    Date tomorrow = AddDays(LocalDate(as_of, cfg->tz), 1);
    quiet_until_[id] = std::min(until, LocalTime(tomorrow, 0, cfg->tz));
  };
  // Every client, on the day whose items are all stored: what is missing
  // comes from one index range over open items, not one query per client.
  Date today = LocalDate(as_of, cfg->tz);
  std::optional<std::map<std::string, std::vector<ItemView>>> missing_by_client;
  if (client_id.empty() && !clients_changed_ && planned_day_ >= DayNumber(today)) {
    absl::StatusOr<std::vector<ItemRecord>> due =
        store_->ListOpenItemsDue("", today, ItemCursor{}, std::numeric_limits<int>::max());
    if (!due.ok()) return due.status();
    missing_by_client.emplace();
    for (ItemRecord& i : *due) {
      std::string id = i.client_id;
      (*missing_by_client)[id].push_back(View(std::move(i), today, cfg->options.reminders.grace_days));
    }
  }
  std::shared_ptr<const ClientList> clients = Clients();
  for (const ClientConfig* client : clients->Select(client_id)) {
    const ClientConfig& c = *client;
    if (from_tick) {
      auto q = quiet_until_.find(c.id);
      if (q != quiet_until_.end() && as_of < q->second) continue;
    }
    std::vector<ItemView> open;
    if (missing_by_client) {
      auto it = missing_by_client->find(c.id);
      if (it != missing_by_client->end()) open = std::move(it->second);
    } else {
      absl::StatusOr<std::vector<ItemView>> items = Items(c.id, "", as_of, true);
      if (!items.ok()) return items.status();
      for (const ItemView& v : *items) {
        if (v.status == "missing" || v.status == "overdue") open.push_back(v);
      }
    }
    if (open.empty() && cfg->options.reminders.thank_you && !c.paused) {
      // Everything the last reminder asked for is in: thank the client, once.
      if (absl::Status st = MaybeThank(c, as_of, dry_run, &run); !st.ok()) return st;
    }
    // Nothing missing: nothing to decide (DecideReminder would say so).
    if (open.empty()) {
      quiet(c.id, absl::InfiniteFuture());
      continue;
    }
    absl::StatusOr<ContactState> contact = store_->GetContactState(c.id);
    if (!contact.ok()) return contact.status();
    absl::StatusOr<ClientReminderState> state = ReminderState(c, open, *contact, as_of);
    if (!state.ok()) return state.status();
    ReminderDecision d = DecideReminder(*state, cfg->options.reminders.cadence, as_of, cfg->tz);
    if (d.action == ReminderDecision::Action::kNothing) {
      quiet(c.id, d.next_at);
      continue;
    }
    absl::StatusOr<RenderedReminder> mail;
    std::string slot = d.slot;
    if (d.action == ReminderDecision::Action::kSend) {
      mail = RenderReminder(c, UsableAddresses(c, contact->second), open, d, as_of);
    } else if (d.action == ReminderDecision::Action::kEscalate) {
      mail = RenderEscalation(
          c, "relances sans réponse",
          absl::StrCat("Le client n'a pas répondu après ",
                       cfg->options.reminders.cadence.max_reminders,
                       " relance(s). Un appel s'impose."),
          open, false, slot);
    } else {
      slot = absl::StrCat(slot.substr(0, 10), "#no-address");
      mail = RenderEscalation(c, "aucune adresse e-mail",
                              "Des documents manquent mais le client n'a aucune adresse e-mail "
                              "utilisable : il ne peut pas être relancé.",
                              open, false, slot);
    }
    if (!mail.ok()) return mail.status();
    run.emails.push_back(*mail);
    if (mail->kind == "escalation") ++run.escalations;
    if (dry_run) continue;
    bool created = false;
    if (absl::Status st = Schedule(*mail, slot, open, &created); !st.ok()) return st;
    if (created && mail->kind == "reminder") ++run.scheduled;
    if (created && mail->kind == "escalation") {
      EventRecord e;
      e.kind = "escalation";
      e.client_id = c.id;
      e.payload_json = json({{"reason", mail->subject}, {"slot", slot}, {"urgent", false}}).dump();
      if (auto seq = store_->AppendEvent(e); !seq.ok()) return seq.status();
    }
  }
  if (from_tick) {
    // The loop's next look: the first client whose quiet time ends (one
    // that acted now has none, and is looked at after a tick).
    absl::Time next = absl::InfiniteFuture();
    for (const ClientConfig* c : clients->Select(client_id)) {
      auto q = quiet_until_.find(c->id);
      next = std::min(next, q == quiet_until_.end() ? as_of : q->second);
    }
    reminders_next_ = next;
  }
  return run;
}

absl::Status Collector::MaybeThank(const ClientConfig& c, absl::Time as_of, bool dry_run,
                                   ReminderRun* run) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<std::vector<OutboxRecord>> last = store_->ListOutbox(c.id, "reminder", OutboxState::kSent, 1);
  if (!last.ok()) return last.status();
  if (last->empty() || as_of - *last->front().sent_at > absl::Hours(24) * 60) return absl::OkStatus();
  std::string slot = last->front().slot + "#thanks";
  absl::StatusOr<std::vector<OutboxRecord>> thanked = store_->ListOutbox(c.id, "thanks", std::nullopt, 1000);
  if (!thanked.ok()) return thanked.status();
  for (const OutboxRecord& r : *thanked) {
    if (r.slot == slot) return absl::OkStatus();
  }
  json data = {{"client_name", c.name.empty() ? c.id : c.name},
               {"firm_name", FirmName(cfg->options.smtp.from)}};
  absl::StatusOr<RenderedText> text =
      RenderTemplates(cfg->options.reminders.templates_dir, "thanks", c.language, data);
  if (!text.ok()) return text.status();
  RenderedReminder mail;
  mail.client_id = c.id;
  mail.kind = "thanks";
  mail.to = c.emails;
  mail.subject = text->subject;
  mail.text = text->text;
  mail.html = text->html;
  mail.message_id = MessageId(c.id, "thanks", slot);
  run->emails.push_back(mail);
  if (dry_run) return absl::OkStatus();
  bool created = false;
  return Schedule(mail, slot, {}, &created);
}

absl::Status Collector::MaybeSendDigest(absl::Time now, bool force) {
  const std::shared_ptr<const Settings> cfg = Current();
  if (cfg->options.reminders.escalate_to.empty()) return absl::OkStatus();
  absl::CivilMinute local = absl::ToCivilMinute(now, cfg->tz);
  absl::StatusOr<int> at = ParseClockTime(cfg->options.reminders.digest_time);
  if (!force && (!at.ok() || local.hour() * 60 + local.minute() < *at)) return absl::OkStatus();
  Date today = LocalDate(now, cfg->tz);
  std::string slot = FormatIsoDate(today);
  absl::StatusOr<std::vector<OutboxRecord>> done = store_->ListOutbox("firm", "digest", std::nullopt, 5);
  if (!done.ok()) return done.status();
  for (const OutboxRecord& r : *done) {
    if (r.slot == slot) return absl::OkStatus();
  }
  // Blockers: escalations of the last day, plus every client still without address.
  json blockers = json::array();
  absl::StatusOr<std::vector<EventRecord>> events =
      store_->ListEventsOfKindSince("escalation", now - absl::Hours(24), 1000);
  if (!events.ok()) return events.status();
  for (const EventRecord& e : *events) {
    json p = json::parse(e.payload_json, nullptr, false);
    std::string text = p.is_object() ? p.value("reason", "") : "";
    if (p.is_object() && p.contains("message") && p["message"].is_string()) {
      text += " – " + p["message"].get<std::string>().substr(0, 300);
    }
    blockers.push_back({{"client", e.client_id.empty() ? "firm" : e.client_id}, {"text", text}});
  }
  // Standing problems, every day until they are solved.
  auto counts = store_->CountDocumentsByStatus(kUnknownClientId);
  if (counts.ok() && (*counts)[DocumentStatus::kNeedsReview] > 0) {
    blockers.push_back({{"client", "firm"},
                        {"text", absl::StrCat((*counts)[DocumentStatus::kNeedsReview],
                                              " document(s) d'expéditeurs inconnus à rattacher "
                                              "à un client")}});
  }
  for (OutboxState state : {OutboxState::kUnknown, OutboxState::kFailed}) {
    auto rows = store_->ListOutbox("", "", state, 1000);
    if (!rows.ok()) continue;
    for (const OutboxRecord& r : *rows) {
      if (r.kind == "digest") continue;
      blockers.push_back({{"client", r.client_id},
                          {"text", absl::StrCat("message « ", r.slot, " » ",
                                                state == OutboxState::kUnknown
                                                    ? "peut-être non envoyé (arrêt pendant l'envoi)"
                                                    : "non remis : " + r.last_error)}});
    }
  }
  if (cfg->options.health_notes) {
    for (const std::string& note : cfg->options.health_notes()) {
      blockers.push_back({{"client", "firm"}, {"text", note}});
    }
  }
  int missing = 0, overdue = 0;
  absl::StatusOr<std::vector<ItemView>> items = Items("", "", now, true);
  if (!items.ok()) return items.status();
  for (const ItemView& v : *items) {
    if (v.status == "missing") ++missing;
    if (v.status == "overdue") ++overdue, ++missing;
  }
  int sent = 0;
  absl::StatusOr<std::vector<OutboxRecord>> reminders = store_->ListOutbox("", "reminder", OutboxState::kSent, 10000);
  if (reminders.ok()) {
    for (const OutboxRecord& r : *reminders) {
      if (r.sent_at && *r.sent_at >= now - absl::Hours(24)) ++sent;
    }
  }
  json data = {{"date", FormatDay(slot, "fr")},
               {"blockers", blockers},
               {"has_blockers", !blockers.empty()},
               {"blocker_count", absl::StrCat(blockers.size())},
               {"missing_count", absl::StrCat(missing)},
               {"overdue_count", absl::StrCat(overdue)},
               {"reminders_sent", absl::StrCat(sent)}};
  absl::StatusOr<RenderedText> text =
      RenderTemplates(cfg->options.reminders.templates_dir, "digest", "fr", data);
  if (!text.ok()) return text.status();
  RenderedReminder mail;
  mail.client_id = "firm";
  mail.kind = "digest";
  mail.to = {cfg->options.reminders.escalate_to};
  mail.subject = text->subject;
  mail.text = text->text;
  mail.message_id = MessageId("firm", "digest", slot);
  bool created = false;
  return Schedule(mail, slot, {}, &created);
}

absl::StatusOr<absl::Time> Collector::NextReminderAt(const std::string& client_id,
                                                     absl::Time as_of) {
  const std::shared_ptr<const Settings> cfg = Current();
  absl::StatusOr<ClientConfig> c = ClientById(client_id);
  if (!c.ok()) return absl::InfiniteFuture();
  absl::StatusOr<std::vector<ItemView>> items = Items(client_id, "", as_of, true);
  if (!items.ok()) return items.status();
  std::vector<ItemView> open;
  for (const ItemView& v : *items) {
    // Items not due yet count too: they set the first reminder's date.
    if (v.status == "missing" || v.status == "overdue" || v.status == "expected") open.push_back(v);
  }
  absl::StatusOr<ContactState> contact = store_->GetContactState(client_id);
  if (!contact.ok()) return contact.status();
  absl::StatusOr<ClientReminderState> state = ReminderState(*c, open, *contact, as_of);
  if (!state.ok()) return state.status();
  ReminderDecision d = DecideReminder(*state, cfg->options.reminders.cadence, as_of, cfg->tz);
  return d.attempt > 0 ? d.next_at : absl::InfiniteFuture();
}

}  // namespace liasse
