// Crash safety as a process test: feed 300 files into client folders while
// liassed is killed with SIGKILL at random moments and restarted. Afterwards
// every file is exactly one document, every document reached a final state,
// every original is in the archive, and no file is left unprocessed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "daemon/process/archive.h"
#include "daemon/mail/imap_connection.h"
#include "daemon/mail/mail_message.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/smtp_sink.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;
using ::liasse::testing::TempDir;
using Clock = std::chrono::steady_clock;

pid_t StartDaemon(const std::string& dir, int n, const std::string& config = "") {
  pid_t pid = ::fork();
  if (pid == 0) {
    // A test that crashes must not leave a daemon holding ctest's pipe.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    std::string log = absl::StrCat(dir, "/liassed-", n, ".log");
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    if (config.empty()) {
      ::execl(LIASSED_PATH, LIASSED_PATH, nullptr);
    } else {
      ::execl(LIASSED_PATH, LIASSED_PATH, "--config", config.c_str(), nullptr);
    }
    ::_exit(127);
  }
  return pid;
}

std::string RunCli(const std::string& dir, const std::vector<std::string>& args) {
  std::string out_path = dir + "/.cli.out";
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::vector<char*> argv{const_cast<char*>(LIASSE_CLI_PATH)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(LIASSE_CLI_PATH, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream in(out_path);
  std::ostringstream s;
  s << in.rdbuf();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s.str() : "";
}

bool WaitForSocket(const std::string& dir, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!RunCli(dir, {"status", "--json"}).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int FilesLeftInInbox(const std::string& inbox) {
  int n = 0;
  for (auto it = fs::recursive_directory_iterator(inbox); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == ".processed") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) ++n;
  }
  return n;
}

TEST(CrashSafetyTest, KillNineDuringIntakeLosesAndDuplicatesNothing) {
  constexpr int kFiles = 300;
  TempDir dir;
  std::string inbox = dir.Join("var/inbox");
  fs::create_directories(inbox + "/acme");
  fs::create_directories(inbox + "/bolt");
  fs::create_directories(dir.Join("staging"));
  std::set<std::string> expected_hashes;
  std::vector<std::string> staged;
  for (int i = 0; i < kFiles; ++i) {
    std::string bytes = testing::MakeTextPdf(
        {{absl::StrCat("FACTURE N° CS-", i), "Boulangerie Martin, Lyon",
          absl::StrCat("Total TTC ", i, ",00 EUR")}});
    std::string path = dir.Join(absl::StrCat("staging/facture-", i, ".pdf"));
    testing::WriteFile(path, bytes);
    expected_hashes.insert(Sha256Hex(bytes));
    staged.push_back(path);
  }
  ASSERT_EQ(expected_hashes.size(), static_cast<size_t>(kFiles));

  int run = 0;
  pid_t daemon = StartDaemon(dir.path(), run++);
  ASSERT_TRUE(WaitForSocket(dir.path(), std::chrono::seconds(30)));
  std::mt19937 rng(12345);
  std::thread feeder([&] {
    for (int i = 0; i < kFiles; ++i) {
      std::string client = i % 3 == 0 ? "bolt" : "acme";
      fs::rename(staged[i], absl::StrCat(inbox, "/", client, "/", fs::path(staged[i]).filename().string()));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  // Kills land while files arrive (the feeder takes ~3 s) and while the
  // pipeline is busy with them.
  for (int kill_round = 0; kill_round < 5; ++kill_round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 500));
    ::kill(daemon, SIGKILL);
    ::waitpid(daemon, nullptr, 0);
    daemon = StartDaemon(dir.path(), run++);
    ASSERT_TRUE(WaitForSocket(dir.path(), std::chrono::seconds(30)));
  }
  feeder.join();

  // Everything settles: no file waiting, no document in flight.
  nlohmann::json status;
  auto deadline = Clock::now() + std::chrono::seconds(180);
  bool settled = false;
  while (Clock::now() < deadline && !settled) {
    std::string out = RunCli(dir.path(), {"status", "--json"});
    if (!out.empty()) {
      status = nlohmann::json::parse(out);
      int64_t pending = 0;
      for (const auto& q : status["queue"]) {
        std::string s = q["status"];
        if (s != "DONE" && s != "NEEDS_REVIEW" && s != "QUARANTINED") {
          pending += std::stoll(q["count"].get<std::string>());
        }
      }
      settled = pending == 0 && FilesLeftInInbox(inbox) == 0 &&
                std::stoll(status["document_count"].get<std::string>()) >= kFiles;
    }
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::kill(daemon, SIGTERM);
  int wstatus = 0;
  ::waitpid(daemon, &wstatus, 0);
  ASSERT_TRUE(settled) << status.dump() << " files left: " << FilesLeftInInbox(inbox);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

  // Exactly one document per file, its original in the archive.
  daemon = StartDaemon(dir.path(), run++);
  ASSERT_TRUE(WaitForSocket(dir.path(), std::chrono::seconds(30)));
  std::string docs = RunCli(dir.path(), {"documents", "--json"});
  ::kill(daemon, SIGTERM);
  ::waitpid(daemon, nullptr, 0);
  std::set<std::string> hashes;
  int count = 0;
  int quarantined = 0;
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json d = nlohmann::json::parse(line);
    ++count;
    hashes.insert(d["sha256"].get<std::string>());
    if (d["status"] == "QUARANTINED") ++quarantined;
    EXPECT_TRUE(fs::exists(Archive(dir.Join("var/archive")).PathOf(d["sha256"])));
  }
  EXPECT_EQ(count, kFiles);
  EXPECT_EQ(hashes, expected_hashes);
  // Text PDFs read fine: only a document interrupted twice may end crashed.
  EXPECT_LE(quarantined, 5);
  int processed = 0;
  for (const auto& e : fs::recursive_directory_iterator(inbox)) {
    if (e.is_regular_file()) ++processed;
  }
  EXPECT_EQ(processed, kFiles);  // every file moved exactly once
  std::printf("%d documents, %d runs, %d quarantined\n", count, run, quarantined);
}

TEST(CrashSafetyTest, KillNineDuringMailIntakeLeavesNoMailUnflagged) {
  constexpr int kMessages = 30;
  TempDir dir;
  TempDir mail;
  fs::create_directories(mail.Join("d"));
  testing::Dovecot dovecot(mail.Join("d"));
  ASSERT_TRUE(dovecot.Start()) << dovecot.Log();
  fs::create_directories(dir.Join("var/inbox/acme"));
  std::ofstream(dir.Join("imap.pass")) << "secret\n";
  std::ofstream(dir.Join("liasse.toml"))
      << "[daemon]\nstate_dir = \"var\"\ninbox_root = \"var/inbox\"\n"
      << "listen = \"unix:var/liasse.sock\"\n\n[[mailbox]]\nname = \"collecte\"\n"
      << "url = \"" << dovecot.url() << "\"\nusername = \"alice\"\n"
      << "password_file = \"imap.pass\"\npoll_seconds = 5\n";
  std::set<std::string> expected;
  int run = 0;
  pid_t daemon = StartDaemon(dir.path(), run++, dir.Join("liasse.toml"));
  ASSERT_TRUE(WaitForSocket(dir.path(), std::chrono::seconds(30)));
  std::mt19937 rng(777);
  for (int i = 0; i < kMessages; ++i) {
    std::string pdf = testing::MakeTextPdf({{absl::StrCat("FACTURE MAIL-", i), "Total 1,00 EUR"}});
    expected.insert(Sha256Hex(pdf));
    dovecot.Deliver(absl::StrCat(i, ".m"),
                    absl::StrCat("From: client@example.org\r\nTo: collecte@cabinet.fr\r\n"
                                 "Subject: facture ", i, "\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
                                 "Content-Type: text/plain\r\n\r\nci-joint\r\n--B\r\n"
                                 "Content-Type: application/pdf\r\n"
                                 "Content-Transfer-Encoding: base64\r\n"
                                 "Content-Disposition: attachment; filename=\"f", i, ".pdf\"\r\n\r\n",
                                 absl::Base64Escape(pdf), "\r\n--B--\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    if (i % 10 == 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
      ::kill(daemon, SIGKILL);
      ::waitpid(daemon, nullptr, 0);
      daemon = StartDaemon(dir.path(), run++, dir.Join("liasse.toml"));
      ASSERT_TRUE(WaitForSocket(dir.path(), std::chrono::seconds(30)));
    }
  }
  // Settles: every message flagged, every document final.
  auto imap = ImapConnection::Open(dovecot.url(), {"alice", "secret", ""});
  ASSERT_TRUE(imap.ok());
  auto deadline = Clock::now() + std::chrono::seconds(90);
  bool settled = false;
  std::string docs;
  std::string progress;
  while (Clock::now() < deadline && !settled) {
    auto selected = (*imap)->Select("INBOX");
    auto left = (*imap)->NewUids("INBOX", 0);
    docs = RunCli(dir.path(), {"documents", "--json"});
    int final_docs = 0;
    std::vector<std::string> not_final;
    std::istringstream lines(docs);
    for (std::string line; std::getline(lines, line);) {
      nlohmann::json d = nlohmann::json::parse(line);
      std::string st = d["status"];
      if (st == "DONE" || st == "NEEDS_REVIEW" || st == "QUARANTINED") {
        ++final_docs;
      } else {
        not_final.push_back(absl::StrCat(d["original_name"].get<std::string>(), "=", st));
      }
    }
    settled = selected.ok() && left.ok() && left->empty() && final_docs >= kMessages;
    progress = absl::StrCat("unflagged uids: ",
                            left.ok() ? absl::StrJoin(*left, ",") : left.status().ToString(),
                            "; final documents: ", final_docs, "; not final: ",
                            absl::StrJoin(not_final, ","));
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ::kill(daemon, SIGTERM);
  ::waitpid(daemon, nullptr, 0);
  if (!settled) {
    for (int n = 0; n < run; ++n) {
      std::ifstream log(absl::StrCat(dir.path(), "/liassed-", n, ".log"));
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      std::printf("--- liassed run %d (last 6000 bytes)\n%s\n", n,
                  text.substr(text.size() > 6000 ? text.size() - 6000 : 0).c_str());
    }
  }
  ASSERT_TRUE(settled) << progress;
  std::set<std::string> hashes;
  int count = 0;
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json d = nlohmann::json::parse(line);
    ++count;
    hashes.insert(d["sha256"].get<std::string>());
    EXPECT_EQ(d["source"], "mail");
    EXPECT_TRUE(fs::exists(Archive(dir.Join("var/archive")).PathOf(d["sha256"])));
  }
  EXPECT_EQ(count, kMessages);
  EXPECT_EQ(hashes, expected);
}

// kill -9 while liassed is sending the reminders of 50 clients, restart:
// no client gets the same reminder twice, and a client whose reminder was
// in flight at the kill is named to staff (never silently dropped).
TEST(CrashSafetyTest, KillNineDuringAReminderRunSendsNothingTwiceAndLosesNothing) {
  constexpr int kClients = 50;
  TempDir dir;
  TempDir sink_dir;
  for (const char* sub : {"box/tmp", "box/new", "box/cur"}) fs::create_directories(sink_dir.Join(sub));
  testing::SmtpSink sink(sink_dir.Join("box"));
  ASSERT_TRUE(sink.WaitReady());
  std::ostringstream toml;
  toml << "[daemon]\nstate_dir = \"var\"\ninbox_root = \"var/inbox\"\n"
       << "listen = \"unix:var/liasse.sock\"\n\n[smtp]\nurl = \"" << sink.url() << "\"\n"
       << "from = \"collecte@cabinet.fr\"\nreply_to = \"collecte@cabinet.fr\"\n"
       << "max_per_minute = 10000\n\n[reminders]\nenabled = true\nstart_period = \"2026-09\"\n"
       << "first_after_days = 1\nbusiness_days_only = false\nquiet_hours = \"\"\n"
       << "escalate_to = \"staff@cabinet.fr\"\ndigest_time = \"23:59\"\n";
  for (int i = 0; i < kClients; ++i) {
    std::string id = absl::StrCat("c", i < 10 ? "0" : "", i);
    toml << "\n[[client]]\nid = \"" << id << "\"\nname = \"Client " << id << "\"\n"
         << "emails = [\"" << id << "@example.org\"]\n"
         << "expects = [{ kind = \"bank_statement\", every = \"month\", due_day = 5 }]\n";
  }
  std::ofstream(dir.Join("liasse.toml")) << toml.str();
  auto to_clients = [&] {
    std::map<std::string, int> copies;
    std::vector<std::string> staff;
    for (const std::string& raw : sink.Messages()) {
      absl::StatusOr<MailMessage> m = ParseMailMessage(raw);
      if (!m.ok() || m->to.empty()) continue;
      if (m->to[0] == "staff@cabinet.fr") {
        staff.push_back(m->body_text);
      } else {
        ++copies[m->to[0]];
      }
    }
    return std::make_pair(copies, staff);
  };
  int run = 0;
  pid_t daemon = StartDaemon(dir.path(), run++, dir.Join("liasse.toml"));
  // Kill as soon as a few reminders are out, the rest still to send.
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline && sink.Messages().size() < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(daemon, SIGKILL);
  ::waitpid(daemon, nullptr, 0);
  size_t at_kill = to_clients().first.size();
  EXPECT_GE(at_kill, 1u);
  daemon = StartDaemon(dir.path(), run++, dir.Join("liasse.toml"));
  ASSERT_TRUE(WaitForSocket(dir.path(), std::chrono::seconds(30)));
  // Settles: every client has its reminder, or staff were told about it.
  std::map<std::string, int> copies;
  std::vector<std::string> staff;
  deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    std::tie(copies, staff) = to_clients();
    int accounted = static_cast<int>(copies.size());
    for (int i = 0; i < kClients; ++i) {
      std::string id = absl::StrCat("c", i < 10 ? "0" : "", i);
      if (copies.count(id + "@example.org")) continue;
      for (const std::string& body : staff) {
        if (body.find("(" + id + ")") != std::string::npos) {
          ++accounted;
          break;
        }
      }
    }
    if (accounted == kClients) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(daemon, SIGTERM);
  ::waitpid(daemon, nullptr, 0);
  int missing = 0;
  for (int i = 0; i < kClients; ++i) {
    std::string id = absl::StrCat("c", i < 10 ? "0" : "", i);
    int n = copies.count(id + "@example.org") ? copies[id + "@example.org"] : 0;
    EXPECT_LE(n, 1) << id << " got the same reminder twice";
    if (n == 0) {
      ++missing;
      bool told = false;
      for (const std::string& body : staff) told |= body.find("(" + id + ")") != std::string::npos;
      EXPECT_TRUE(told) << id << " got nothing and staff were not told";
    }
  }
  EXPECT_LE(missing, 1);  // at most the one in flight at the kill
  std::cout << "reminders delivered before the kill: " << at_kill << "; after restart: "
            << copies.size() << " of " << kClients << " clients, " << missing
            << " in doubt and reported to staff\n";
}

}  // namespace
}  // namespace liasse
