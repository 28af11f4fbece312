// Mail intake against a real dovecot started by the test, and MIME parsing of
// real-world messages from ../shared/samples/email.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/process/archive.h"
#include "daemon/mail/imap_connection.h"
#include "daemon/mail/imap_idle.h"
#include "daemon/process/intake.h"
#include "daemon/mail/mail_message.h"
#include "daemon/mail/reminder_mail.h"
#include "daemon/process/mail_poller.h"
#include "daemon/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/mail_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;
using ::liasse::testing::Dovecot;
using ::liasse::testing::TempDir;
using ::liasse::testing::Message;
using ::liasse::testing::Part;

class MailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.Join("archive"));
    fs::create_directories(mail_dir_.Join("d"));
    auto store = Store::Open(dir_.Join("liasse.db"), &clock_);
    ASSERT_OK(store);
    store_ = std::move(*store);
    ClientRecord martin;
    martin.id = "martin";
    martin.emails = {"paul.martin@gmail.com"};
    ClientRecord cafe;
    cafe.id = "cafe";
    cafe.domains = {"cafe-du-port.fr"};
    ASSERT_OK(store_->SyncClients({martin, cafe}));
    identities_ = {{"martin", {"paul.martin@gmail.com"}, {}},
                   {"cafe", {}, {"cafe-du-port.fr"}},
                   {"holding", {"paul.martin@gmail.com"}, {}}};
    archive_ = std::make_unique<Archive>(dir_.Join("archive"));
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(), 50 << 20, nullptr);
    dovecot_ = std::make_unique<Dovecot>(mail_dir_.Join("d"));
    ASSERT_TRUE(dovecot_->Start()) << dovecot_->Log();
    std::ofstream(dir_.Join("imap.pass")) << "secret\n";
  }

  Mailbox Config(const std::string& password_file) {
    Mailbox m;
    m.name = "collecte";
    m.url = dovecot_->url();
    m.username = "alice";
    m.password_file = password_file;
    m.folders = {"INBOX"};
    m.max_message_mb = 5;
    return m;
  }

  std::unique_ptr<MailPoller> Poller(const std::string& password_file) {
    return std::make_unique<MailPoller>(
        Config(password_file), [this] { return identities_; }, store_.get(), intake_.get());
  }

  std::vector<EventRecord> Events(const std::string& kind) {
    std::vector<EventRecord> out;
    auto events = store_->ListEvents(0, "", 10000);
    EXPECT_TRUE(events.ok());
    for (const EventRecord& e : *events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  TempDir dir_;
  TempDir mail_dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Dovecot> dovecot_;
  std::vector<ClientIdentity> identities_;
};

TEST_F(MailTest, TakesAttachmentsRoutesSendersAndRecordsTheRest) {
  std::string pdf = testing::MakeTextPdf({testing::FrenchInvoiceLines()});
  std::string png = testing::MakePng({"TICKET", "TOTAL 12,30"}, 100);
  std::string xml = "<?xml version=\"1.0\"?><Invoice><ID>1</ID></Invoice>";
  dovecot_->Deliver("1.m", Message("Café du Port <compta@cafe-du-port.fr>", "collecte@cabinet.fr",
                                   "Factures octobre", "Voici les factures.",
                                   {{"application/pdf", "facture.pdf", pdf},
                                    {"application/octet-stream", "scan.bin", png},
                                    {"image/png", "../../../etc/evil.png", png + "x"}}));
  dovecot_->Deliver("2.m", Message("stranger@example.org", "collecte@cabinet.fr", "Bonjour",
                                   "ci-joint", {{"application/pdf", "doc.pdf", pdf + " "}}));
  dovecot_->Deliver("3.m", Message("paul.martin@gmail.com", "collecte+martin@cabinet.fr",
                                   "Relevé", "", {{"application/xml", "facture.xml", xml}}));
  dovecot_->Deliver("4.m", Message("paul.martin@gmail.com", "collecte@cabinet.fr",
                                   "Question", "Je vous envoie ça demain.", {}));
  dovecot_->Deliver("5.m", Message("compta@cafe-du-port.fr", "collecte@cabinet.fr",
                                   "Absence du bureau", "Je suis absent.", {},
                                   "Auto-Submitted: auto-replied\r\n"));
  dovecot_->Deliver("6.m", Message("MAILER-DAEMON@cabinet.fr", "collecte@cabinet.fr",
                                   "Undelivered Mail", "delivery failed",
                                   {{"message/delivery-status", "", "Status: 5.1.1"}}, "",
                                   "multipart/report; report-type=delivery-status"));
  std::string inner = Message("compta@cafe-du-port.fr", "x@y.fr", "inner", "inner body",
                              {{"text/xml", "zugferd.xml", xml + " "}});
  dovecot_->Deliver("7.m", Message("compta@cafe-du-port.fr", "collecte@cabinet.fr", "Fwd",
                                   "forwarded", {{"message/rfc822", "", inner}}));
  auto poller = Poller(dir_.Join("imap.pass"));
  absl::Status polled = poller->PollOnce();
  ASSERT_TRUE(polled.ok()) << polled << "\n" << dovecot_->Log();

  DocumentFilter cafe;
  cafe.client_id = "cafe";
  auto cafe_docs = store_->ListDocuments(cafe);
  ASSERT_EQ(cafe_docs->size(), 4u);  // pdf, octet-stream png, evil.png, nested xml
  for (const auto& d : *cafe_docs) {
    EXPECT_EQ(d.source, "mail");
    EXPECT_EQ(d.original_name.find('/'), std::string::npos);
    EXPECT_TRUE(fs::exists(archive_->PathOf(d.sha256)));
  }
  EXPECT_EQ((*cafe_docs)[2].original_name, "evil.png");
  DocumentFilter unknown;
  unknown.client_id = kUnknownClientId;
  EXPECT_EQ(store_->ListDocuments(unknown)->size(), 1u);
  // paul.martin@gmail.com matches two clients; the plus-address decides.
  DocumentFilter martin;
  martin.client_id = "martin";
  EXPECT_EQ(store_->ListDocuments(martin)->size(), 1u);

  auto words = Events("client_message");
  ASSERT_EQ(words.size(), 1u);
  nlohmann::json w = nlohmann::json::parse(words[0].payload_json);
  EXPECT_EQ(w["text"], "Je vous envoie ça demain.");
  EXPECT_EQ(w["candidates"], nlohmann::json::array({"martin", "holding"}));
  EXPECT_EQ(Events("auto_reply").size(), 1u);
  EXPECT_EQ(Events("delivery_report").size(), 1u);
  EXPECT_EQ(Events("mail_received").size(), 4u);
  EXPECT_EQ(*store_->CountEvents("client_message"), 1);

  // Everything is flagged: a second pass takes nothing twice.
  ASSERT_OK(poller->PollOnce());
  EXPECT_EQ(store_->ListDocuments({})->size(), 6u);
  EXPECT_TRUE(Events("duplicate").empty());
  auto imap = ImapConnection::Open(dovecot_->url(), {"alice", "secret", ""});
  ASSERT_OK(imap);
  ASSERT_OK((*imap)->Select("INBOX"));
  EXPECT_TRUE((*imap)->NewUids("INBOX", 0)->empty());
  auto state = store_->GetMailboxState("collecte", "INBOX");
  EXPECT_EQ(state->last_uid, 7);
}

TEST_F(MailTest, UidValidityChangeRescansWithoutDuplicating) {
  std::string pdf = testing::MakeTextPdf({testing::FrenchInvoiceLines()});
  dovecot_->Deliver("1.m", Message("compta@cafe-du-port.fr", "c@c.fr", "A", "",
                                   {{"application/pdf", "a.pdf", pdf}}));
  // A server that does not keep keywords (like Exchange): the local UID
  // record alone prevents re-reading.
  auto poller = Poller(dir_.Join("imap.pass"));
  ASSERT_OK(poller->PollOnce());
  ASSERT_EQ(store_->ListDocuments({})->size(), 1u);
  MailboxState state = *store_->GetMailboxState("collecte", "INBOX");
  state.uidvalidity += 1000;  // as if the server renumbered the folder
  ASSERT_OK(store_->SetMailboxState("collecte", "INBOX", state));
  std::string flags_off = absl::StrCat(
      "curl -s --url '", dovecot_->url(), "' -u alice:secret -X 'UID STORE 1:* -FLAGS ($LiasseProcessed)'");
  ASSERT_EQ(std::system(flags_off.c_str()), 0);
  ASSERT_OK(poller->PollOnce());
  EXPECT_EQ(store_->ListDocuments({})->size(), 1u);  // same bytes: no new document
  EXPECT_EQ(Events("duplicate").size(), 1u);
  EXPECT_EQ(store_->GetMailboxState("collecte", "INBOX")->uidvalidity, state.uidvalidity - 1000);
}

TEST_F(MailTest, AuthFailureKeepsRetryingAndEscalates) {
  std::ofstream(dir_.Join("wrong.pass")) << "not-the-password\n";
  auto poller = Poller(dir_.Join("wrong.pass"));
  for (int i = 0; i < MailPoller::kEscalateAfterFailures + 1; ++i) {
    EXPECT_EQ(poller->PollOnce().code(), absl::StatusCode::kPermissionDenied);
  }
  EXPECT_EQ(poller->consecutive_failures(), MailPoller::kEscalateAfterFailures + 1);
  auto escalations = Events("escalation");
  ASSERT_EQ(escalations.size(), 1u);  // once per run of failures
  EXPECT_TRUE(absl::StrContains(escalations[0].payload_json, "mailbox_failing"));
}

TEST_F(MailTest, OversizedMessageIsSkippedNotRead) {
  std::string big(6 << 20, 'A');
  dovecot_->Deliver("1.m", Message("compta@cafe-du-port.fr", "c@c.fr", "big", "",
                                   {{"application/pdf", "big.pdf", big}}));
  auto poller = Poller(dir_.Join("imap.pass"));
  ASSERT_OK(poller->PollOnce());
  EXPECT_TRUE(store_->ListDocuments({})->empty());
  EXPECT_EQ(Events("mail_too_large").size(), 1u);
}

TEST_F(MailTest, IdleTakesNewMailWithoutWaitingForThePoll) {
  Mailbox config = Config(dir_.Join("imap.pass"));
  config.poll_seconds = 3600;  // only IDLE can bring the mail in time
  MailPoller poller(config, [this] { return identities_; }, store_.get(), intake_.get());
  poller.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!poller.idling() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(poller.idling()) << dovecot_->Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // IDLE under way
  dovecot_->Deliver("1.m", Message("compta@cafe-du-port.fr", "c@c.fr", "idle", "",
                                   {{"application/pdf", "a.pdf",
                                     testing::MakeTextPdf({testing::FrenchInvoiceLines()})}}));
  while (store_->ListDocuments({})->empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(store_->ListDocuments({})->size(), 1u);
  auto stop_start = std::chrono::steady_clock::now();
  poller.Stop();  // interrupts the IDLE at once
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::seconds(5));
}

// Mail that lands after the poller's search but before its IDLE begins is
// not announced by IDLE: the SELECT's UIDNEXT gives it away instead of it
// waiting for the next IDLE round (29 minutes).
TEST_F(MailTest, MailArrivingBetweenThePollAndTheIdleIsNewsAtOnce) {
  auto imap = ImapConnection::Open(dovecot_->url(), {"alice", "secret", ""});
  ASSERT_OK(imap);
  auto before = (*imap)->Select("INBOX");
  ASSERT_OK(before);
  ASSERT_GT(before->uidnext, 0);
  dovecot_->Deliver("1.m", Message("compta@cafe-du-port.fr", "c@c.fr", "gap", "",
                                   {{"application/pdf", "a.pdf", "%PDF-1.4 gap"}}));
  auto idler = ImapIdler::Open(dovecot_->url(), {"alice", "secret", ""});
  ASSERT_OK(idler);
  ASSERT_TRUE((*idler)->supported());
  auto started = std::chrono::steady_clock::now();
  auto news = (*idler)->WaitForNews("INBOX", before->uidnext, absl::Seconds(20), -1);
  ASSERT_OK(news);
  EXPECT_TRUE(*news);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  // Nothing new since this UIDNEXT: IDLE waits (here until its short deadline).
  auto after = (*imap)->Select("INBOX");
  ASSERT_OK(after);
  EXPECT_GT(after->uidnext, before->uidnext);
  auto quiet = (*idler)->WaitForNews("INBOX", after->uidnext, absl::Milliseconds(300), -1);
  ASSERT_OK(quiet);
  EXPECT_FALSE(*quiet);
}

std::vector<std::string> FlattenTypes(const nlohmann::json& parts) {
  std::vector<std::string> out;
  if (parts.is_string()) {
    out.push_back(parts.get<std::string>());
  } else if (parts.is_array()) {
    for (const auto& p : parts) {
      auto sub = FlattenTypes(p);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else if (parts.is_object()) {
    for (const auto& [k, v] : parts.items()) {
      auto sub = FlattenTypes(v);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  }
  return out;
}

TEST(MailMessageTest, RealWorldMessagesParseWithoutCrashing) {
  fs::path root = fs::path(LIASSE_SOURCE_DIR) / ".." / "shared" / "samples" / "email";
  if (!fs::exists(root)) GTEST_SKIP() << "no ../shared/samples here";
  int parsed = 0, total = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() == "expected.json") continue;
    ++total;
    std::string bytes = testing::ReadFile(e.path().string());
    auto message = ParseMailMessage(bytes);
    if (message.ok()) ++parsed;
  }
  EXPECT_GE(total, 15);
  EXPECT_GE(parsed, total - 1);
  std::printf("%d of %d sample messages parsed\n", parsed, total);

  std::ifstream in(root / "mail-mime-parser" / "expected.json");
  nlohmann::json expected = nlohmann::json::parse(in);
  for (const auto& [name, cases] : expected.items()) {
    SCOPED_TRACE(name);
    const nlohmann::json& want = cases[0];
    auto message = ParseMailMessage(
        testing::ReadFile((root / "mail-mime-parser" / "messages" / (name + ".txt")).string()));
    ASSERT_OK(message);
    if (want.contains("From")) {
      EXPECT_EQ(message->from, want["From"]["email"]);
    }
    if (want.contains("Subject")) {
      EXPECT_EQ(message->subject, want["Subject"]);
    }
    size_t usable = 0;
    for (const std::string& t : FlattenTypes(want.value("parts", nlohmann::json()))) {
      if (absl::StartsWith(t, "image/") || t == "application/pdf") ++usable;
    }
    // Only PDFs and images are taken: never more than the sender attached.
    usable = std::max<size_t>(usable, want.value("attachments", 0));
    EXPECT_LE(message->attachments.size(), usable);
    if (name == "m1009" || name == "m4004") {  // PNG attachments
      EXPECT_GT(message->attachments.size(), 0u);
    }
  }
}

TEST(BuildMessageTest, ANonAsciiSenderNameIsEncodedPerRfc2047) {
  OutgoingMail mail;
  mail.from = "Cabinet Dupré & Associés <collecte@cabinet.fr>";
  mail.to = {"client@example.fr"};
  mail.subject = "Relance";
  mail.text = "Bonjour";
  mail.message_id = "x@cabinet.fr";
  mail.date = absl::FromUnixSeconds(1'800'000'000);
  std::string bytes = BuildMessage(mail);
  size_t from = bytes.find("\r\nFrom: ");
  ASSERT_NE(from, std::string::npos) << bytes;
  std::string line = bytes.substr(from + 2, bytes.find("\r\n", from + 2) - from - 2);
  EXPECT_TRUE(absl::StrContains(line, "=?") && absl::StrContains(line, "?=")) << line;
  EXPECT_TRUE(absl::StrContains(line, "<collecte@cabinet.fr>")) << line;
  EXPECT_FALSE(absl::StrContains(line, "é")) << line;  // 8-bit bytes never in a header
  absl::StatusOr<MailMessage> parsed = ParseMailMessage(bytes);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->from, "collecte@cabinet.fr");
  EXPECT_EQ(parsed->from_name, "Cabinet Dupré & Associés");
}

}  // namespace
}  // namespace liasse
