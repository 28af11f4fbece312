// The whole collection loop against real servers started here: an SMTP
// server (aiosmtpd, into a Maildir we read back), the dovecot of the intake
// tests as the collection mailbox, the real reader and pipeline, SQLite.
// Time is a FakeClock, advanced a week at a time.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "daemon/process/archive.h"
#include "daemon/process/collector.h"
#include "daemon/process/extractor.h"
#include "daemon/process/intake.h"
#include "daemon/mail/mail_message.h"
#include "daemon/process/mail_poller.h"
#include "daemon/process/oauth_tokens.h"
#include "daemon/process/pipeline.h"
#include "daemon/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/mail_builder.h"
#include "tests/testing/oauth_server.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;
using testing::Message;
using testing::TempDir;

absl::Time Paris(int y, int m, int d, int h, int min) {
  absl::TimeZone tz;
  absl::LoadTimeZone("Europe/Paris", &tz);
  return absl::FromCivil(absl::CivilMinute(y, m, d, h, min), tz);
}

const char kStatementCsv[] =
    "Date;Libellé;Débit;Crédit\n"
    "12/10/2026;CB CARREFOUR MARKET 11/10;45,20;\n"
    "15/10/2026;CB SHELL STATION A6;60,00;\n"
    "18/10/2026;PRLV URSSAF COTISATIONS;312,00;\n"
    "20/10/2026;VIR CLIENT DUPONT;;1 500,00\n";

// The daemon's answers to the pipeline, reduced to the collector.
class CollectorHost : public PipelineHost {
 public:
  explicit CollectorHost(Collector* collector) : collector_(collector) {}
  std::string ClientOfBuyer(const Fields&) override { return ""; }
  UnderstandOptions ClientOptions(const std::string& client_id) override {
    UnderstandOptions o;
    auto debits = collector_->OpenDebits(client_id);
    EXPECT_OK(debits);
    if (debits.ok()) {
      o.open_debits = debits->first;
      o.matching = debits->second;
    }
    return o;
  }
  absl::StatusOr<Fields> ImportBankFile(const DocumentRecord& doc,
                                        const std::string& bytes) override {
    return collector_->ImportBankFile(doc, bytes);
  }
  void Concluded(int64_t id, const Conclusion& conclusion) override {
    if (conclusion.follow_up == FollowUp::kFile) EXPECT_OK(collector_->FileDocument(id));
  }

 private:
  Collector* collector_;
};

class CollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(Paris(2026, 11, 9, 10, 0));  // Monday; October's statement was due on the 5th
    fs::create_directories(dir_.Join("archive"));
    fs::create_directories(mail_dir_.Join("d"));
    for (const char* sub : {"box/tmp", "box/new", "box/cur"}) {
      fs::create_directories(smtp_dir_.Join(sub));
    }
    auto store = Store::Open(dir_.Join("liasse.db"), &clock_);
    ASSERT_OK(store);
    store_ = std::move(*store);
    client_.id = "boulangerie";
    client_.name = "Boulangerie Martin";
    client_.language = "fr";
    client_.emails = {"client@boulangerie.fr"};
    client_.expects = {{"bank_statement", "month", 5, "Relevé BNP", "FR7630006000011234567890189"}};
    client_.accounting.bank_labels = {{"URSSAF", "431"}};
    ClientRecord record;
    record.id = client_.id;
    record.name = client_.name;
    record.emails = client_.emails;
    ASSERT_OK(store_->SyncClients({record}));
    archive_ = std::make_unique<Archive>(dir_.Join("archive"));
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(), 50 << 20, nullptr);

    smtp_ = std::make_unique<testing::SmtpSink>(smtp_dir_.Join("box"));
    ASSERT_TRUE(smtp_->WaitReady());
    Collector::Options o;
    o.reminders.enabled = true;
    o.reminders.start_period = "2026-10";
    o.reminders.cadence.first_after_days = 3;
    o.reminders.cadence.every_days = 7;
    o.reminders.cadence.max_reminders = 2;
    o.reminders.escalate_to = "staff@cabinet.fr";
    o.smtp.configured = true;
    o.smtp.url = smtp_->url();
    o.smtp.from = "Cabinet Durand <collecte@cabinet.fr>";
    o.smtp.reply_to = "collecte@cabinet.fr";
    options_ = o;
    collector_ = std::make_unique<Collector>(store_.get(), archive_.get(), &clock_, o,
                                             std::vector<ClientConfig>{client_});

    Extractor::Options eo;
    eo.workers = 1;
    eo.worker_binary = (fs::path(LIASSED_PATH).parent_path() / "liasse-worker").string();
    eo.quiet = true;
    auto extractor = Extractor::Start(eo);
    ASSERT_OK(extractor);
    extractor_ = std::move(*extractor);
    Pipeline::Options po;
    po.workers = 1;
    host_ = std::make_unique<CollectorHost>(collector_.get());
    pipeline_ = std::make_unique<Pipeline>(store_.get(), archive_.get(), extractor_.get(), &clock_,
                                           host_.get(), po);
  }

  // One pass over the collection mailbox (dovecot's user alice), as the
  // daemon's poller does; the client is known by its address only.
  absl::Status PollCollectionMailbox(const testing::Dovecot& dovecot) {
    std::ofstream(dir_.Join("imap.pass")) << "secret\n";
    Mailbox box;
    box.name = "collecte";
    box.url = dovecot.url();
    box.username = "alice";
    box.password_file = dir_.Join("imap.pass");
    std::vector<ClientIdentity> identities = {{"boulangerie", {"client@boulangerie.fr"}, {}}};
    MailPoller poller(box, [&] { return identities; }, store_.get(), intake_.get());
    return poller.PollOnce();
  }

  // October's statement, then the Carrefour ticket its card debit pays
  // (dated 11/10), dropped as a PDF and run through the pipeline; returns
  // the ticket's document id.
  absl::StatusOr<int64_t> StatementThenTicket() {
    if (absl::Status st = collector_->RefreshItems(clock_.Now()); !st.ok()) return st;
    auto imported = collector_->ImportBankStatement(client_.id, "octobre.csv", kStatementCsv, "");
    if (!imported.ok()) return imported.status();
    std::vector<std::string> ticket = testing::SupermarketTicketLines();
    for (std::string& line : ticket) {
      if (absl::StartsWith(line, "05/11/2026")) line = "11/10/2026 10:32  CAISSE 004  TICKET 0123";
    }
    auto dropped = intake_->IngestBytes(client_.id, "folder", "ticket-carrefour.pdf",
                                        testing::MakeTextPdf({ticket}));
    if (!dropped.ok()) return dropped.status();
    pipeline_->RunUntilIdle();
    return dropped->document_id;
  }

  // Items due and not received (not the ones of periods still running).
  std::vector<ItemView> Open() {
    auto items = collector_->Items(client_.id, "", clock_.Now(), true);
    EXPECT_TRUE(items.ok());
    std::vector<ItemView> due;
    for (const ItemView& v : *items) {
      if (v.status == "missing" || v.status == "overdue") due.push_back(v);
    }
    return due;
  }

  TempDir dir_, mail_dir_, smtp_dir_;
  FakeClock clock_;
  ClientConfig client_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<testing::SmtpSink> smtp_;
  Collector::Options options_;  // as the collector was built
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<Extractor> extractor_;
  std::unique_ptr<CollectorHost> host_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(CollectTest, ReminderRepliesClosingItemsNextReminderAndStaffDigest) {
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  auto imported = collector_->ImportBankStatement(client_.id, "octobre.csv", kStatementCsv, "");
  ASSERT_OK(imported);
  EXPECT_EQ(imported->added, 4);
  EXPECT_EQ(imported->items_created, 2);  // URSSAF ignored, the credit needs nothing
  // Re-importing the same statement adds nothing.
  auto again = collector_->ImportBankStatement(client_.id, "octobre.csv", kStatementCsv, "");
  ASSERT_OK(again);
  EXPECT_EQ(again->added, 0);
  EXPECT_EQ(again->skipped, 4);

  // The first reminder lists the three missing items, in French, with amounts.
  auto run = collector_->RunReminders(clock_.Now(), false, "");
  ASSERT_OK(run);
  EXPECT_EQ(run->scheduled, 1);
  ASSERT_OK(collector_->Deliver());
  std::vector<std::string> sent = smtp_->Messages();
  ASSERT_EQ(sent.size(), 1u);
  auto first = ParseMailMessage(sent[0]);
  ASSERT_OK(first);
  EXPECT_EQ(first->to, std::vector<std::string>({"client@boulangerie.fr"}));
  EXPECT_TRUE(absl::StrContains(first->subject, "Documents à nous transmettre")) << first->subject;
  for (const char* want : {"Relevé BNP", "octobre 2026", "CB CARREFOUR MARKET 11/10", "45,20",
                           "12/10/2026", "CB SHELL STATION A6", "60,00", "15/10/2026"}) {
    EXPECT_TRUE(absl::StrContains(first->body_text, want)) << want << "\n" << first->body_text;
  }
  EXPECT_FALSE(absl::StrContains(first->body_text, "URSSAF"));
  EXPECT_TRUE(absl::StrContains(sent[0], "Auto-Submitted: auto-generated"));
  EXPECT_TRUE(absl::StrContains(sent[0], "X-Auto-Response-Suppress: All"));
  EXPECT_TRUE(absl::StrContains(sent[0], "collecte+boulangerie@cabinet.fr"));
  // The same slot is never written twice.
  ASSERT_OK(collector_->RunReminders(clock_.Now(), false, "").status());
  ASSERT_OK(collector_->Deliver());
  EXPECT_EQ(smtp_->Messages().size(), 1u);

  // The client replies with two attachments: the statement and the Carrefour invoice.
  testing::Dovecot dovecot(mail_dir_.Join("d"));
  ASSERT_TRUE(dovecot.Start()) << dovecot.Log();
  std::string statement = testing::MakeTextPdf({{"BNP PARIBAS", "RELEVÉ DE COMPTE",
                                                 "IBAN FR76 3000 6000 0112 3456 7890 189",
                                                 "Date d'arrêté : 31/10/2026",
                                                 "Ancien solde au 01/10/2026 1 234,56",
                                                 "Nouveau solde au 31/10/2026 2 317,36"}});
  std::string invoice = testing::MakeTextPdf(
      {{"CARREFOUR MARKET", "FACTURE N° F-2026-1012", "Date : 12/10/2026",
        "Client : Boulangerie Martin", "Courses magasin 37,67", "Total HT 37,67 €",
        "TVA 20 % 7,53 €", "Total TTC 45,20 €"}});
  // From the owner's own address, to the bare collection address: only the
  // In-Reply-To header ties it to the client.
  dovecot.Deliver("reply.m", Message("p.martin@orange.fr", "collecte@cabinet.fr",
                                     "Re: " + first->subject, "Voici les documents.",
                                     {{"application/pdf", "releve-octobre.pdf", statement},
                                      {"application/pdf", "facture-carrefour.pdf", invoice}},
                                     "In-Reply-To: <" + first->message_id + ">\r\n"));
  ASSERT_OK(PollCollectionMailbox(dovecot));
  pipeline_->RunUntilIdle();
  auto docs = store_->ListDocuments({client_.id, std::nullopt, 0, 100});
  ASSERT_EQ(docs->size(), 2u);
  for (const DocumentRecord& d : *docs) {
    EXPECT_EQ(d.status, DocumentStatus::kDone) << d.original_name << " " << d.status_reason;
  }
  std::vector<ItemView> open = Open();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].item.amount, Money{6000});  // only Shell is still missing

  // A week later the next reminder names only what is still missing.
  clock_.Set(Paris(2026, 11, 16, 10, 30));
  run = collector_->RunReminders(clock_.Now(), false, "");
  ASSERT_OK(run);
  EXPECT_EQ(run->scheduled, 1);
  ASSERT_OK(collector_->Deliver());
  sent = smtp_->Messages();
  ASSERT_EQ(sent.size(), 2u);
  auto second = ParseMailMessage(sent[1]);
  ASSERT_OK(second);
  EXPECT_TRUE(absl::StrContains(second->body_text, "CB SHELL STATION A6")) << second->body_text;
  EXPECT_TRUE(absl::StrContains(second->body_text, "60,00"));
  EXPECT_FALSE(absl::StrContains(second->body_text, "CARREFOUR"));
  EXPECT_FALSE(absl::StrContains(second->body_text, "Relevé BNP"));
  EXPECT_NE(second->message_id, first->message_id);

  // max_reminders (2) reached and a week of silence: staff are told in the digest.
  clock_.Set(Paris(2026, 11, 23, 10, 30));
  run = collector_->RunReminders(clock_.Now(), false, "");
  ASSERT_OK(run);
  EXPECT_EQ(run->scheduled, 0);
  EXPECT_EQ(run->escalations, 1);
  ASSERT_OK(collector_->MaybeSendDigest(clock_.Now(), false));
  ASSERT_OK(collector_->Deliver());
  sent = smtp_->Messages();
  bool digest_names_client = false;
  for (const std::string& raw : sent) {
    auto m = ParseMailMessage(raw);
    ASSERT_OK(m);
    if (m->to == std::vector<std::string>{"staff@cabinet.fr"} &&
        absl::StrContains(m->subject, "point du")) {
      digest_names_client = absl::StrContains(m->body_text, "[boulangerie]");
      EXPECT_TRUE(absl::StrContains(m->body_text, "relances sans réponse")) << m->body_text;
    }
  }
  EXPECT_TRUE(digest_names_client);
  // The client itself got no third reminder.
  int to_client = 0;
  for (const std::string& raw : sent) {
    if (ParseMailMessage(raw)->to == std::vector<std::string>{"client@boulangerie.fr"}) ++to_client;
  }
  EXPECT_EQ(to_client, 2);
}

// What is missing, a page at a time: today through the index (keyset), a
// later day as a forecast (by position); both give exactly the items the
// whole listing does, once each.
TEST_F(CollectTest, MissingPagesGiveEachMissingItemOnce) {
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  for (absl::Time as_of : {clock_.Now(), clock_.Now() + absl::Hours(24) * 75}) {
    auto all = collector_->Items(client_.id, "", as_of, true);
    ASSERT_OK(all);
    std::multiset<std::string> want;
    for (const ItemView& v : *all) {
      if (v.status == "missing" || v.status == "overdue") {
        want.insert(absl::StrCat(v.item.period, " ", v.item.kind, " ", v.status));
      }
    }
    ASSERT_GE(want.size(), 1u);
    std::multiset<std::string> got;
    MissingCursor after;
    for (int pages = 0; pages < 20; ++pages) {
      auto page = collector_->Missing("", as_of, after, 1);
      ASSERT_OK(page);
      for (const ItemView& v : page->items) {
        got.insert(absl::StrCat(v.item.period, " ", v.item.kind, " ", v.status));
      }
      if (page->next.empty()) break;
      after = page->next;
    }
    EXPECT_EQ(got, want);
  }
}

TEST_F(CollectTest, DryRunAsOfPreviewsWithoutSendingAndSendingRowsBecomeUnknown) {
  // A week ahead, dry: the rendered e-mail, nothing written, nothing sent.
  auto run = collector_->RunReminders(Paris(2026, 11, 16, 12, 0), true, "");
  ASSERT_OK(run);
  ASSERT_EQ(run->emails.size(), 1u);
  EXPECT_TRUE(absl::StrContains(run->emails[0].text, "Relevé BNP"));
  EXPECT_TRUE(store_->ListOutbox("", "", std::nullopt, 10)->empty());
  // A crash between "sending" and "sent": at start the row becomes unknown,
  // staff are told at once, and the reminder is not sent again.
  ASSERT_OK(collector_->RunReminders(clock_.Now(), false, "").status());
  auto rows = store_->ListOutbox(client_.id, "reminder", OutboxState::kScheduled, 10);
  ASSERT_EQ(rows->size(), 1u);
  ASSERT_OK(store_->SetOutboxState((*rows)[0].id, OutboxState::kScheduled, OutboxState::kSending, "", absl::InfinitePast()));
  ASSERT_OK(collector_->Recover());
  EXPECT_EQ(store_->ListOutbox(client_.id, "reminder", OutboxState::kUnknown, 10)->size(), 1u);
  ASSERT_OK(collector_->RunReminders(clock_.Now(), false, "").status());
  ASSERT_OK(collector_->Deliver());
  std::vector<std::string> sent = smtp_->Messages();
  ASSERT_EQ(sent.size(), 1u);  // the urgent staff alert, not a second reminder
  auto alert = ParseMailMessage(sent[0]);
  EXPECT_EQ(alert->to, std::vector<std::string>{"staff@cabinet.fr"});
  EXPECT_TRUE(absl::StrContains(alert->subject, "URGENT")) << alert->subject;
}

// [smtp] on an [[oauth]] profile: reminders go out with XOAUTH2, and the
// one after the provider expired the token goes out after a renewal.
TEST_F(CollectTest, RemindersGoOutThroughAnOAuthMailboxAcrossATokenExpiry) {
  testing::OAuthServer server;
  ASSERT_TRUE(server.ready());
  std::ofstream(dir_.Join("app.secret")) << testing::OAuthServer::kClientSecret;
  OAuthProfile profile;
  profile.name = "app";
  profile.provider = "custom";
  profile.client_id = testing::OAuthServer::kClientId;
  profile.client_secret_file = dir_.Join("app.secret");
  profile.token_url = server.token_url();
  std::vector<std::string> alerts;
  OAuthTokens tokens(dir_.Join("oauth"), &clock_,
                     [&](const std::string& name, const std::string& why) { alerts.push_back(name + why); });
  tokens.SetProfiles({profile});
  Collector::Options o = options_;
  o.smtp.url = server.smtp_url();
  o.smtp.username = "collecte@cabinet.fr";
  o.smtp.oauth = "app";
  o.oauth_tokens = &tokens;
  collector_->Reconfigure(o);
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  ASSERT_OK(collector_->ImportBankStatement(client_.id, "octobre.csv", kStatementCsv, "").status());
  ASSERT_OK(collector_->RunReminders(clock_.Now(), false, "").status());
  ASSERT_OK(collector_->Deliver());
  ASSERT_EQ(server.Messages().size(), 1u);
  server.Set("expire_tokens");
  clock_.Advance(absl::Hours(24 * 7 + 1));  // the next reminder is due
  ASSERT_OK(collector_->RunReminders(clock_.Now(), false, "").status());
  ASSERT_OK(collector_->Deliver());
  EXPECT_EQ(server.Messages().size(), 2u);
  EXPECT_EQ(server.TokenRequests().size(), 2u);
  EXPECT_TRUE(alerts.empty());
  for (const nlohmann::json& login : server.SmtpLogins()) {
    EXPECT_EQ(login["user"], "collecte@cabinet.fr");
  }
}

// SIGHUP hands the collector new settings: the next reminder is written with
// them (the firm's name from [smtp] from), and turning reminders off holds.
TEST_F(CollectTest, ReloadedSettingsApplyToTheNextReminder) {
  Collector::Options changed = options_;
  changed.smtp.from = "Cabinet Martin & Associés <collecte@cabinet.fr>";
  collector_->Reconfigure(changed);
  auto run = collector_->RunReminders(Paris(2026, 11, 16, 12, 0), true, "");
  ASSERT_OK(run);
  ASSERT_EQ(run->emails.size(), 1u);
  // Signed with the sender's display name, not "Name <address>".
  EXPECT_TRUE(absl::StrContains(run->emails[0].text, "\nCabinet Martin & Associés")) << run->emails[0].text;
  EXPECT_FALSE(absl::StrContains(run->emails[0].text, "Associés <")) << run->emails[0].text;
  EXPECT_TRUE(collector_->RemindersEnabled());
  changed.reminders.enabled = false;
  collector_->Reconfigure(changed);
  EXPECT_FALSE(collector_->RemindersEnabled());
}

TEST_F(CollectTest, StatementFilesDroppedWithTheDocumentsAreImported) {
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  auto good = intake_->IngestBytes(client_.id, "folder", "octobre.csv", kStatementCsv);
  ASSERT_OK(good);
  auto bad = intake_->IngestBytes(client_.id, "folder", "novembre.csv",
                                  "Date;Libellé;Montant\n03/11/2026;CB X;-3,00\n31/11/2026;CB Y;-4,00\n");
  ASSERT_OK(bad);
  pipeline_->RunUntilIdle();
  auto doc = store_->GetDocument(good->document_id);
  EXPECT_EQ(doc->status, DocumentStatus::kDone) << doc->status_reason;
  EXPECT_EQ(doc->doc_type, DocType::kBankStatement);
  EXPECT_EQ(doc->text_source, TextSource::kBankFile);
  // Two card payments now expect receipts; October's statement item is received.
  std::vector<ItemView> open = Open();
  ASSERT_EQ(open.size(), 2u);
  for (const ItemView& v : open) EXPECT_EQ(v.item.kind, "receipt");
  auto rejected = store_->GetDocument(bad->document_id);
  EXPECT_EQ(rejected->status, DocumentStatus::kQuarantined);
  EXPECT_NE(rejected->status_reason.find("line 3, column 1"), std::string::npos)
      << rejected->status_reason;
  EXPECT_EQ(store_->ListUnmatchedDebits(client_.id)->size(), 3u);  // October only: nothing of the bad file
}

TEST_F(CollectTest, ABounceMarksTheAddressBadAndTellsStaff) {
  testing::Dovecot dovecot(mail_dir_.Join("d"));
  ASSERT_TRUE(dovecot.Start()) << dovecot.Log();
  dovecot.Deliver("dsn.m",
                  "From: MAILER-DAEMON@mx.cabinet.fr\r\nTo: collecte@cabinet.fr\r\n"
                  "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n"
                  "--R\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
                  "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
                  "Reporting-MTA: dns; mx.cabinet.fr\r\n\r\n"
                  "Final-Recipient: rfc822; client@boulangerie.fr\r\nAction: failed\r\n"
                  "Status: 5.1.1\r\n--R--\r\n");
  ASSERT_OK(PollCollectionMailbox(dovecot));
  EXPECT_TRUE(store_->ListDocuments({})->empty());  // a bounce is never a client's answer
  ASSERT_OK(collector_->Tick());
  auto contact = store_->GetContactState(client_.id);
  ASSERT_OK(contact);
  EXPECT_EQ(contact->second, std::vector<std::string>{"client@boulangerie.fr"});
  bool staff_told = false;
  for (const std::string& raw : smtp_->Messages()) {
    auto m = ParseMailMessage(raw);
    if (m.ok() && m->to == std::vector<std::string>{"staff@cabinet.fr"} &&
        absl::StrContains(m->body_text, "client@boulangerie.fr")) {
      staff_told = true;
    }
    // No reminder goes to the bad address.
    EXPECT_NE(m->to, std::vector<std::string>{"client@boulangerie.fr"});
  }
  EXPECT_TRUE(staff_told);
}

TEST_F(CollectTest, OptionalThankYouOnceEverythingIsIn) {
  Collector::Options o;
  o.reminders.enabled = true;
  o.reminders.start_period = "2026-10";
  o.reminders.escalate_to = "staff@cabinet.fr";
  o.reminders.thank_you = true;
  o.smtp.configured = true;
  o.smtp.url = smtp_->url();
  o.smtp.from = "collecte@cabinet.fr";
  Collector thanking(store_.get(), archive_.get(), &clock_, o, {client_});
  ASSERT_OK(thanking.RefreshItems(clock_.Now()));
  ASSERT_EQ(thanking.RunReminders(clock_.Now(), false, "")->scheduled, 1);
  ASSERT_OK(thanking.Deliver());
  // Nothing to thank for yet: the statement is still missing.
  clock_.Advance(absl::Hours(2));
  EXPECT_TRUE(thanking.RunReminders(clock_.Now(), true, "")->emails.empty());
  auto id = intake_->IngestBytes(client_.id, "mail", "releve.pdf", "%PDF-1.4 statement");
  ASSERT_OK(id);
  for (const ItemView& v : Open()) ASSERT_OK(store_->ReceiveItem(v.item.id, id->document_id));
  ASSERT_OK(thanking.RunReminders(clock_.Now(), false, "").status());
  ASSERT_OK(thanking.RunReminders(clock_.Now(), false, "").status());  // once only
  ASSERT_OK(thanking.Deliver());
  int thanks = 0;
  for (const std::string& raw : smtp_->Messages()) {
    auto m = ParseMailMessage(raw);
    if (m.ok() && absl::StrContains(m->subject, "Merci, nous avons tout reçu")) ++thanks;
  }
  EXPECT_EQ(thanks, 1);
}

TEST_F(CollectTest, AnUnreadableScanIsAskedAgainWithTheReason) {
  auto scan = intake_->IngestBytes(client_.id, "mail", "photo-ticket.jpg", "not really a jpeg");
  ASSERT_OK(scan);
  ASSERT_OK(collector_->AskAgain(scan->document_id,
                                 "le scan est illisible, merci d'en envoyer une copie plus nette",
                                 "the scan cannot be read"));
  auto run = collector_->RunReminders(clock_.Now(), true, "");
  ASSERT_OK(run);
  ASSERT_EQ(run->emails.size(), 1u);
  EXPECT_TRUE(absl::StrContains(run->emails[0].text, "Documents à nous renvoyer"));
  EXPECT_TRUE(absl::StrContains(run->emails[0].text,
                                "photo-ticket.jpg : le scan est illisible, merci d'en envoyer une "
                                "copie plus nette"))
      << run->emails[0].text;
  // Staff hear of it through the digest's escalation events.
  EXPECT_EQ(*store_->CountEvents("escalation"), 1);
  // The new copy arrives and is filed: the item is closed.
  auto copy = intake_->IngestBytes(client_.id, "mail", "ticket.pdf",
                                   testing::MakeTextPdf({{"CARREFOUR MARKET",
                                                          "FACTURE N° F-2026-1012",
                                                          "Date : 12/10/2026", "Total HT 37,67 €",
                                                          "TVA 20 % 7,53 €", "Total TTC 45,20 €"}}));
  ASSERT_OK(copy);
  pipeline_->RunUntilIdle();
  ASSERT_EQ(store_->GetDocument(copy->document_id)->status, DocumentStatus::kDone);
  for (const ItemView& v : Open()) EXPECT_NE(v.item.kind, "redo");
}

TEST_F(CollectTest, WaivedAndPausedClientsAreNotReminded) {
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  std::vector<ItemView> open = Open();
  ASSERT_FALSE(open.empty());
  for (const ItemView& v : open) ASSERT_OK(store_->WaiveItem(v.item.id, "clôture en cours"));
  auto run = collector_->RunReminders(clock_.Now(), true, "");
  ASSERT_OK(run);
  EXPECT_TRUE(run->emails.empty());
  EXPECT_FALSE(store_->WaiveItem(open[0].item.id, "again").ok());  // not open any more
}

TEST_F(CollectTest, ASupermarketTicketClosesItsCardPayment) {
  // The till ticket itself (no invoice words, no VAT breakdown but "dont
  // TVA"), dropped as a PDF: a sure receipt, filed, and the card payment it
  // proves is no longer chased.
  absl::StatusOr<int64_t> dropped = StatementThenTicket();
  ASSERT_OK(dropped);
  auto doc = store_->GetDocument(*dropped);
  ASSERT_OK(doc);
  EXPECT_EQ(doc->status, DocumentStatus::kDone) << doc->status_reason;
  EXPECT_EQ(doc->doc_type, DocType::kReceipt);
  for (const ItemView& v : Open()) {
    EXPECT_NE(v.item.amount, Money{4520}) << v.item.label << " still chased";
  }
}

// The month's bank journal: the card payment settles the ticket's entry
// (both lettered), URSSAF goes on its account by label, the fuel debit and
// the customer's transfer wait on suspense for a person; an export of the
// same period again says nothing changed.
TEST_F(CollectTest, TheBankJournalLettersTheTicketsPaymentAndLeavesTheRestToAPerson) {
  absl::StatusOr<int64_t> dropped = StatementThenTicket();
  ASSERT_OK(dropped);
  ASSERT_EQ(store_->GetDocument(*dropped)->status, DocumentStatus::kDone);

  auto proposed = collector_->Entries(client_.id, "2026-10");
  ASSERT_OK(proposed);
  ASSERT_EQ(proposed->entries.size(), 5u);  // the ticket, four movements
  std::map<std::string, const Entry*> by_label;
  std::string ticket_code, payment_code;
  for (const Entry& e : proposed->entries) {
    int64_t debit = 0, credit = 0;
    for (const EntryLine& l : e.lines) {
      debit += l.debit.cents;
      credit += l.credit.cents;
      if (l.account == "401" && e.bank_txn_id == 0) ticket_code = l.lettering;
      if (l.account == "401" && e.bank_txn_id != 0) payment_code = l.lettering;
    }
    EXPECT_EQ(debit, credit) << e.label;
    by_label[e.label] = &e;
  }
  EXPECT_FALSE(ticket_code.empty());
  EXPECT_EQ(ticket_code, payment_code);
  ASSERT_TRUE(by_label.count("CB CARREFOUR MARKET 11/10"));
  EXPECT_EQ(by_label["CB CARREFOUR MARKET 11/10"]->document_id, *dropped);
  EXPECT_EQ(by_label["CB CARREFOUR MARKET 11/10"]->journal, "BQ");
  ASSERT_TRUE(by_label.count("PRLV URSSAF COTISATIONS"));
  EXPECT_EQ(by_label["PRLV URSSAF COTISATIONS"]->lines[0].account, "431");
  EXPECT_EQ(by_label["PRLV URSSAF COTISATIONS"]->lines[0].debit, Money{31200});
  ASSERT_TRUE(by_label.count("VIR CLIENT DUPONT"));
  EXPECT_EQ(by_label["VIR CLIENT DUPONT"]->lines[0].account, "471");
  EXPECT_EQ(by_label["VIR CLIENT DUPONT"]->lines[0].credit, Money{150000});
  std::set<std::string> for_a_person;
  for (const Unbooked& u : proposed->review) {
    EXPECT_NE(u.bank_txn_id, 0) << u.supplier;
    for_a_person.insert(u.supplier);
  }
  EXPECT_EQ(for_a_person, (std::set<std::string>{"CB SHELL STATION A6", "VIR CLIENT DUPONT"}));

  auto first = collector_->Export(client_.id, "2026-10", dir_.Join("out"), "quadra");
  ASSERT_OK(first);
  EXPECT_EQ(first->entries, 5);
  EXPECT_EQ(first->added, 5);
  auto again = collector_->Export(client_.id, "2026-10", dir_.Join("out"), "quadra");
  ASSERT_OK(again);
  EXPECT_EQ(again->added + again->changed + again->removed, 0);

  // In the FEC layout (the client's SIREN names the file), read back by the
  // independent parser: balanced, and the lettering balanced per code.
  ClientConfig with_siren = client_;
  with_siren.siren = "732829320";
  Collector books(store_.get(), archive_.get(), &clock_, options_, {with_siren});
  auto fec = books.Export(client_.id, "2026-10", dir_.Join("fec"), "fec");
  ASSERT_OK(fec);
  const std::string report = dir_.Join("fec_check.txt");
  int rc = std::system(absl::StrCat("/usr/bin/python3 " LIASSE_SOURCE_DIR
                                    "/tests/process/fec_check.py '",
                                    fec->path, "' > '", report, "' 2>&1")
                           .c_str());
  std::ifstream in(report);
  std::string checked((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << checked;
  // 45.20 twice (the ticket, its payment), 60.00, 312.00, 1 500.00.
  EXPECT_TRUE(absl::StrContains(checked, "debit 1962.40 lettered 1\n")) << checked;
}

// A ticket nothing on which confirms its total (no card line, no VAT): the
// rules alone leave it for a person; the debit "CB CARREFOUR MARKET 11/10"
// of the same amount confirms it.
std::string UnconfirmedTicket() {
  return testing::MakeTextPdf(
      {{"CARREFOUR MARKET", "LAIT 1,15", "CAFE 4,55", "TOTAL 45,20", "11/10/2026 10:32"}});
}

TEST_F(CollectTest, AnUnsureTicketIsFiledWhenTheClientsDebitConfirmsIt) {
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  ASSERT_OK(collector_->ImportBankStatement(client_.id, "octobre.csv", kStatementCsv, "").status());
  auto ticket = intake_->IngestBytes(client_.id, "folder", "ticket.pdf", UnconfirmedTicket());
  ASSERT_OK(ticket);
  pipeline_->RunUntilIdle();
  auto doc = store_->GetDocument(ticket->document_id);
  EXPECT_EQ(doc->status, DocumentStatus::kDone) << doc->status_reason;
  EXPECT_EQ(doc->doc_type, DocType::kReceipt);
  for (const ItemView& v : Open()) {
    EXPECT_NE(v.item.amount, Money{4520}) << v.item.label << " still chased";
  }
}

TEST_F(CollectTest, AWaitingTicketIsFiledWhenTheStatementThatConfirmsItArrives) {
  // The ticket first: nothing confirms it yet, it waits for a person.
  auto ticket = intake_->IngestBytes(client_.id, "folder", "ticket.pdf", UnconfirmedTicket());
  ASSERT_OK(ticket);
  pipeline_->RunUntilIdle();
  auto waiting = store_->GetDocument(ticket->document_id);
  ASSERT_EQ(waiting->status, DocumentStatus::kNeedsReview);
  EXPECT_EQ(waiting->status_reason, "unclassified");
  // The statement comes: its debit confirms the ticket, which is filed.
  ASSERT_OK(collector_->RefreshItems(clock_.Now()));
  ASSERT_OK(collector_->ImportBankStatement(client_.id, "octobre.csv", kStatementCsv, "").status());
  auto doc = store_->GetDocument(ticket->document_id);
  EXPECT_EQ(doc->status, DocumentStatus::kDone) << doc->status_reason;
  EXPECT_EQ(doc->doc_type, DocType::kReceipt);
  for (const Check& c : doc->checks) EXPECT_NE(c.code, "unclassified");
  for (const ItemView& v : Open()) {
    EXPECT_NE(v.item.amount, Money{4520}) << v.item.label << " still chased";
  }
  EXPECT_EQ(store_->ListUnmatchedDebits(client_.id)->size(), 2u);  // Shell and URSSAF
}

TEST_F(CollectTest, TheLoopSleepsUntilTheEarliestDueActionNotATick) {
  // The first pass acts (sends a reminder, writes the digest): it looks
  // again after a tick.
  ASSERT_OK(collector_->Tick());
  EXPECT_EQ(smtp_->Messages().size(), 1u);
  EXPECT_EQ(collector_->NextPassAt(), clock_.Now() + absl::Seconds(30));
  // The next sends the digest and has nothing else to do: the next
  // reminder is a week away, so next is tomorrow's start, when items fall
  // due.
  ASSERT_OK(collector_->Tick());
  EXPECT_EQ(smtp_->Messages().size(), 2u);
  EXPECT_EQ(collector_->NextPassAt(), Paris(2026, 11, 10, 0, 0));
  // Early the next day, the digest comes first.
  clock_.Set(Paris(2026, 11, 10, 7, 0));
  ASSERT_OK(collector_->Tick());
  EXPECT_EQ(collector_->NextPassAt(), Paris(2026, 11, 10, 8, 30));
}

// The running loop, on its own thread: asleep until something is due, woken
// by an event another thread commits, not by those it writes itself.
TEST_F(CollectTest, AnEventCommittedElsewhereWakesTheLoopItsOwnDoNot) {
  auto next_pass_becomes = [&](absl::Time want) {
    for (int i = 0; i < 1000 && collector_->NextPassAt() != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return collector_->NextPassAt() == want;
  };
  ASSERT_OK(collector_->Start());
  // Reminder and digest sent (events written by the loop), then quiet
  // until tomorrow.
  ASSERT_TRUE(next_pass_becomes(Paris(2026, 11, 10, 0, 0)));
  EXPECT_EQ(smtp_->Messages().size(), 2u);
  clock_.Set(Paris(2026, 11, 10, 7, 0));
  // Its own events would have woken it within kEventSettle: a pass at 7:00
  // would make the next one the digest's.
  std::this_thread::sleep_for(absl::ToChronoMilliseconds(2 * Collector::kEventSettle));
  EXPECT_EQ(collector_->NextPassAt(), Paris(2026, 11, 10, 0, 0));
  EventRecord e;
  e.kind = "note";
  e.client_id = client_.id;
  ASSERT_OK(store_->AppendEvent(e));
  EXPECT_TRUE(next_pass_becomes(Paris(2026, 11, 10, 8, 30)));
  collector_->Stop();
}

}  // namespace
}  // namespace liasse
