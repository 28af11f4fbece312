// liassed as a process: started on a temp dir, readiness read from a real
// NOTIFY_SOCKET, the real `liasse` CLI calling it, signals sent to it.
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/dovecot.h"  // FreePort
#include "tests/testing/oauth_server.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

using ::liasse::testing::OAuthServer;
using ::liasse::testing::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion with `cwd` as working directory.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& cwd) {
  std::string out_path = cwd + "/.cmd.out";
  std::string err_path = cwd + "/.cmd.err";
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::unsetenv("LIASSE_SOCKET");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(out_path);
  r.err = ReadAll(err_path);
  return r;
}

// A liassed child process with its own NOTIFY_SOCKET.
class Liassed {
 public:
  Liassed(const std::string& dir, std::vector<std::string> args,
          std::vector<std::string> env = {})
      : dir_(dir) {
    static int counter = 0;
    notify_path_ = absl::StrCat(dir, "/notify-", ++counter, ".sock");
    stderr_path_ = absl::StrCat(dir, "/liassed-", counter, ".log");
    notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", notify_path_.c_str());
    ::bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    pid_ = ::fork();
    if (pid_ == 0) {
      // A test that crashes must not leave a daemon holding ctest's pipe.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::chdir(dir.c_str()) != 0) ::_exit(127);
      int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(err, 2);
      ::setenv("NOTIFY_SOCKET", notify_path_.c_str(), 1);
      ::unsetenv("WATCHDOG_USEC");
      ::unsetenv("WATCHDOG_PID");
      for (const std::string& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(LIASSED_PATH));
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(LIASSED_PATH, argv.data());
      ::_exit(127);
    }
  }

  ~Liassed() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(notify_fd_);
  }

  // Waits for a notify datagram containing `what`; records every message.
  bool WaitForNotify(const std::string& what, std::chrono::seconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (absl::StrContains(notes_, what)) return true;
      pollfd p{notify_fd_, POLLIN, 0};
      int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - Clock::now())
                                    .count());
      if (::poll(&p, 1, std::max(ms, 1)) > 0) {
        char buf[4096];
        ssize_t n = ::recv(notify_fd_, buf, sizeof(buf), 0);
        if (n > 0) notes_.append(buf, static_cast<size_t>(n)).append("\n");
      }
      if (HasExited()) return absl::StrContains(notes_, what);
    }
    return absl::StrContains(notes_, what);
  }

  void Signal(int signo) { ::kill(pid_, signo); }

  bool HasExited() {
    if (exited_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exited_;
  }

  // The exit status, or -1 if it did not exit within `timeout`.
  int WaitForExit(std::chrono::seconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (HasExited()) return exit_code_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return HasExited() ? exit_code_ : -1;
  }

  // Polls the log until it contains `what`.
  bool WaitForLog(const std::string& what, std::chrono::seconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (absl::StrContains(Log(), what)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::string Log() const { return ReadAll(stderr_path_); }
  const std::string& notes() const { return notes_; }
  pid_t pid() const { return pid_; }

 private:
  std::string dir_;
  std::string notify_path_;
  std::string stderr_path_;
  int notify_fd_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string notes_;
};

CommandResult Cli(const std::string& cwd, std::vector<std::string> args) {
  args.insert(args.begin(), LIASSE_CLI_PATH);
  return RunCommand(args, cwd);
}

// Polls a CLI command until its output contains `what`.
bool WaitForCliOutput(const std::string& cwd, const std::vector<std::string>& args,
                      const std::string& what, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (absl::StrContains(Cli(cwd, args).out, what)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// `liasse doctor`: a count the triggers keep, put wrong behind the daemon's
// back, is reported (exit 1) and rebuilt from the rows by --repair.
TEST(LiassedProcessTest, DoctorReportsAWrongCountAndRepairRebuildsIt) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  CommandResult healthy = Cli(dir.path(), {"doctor"});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out << healthy.err;
  EXPECT_TRUE(absl::StrContains(healthy.out, "database file: ok\ncounts: ok")) << healthy.out;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.Join("var/liasse.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  EXPECT_EQ(sqlite3_exec(db,
                         "UPDATE event_count SET n = n + 5 WHERE kind = 'client_added';"
                         "INSERT INTO document_count (client_id, status, n) VALUES ('acme', 'done', 2)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  CommandResult sick = Cli(dir.path(), {"doctor"});
  EXPECT_EQ(sick.exit_code, 1) << sick.out << sick.err;
  EXPECT_TRUE(absl::StrContains(sick.out, "counts: 2 wrong")) << sick.out;
  EXPECT_TRUE(absl::StrContains(sick.out, "documents of acme, done: 2 kept, 0 in the table"))
      << sick.out;
  EXPECT_TRUE(absl::StrContains(sick.out, "events client_added: 6 kept, 1 in the table"))
      << sick.out;
  CommandResult repair = Cli(dir.path(), {"doctor", "--repair"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_TRUE(absl::StrContains(repair.out, "rebuilt from the rows")) << repair.out;
  CommandResult after = Cli(dir.path(), {"doctor"});
  EXPECT_EQ(after.exit_code, 0) << after.out;
  EXPECT_TRUE(absl::StrContains(after.out, "counts: ok")) << after.out;
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0) << daemon.Log();
}

TEST(LiassedProcessTest, EmbeddedDefaultServesStatusAndStopsCleanly) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30)))
      << daemon.Log();
  EXPECT_TRUE(absl::StrContains(daemon.notes(), "STATUS=serving"));

  struct stat st;
  ASSERT_EQ(::stat(dir.Join("var/liasse.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_TRUE(fs::exists(dir.Join("var/liasse.db")));
  EXPECT_TRUE(fs::is_directory(dir.Join("var/archive")));

  CommandResult status = Cli(dir.path(), {"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json j = nlohmann::json::parse(status.out);
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  EXPECT_EQ(j["client_count"], "1");  // int64 is a string in proto JSON
  EXPECT_EQ(j["config_source"], "embedded default");
  EXPECT_TRUE(j.contains("uptime_seconds"));
  EXPECT_EQ(j["queue"].size(), 8u);

  CommandResult table = Cli(dir.path(), {"status"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(table.out, "clients    1 ")) << table.out;

  // A folder created while running is a new client.
  fs::create_directories(dir.Join("var/inbox/bolt"));
  EXPECT_TRUE(WaitForCliOutput(dir.path(), {"clients"}, "bolt",
                               std::chrono::seconds(10)));
  CommandResult events = Cli(dir.path(), {"events", "--json"});
  ASSERT_EQ(events.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(events.out, R"("kind":"client_added","client":"bolt")"))
      << events.out;

  auto stop_start = Clock::now();
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0) << daemon.Log();
  EXPECT_LT(Clock::now() - stop_start, std::chrono::seconds(10));
  EXPECT_TRUE(absl::StrContains(daemon.Log(), "event=stopped"));
  EXPECT_FALSE(fs::exists(dir.Join("var/liasse.sock")));
}

TEST(LiassedProcessTest, FollowingEventsStreamEndsOnSigterm) {
  TempDir dir;
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30)))
      << daemon.Log();
  // A follower keeps a stream open; stopping must not wait for it forever.
  pid_t follower = ::fork();
  if (follower == 0) {
    if (::chdir(dir.path().c_str()) != 0) ::_exit(127);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(LIASSE_CLI_PATH, LIASSE_CLI_PATH, "events", "--follow", nullptr);
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  daemon.Signal(SIGINT);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0) << daemon.Log();
  ::kill(follower, SIGKILL);
  ::waitpid(follower, nullptr, 0);
}

TEST(LiassedProcessTest, SighupWithBrokenConfigKeepsServingOldOne) {
  TempDir dir;
  std::string config = dir.Join("liasse.toml");
  std::ofstream(config) << "[daemon]\nstate_dir = \"state\"\ninbox_root = "
                           "\"clients\"\nlisten = \"unix:state/l.sock\"\n\n"
                           "[[client]]\nid = \"acme\"\n";
  Liassed daemon(dir.path(), {"--config", config});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30)))
      << daemon.Log();
  std::string socket = dir.Join("state/l.sock");

  std::ofstream(config) << "[daemon]\nstate_dir = \"state\"\nworkres = 2\n";
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLog("event=reload_rejected", std::chrono::seconds(10)))
      << daemon.Log();
  EXPECT_TRUE(absl::StrContains(daemon.Log(), "liasse.toml:3: [daemon] workres: unknown key"))
      << daemon.Log();
  CommandResult status = Cli(dir.path(), {"--socket", socket, "status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["client_count"], "1");

  // A valid new config is applied: a new client appears.
  std::ofstream(config) << "[daemon]\nstate_dir = \"state\"\ninbox_root = "
                           "\"clients\"\nlisten = \"unix:state/l.sock\"\n"
                           "log_level = \"debug\"\n\n[[client]]\nid = \"acme\"\n"
                           "[[client]]\nid = \"newco\"\nname = \"NewCo SAS\"\n";
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLog("event=reloaded", std::chrono::seconds(10)))
      << daemon.Log();
  CommandResult client = Cli(dir.path(), {"--socket", socket, "client", "newco"});
  ASSERT_EQ(client.exit_code, 0) << client.err;
  EXPECT_TRUE(absl::StrContains(client.out, "NewCo SAS"));

  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0) << daemon.Log();
}

// A delegated mailbox signed in through the CLI: the daemon runs the device
// login against a real token endpoint and keeps the tokens; no token is
// ever printed or logged.
TEST(LiassedProcessTest, OAuthLoginThroughTheCliKeepsTokensTheDaemonNeverLogs) {
  OAuthServer server;
  ASSERT_TRUE(server.ready());
  server.SetPollInterval(1);
  server.Set("approve");
  TempDir dir;
  std::string config = dir.Join("liasse.toml");
  std::ofstream(config) << "[daemon]\nstate_dir = \"state\"\ninbox_root = \"clients\"\n"
                           "listen = \"unix:state/l.sock\"\n\n"
                           "[[oauth]]\nname = \"boite\"\nprovider = \"custom\"\n"
                           "grant = \"device_code\"\nclient_id = \"" << OAuthServer::kClientId << "\"\n"
                        << "token_url = \"" << server.token_url() << "\"\n"
                        << "device_url = \"" << server.device_url() << "\"\n"
                        // A mailbox on the profile: before the login it cannot
                        // have a token, which staff hear of once.
                        << "\n[[mailbox]]\nname = \"collecte\"\nurl = \"imap://127.0.0.1:"
                        << liasse::testing::FreePort() << "/\"\nusername = \"collecte@cabinet.fr\"\n"
                        << "oauth = \"boite\"\n";
  Liassed daemon(dir.path(), {"--config", config});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  std::string socket = dir.Join("state/l.sock");
  CommandResult before = Cli(dir.path(), {"--socket", socket, "oauth", "status", "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_FALSE(nlohmann::json::parse(before.out).value("has_token", false)) << before.out;

  ASSERT_TRUE(WaitForCliOutput(dir.path(), {"--socket", socket, "events"},
                               "connexion OAuth « boite » bloquée", std::chrono::seconds(20)))
      << daemon.Log();
  CommandResult login = Cli(dir.path(), {"--socket", socket, "oauth", "login", "boite"});
  ASSERT_EQ(login.exit_code, 0) << login.err << daemon.Log();
  EXPECT_TRUE(absl::StrContains(login.out, "open https://login.example/device and enter the code WDJB-MJHT"))
      << login.out;
  EXPECT_TRUE(absl::StrContains(login.out, "Signed in")) << login.out;

  CommandResult after = Cli(dir.path(), {"--socket", socket, "oauth", "status", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  nlohmann::json profile = nlohmann::json::parse(after.out);
  EXPECT_EQ(profile["name"], "boite");
  EXPECT_EQ(profile["has_token"], true);
  nlohmann::json saved = nlohmann::json::parse(ReadAll(dir.Join("state/oauth/boite.json")));
  std::string access = saved["access_token"], refresh = saved["refresh_token"];
  ASSERT_FALSE(access.empty());
  for (const std::string& text : {daemon.Log(), login.out, login.err, after.out}) {
    EXPECT_FALSE(absl::StrContains(text, access));
    EXPECT_FALSE(absl::StrContains(text, refresh));
  }
  CommandResult events = Cli(dir.path(), {"--socket", socket, "events"});
  int escalations = 0;
  for (size_t at = 0; (at = events.out.find("connexion OAuth", at)) != std::string::npos; ++at) {
    ++escalations;
  }
  EXPECT_EQ(escalations, 1) << events.out;  // once, though the mailbox keeps asking
  CommandResult wrong = Cli(dir.path(), {"--socket", socket, "oauth", "login", "nope"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(wrong.err, "no [[oauth]] profile named nope")) << wrong.err;
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0) << daemon.Log();
}

TEST(LiassedProcessTest, SecondDaemonOnSameStateDirRefuses) {
  TempDir dir;
  Liassed first(dir.path(), {});
  ASSERT_TRUE(first.WaitForNotify("READY=1", std::chrono::seconds(30)))
      << first.Log();
  Liassed second(dir.path(), {});
  EXPECT_EQ(second.WaitForExit(std::chrono::seconds(10)), 1);
  EXPECT_TRUE(absl::StrContains(
      second.Log(), absl::StrCat("another liassed (pid ", first.pid(),
                                 ") is already running on state dir")))
      << second.Log();
  // The first one is unharmed.
  EXPECT_EQ(Cli(dir.path(), {"status"}).exit_code, 0);
}

TEST(LiassedProcessTest, RestartsOverStaleSocketOfKilledDaemon) {
  TempDir dir;
  {
    Liassed killed(dir.path(), {});
    ASSERT_TRUE(killed.WaitForNotify("READY=1", std::chrono::seconds(30)));
    killed.Signal(SIGKILL);
    killed.WaitForExit(std::chrono::seconds(10));
  }
  ASSERT_TRUE(fs::exists(dir.Join("var/liasse.sock")));  // left behind
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30)))
      << daemon.Log();
  EXPECT_EQ(Cli(dir.path(), {"status"}).exit_code, 0);
}

TEST(LiassedProcessTest, PingsWatchdogWhenAsked) {
  TempDir dir;
  Liassed daemon(dir.path(), {}, {"WATCHDOG_USEC=200000"});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30)));
  EXPECT_TRUE(daemon.WaitForNotify("WATCHDOG=1", std::chrono::seconds(5)));
}

TEST(LiassedProcessTest, InvalidConfigAtStartExitsWithStatus2) {
  TempDir dir;
  std::string config = dir.Join("bad.toml");
  std::ofstream(config) << "[ocr]\ndpi = 5\n";
  Liassed daemon(dir.path(), {"--config", config});
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 2);
  EXPECT_TRUE(absl::StrContains(daemon.Log(), "bad.toml:2: [ocr] dpi: must be between"))
      << daemon.Log();
  CommandResult check = RunCommand({LIASSED_PATH, "--check-config", "--config", config}, dir.path());
  EXPECT_EQ(check.exit_code, 2);
}

TEST(LiassedProcessTest, SubmitOpenBackupAndPurgeThroughTheCli) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  fs::create_directories(dir.Join("var/inbox/gone"));
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  std::ofstream(dir.Join("note.txt")) << "not a document Liasse can read";
  CommandResult submit = Cli(dir.path(), {"submit", "acme", dir.Join("note.txt"), "--json"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  nlohmann::json doc = nlohmann::json::parse(submit.out);
  EXPECT_EQ(doc["source"], "upload");
  std::string id = doc["id"].get<std::string>();
  CommandResult open = Cli(dir.path(), {"open", id, "-o", dir.Join("back.txt")});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  EXPECT_EQ(ReadAll(dir.Join("back.txt")), "not a document Liasse can read");
  // Without -o the server's name is used, never over an existing file.
  std::ofstream(dir.Join("note.txt"), std::ios::trunc) << "the staff member's own";
  CommandResult named = Cli(dir.path(), {"open", id});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, "note (2).txt\n");
  EXPECT_EQ(ReadAll(dir.Join("note.txt")), "the staff member's own");
  EXPECT_EQ(ReadAll(dir.Join("note (2).txt")), "not a document Liasse can read");
  // It ends quarantined (unsupported type), with its reason, and is kept.
  EXPECT_TRUE(WaitForCliOutput(dir.path(), {"document", id}, "quarantined",
                               std::chrono::seconds(20)));
  EXPECT_TRUE(absl::StrContains(Cli(dir.path(), {"document", id}).out, "unsupported_type"));

  CommandResult backup = Cli(dir.path(), {"backup", dir.Join("backup")});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_TRUE(fs::exists(dir.Join("backup/liasse.db")));
  struct stat st;  // every document's text and IBAN: private whatever the umask
  ASSERT_EQ(::stat(dir.Join("backup/liasse.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.Join("backup").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  int originals = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.Join("backup/archive"))) {
    if (e.is_regular_file()) ++originals;
  }
  EXPECT_EQ(originals, 1);

  // Purge: refused while the client is still there, then allowed.
  std::ofstream(dir.Join("gone.txt")) << "gone's document";
  ASSERT_EQ(Cli(dir.path(), {"submit", "gone", dir.Join("gone.txt")}).exit_code, 0);
  EXPECT_EQ(Cli(dir.path(), {"purge", "gone", "--confirm"}).exit_code, 1);
  fs::remove_all(dir.Join("var/inbox/gone"));
  ASSERT_TRUE(WaitForCliOutput(dir.path(), {"clients"}, "(not in config)",
                               std::chrono::seconds(10)));
  EXPECT_EQ(Cli(dir.path(), {"purge", "gone"}).exit_code, 1);  // no --confirm
  CommandResult purge = Cli(dir.path(), {"purge", "gone", "--confirm"});
  ASSERT_EQ(purge.exit_code, 0) << purge.err;
  EXPECT_TRUE(absl::StrContains(purge.out, "1 documents, 1 originals deleted")) << purge.out;
  EXPECT_TRUE(absl::StrContains(Cli(dir.path(), {"events"}).out, "purged"));
  EXPECT_FALSE(absl::StrContains(Cli(dir.path(), {"clients"}).out, "gone"));
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0);
}

// A file the daemon may not read stays where it is, is logged, and does not
// stop the files next to it. As root the daemon runs as nobody for this
// (root reads everything).
TEST(LiassedProcessTest, UnreadableFileStaysAndOthersAreTakenIn) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  testing::WriteFile(dir.Join("var/inbox/acme/secret.pdf"), "%PDF-1.4 private");
  ::chmod(dir.Join("var/inbox/acme/secret.pdf").c_str(), 0600);
  bool root = ::geteuid() == 0;
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  if (root) {
    // Everything but the secret file belongs to the daemon's user.
    ::chmod(dir.path().c_str(), 0755);
    std::system(absl::StrCat("chown -R nobody ", dir.Join("var")).c_str());
    ::chown(dir.Join("var/inbox/acme/secret.pdf").c_str(), 0, 0);
  } else {
    ::chmod(dir.Join("var/inbox/acme/secret.pdf").c_str(), 0);
  }
  std::string log = dir.Join("liassed.log");
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.path().c_str()) != 0) ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    ::dup2(fd, 2);
    if (root && (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0)) ::_exit(126);
    ::execl(LIASSED_PATH, LIASSED_PATH, nullptr);
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(dir.Join("var/liasse.sock")) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  testing::WriteFile(dir.Join("var/inbox/acme/ok.pdf"), "%PDF-1.4 readable");
  if (root) ::chown(dir.Join("var/inbox/acme/ok.pdf").c_str(), nobody->pw_uid, 0);
  bool taken = false;
  while (!taken && std::chrono::steady_clock::now() < deadline) {
    taken = !fs::exists(dir.Join("var/inbox/acme/ok.pdf"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string text = ReadAll(log);
  EXPECT_TRUE(taken) << text;
  EXPECT_TRUE(fs::exists(dir.Join("var/inbox/acme/secret.pdf")));  // never lost
  EXPECT_TRUE(absl::StrContains(text, "event=intake_failed client=acme")) << text;
  EXPECT_TRUE(absl::StrContains(text, "PERMISSION_DENIED")) << text;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
}

// Waits until `path` no longer exists (the daemon took the file).
bool WaitUntilGone(const std::string& path, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (fs::exists(path) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !fs::exists(path);
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// A link in the inbox root is not a client folder: the files it points at
// are neither read nor moved.
TEST(LiassedProcessTest, ALinkInTheInboxRootIsNeverFollowed) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  fs::create_directories(dir.Join("victim"));
  testing::WriteFile(dir.Join("victim/private.pdf"), "%PDF-1.4 not a client's");
  fs::create_directory_symlink(dir.Join("victim"), dir.Join("var/inbox/evil"));
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  testing::WriteFile(dir.Join("var/inbox/acme/ok.pdf"), "%PDF-1.4 the client's");
  ASSERT_TRUE(WaitUntilGone(dir.Join("var/inbox/acme/ok.pdf"), std::chrono::seconds(30)))
      << daemon.Log();
  EXPECT_TRUE(fs::exists(dir.Join("victim/private.pdf")));
  EXPECT_FALSE(fs::exists(dir.Join("victim/.processed")));
  CommandResult clients = Cli(dir.path(), {"clients", "--json"});
  EXPECT_FALSE(absl::StrContains(clients.out, "evil")) << clients.out;
  EXPECT_EQ(JsonLines(Cli(dir.path(), {"documents", "--json"}).out).size(), 1u);
}

// A rescan (here: a new client folder in the inbox root) sees a file while
// its writer pauses mid-way: it is taken whole once closed, never as a torn
// copy with the rest moved away unread.
TEST(LiassedProcessTest, AFileStillBeingWrittenDuringARescanIsTakenWhole) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  std::string pdf = testing::MakeTextPdf({testing::FrenchInvoiceLines()});
  std::string path = dir.Join("var/inbox/acme/facture.pdf");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  size_t half = pdf.size() / 2;
  ASSERT_EQ(::write(fd, pdf.data(), half), static_cast<ssize_t>(half));
  fs::create_directories(dir.Join("var/inbox/bolt"));  // a full rescan
  ASSERT_TRUE(WaitForCliOutput(dir.path(), {"clients"}, "bolt", std::chrono::seconds(10)));
  // The slow writer pauses longer than the settle interval.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_TRUE(fs::exists(path)) << "taken while still open for writing";
  ASSERT_EQ(::write(fd, pdf.data() + half, pdf.size() - half),
            static_cast<ssize_t>(pdf.size() - half));
  ::close(fd);
  ASSERT_TRUE(WaitUntilGone(path, std::chrono::seconds(30))) << daemon.Log();
  std::vector<nlohmann::json> docs =
      JsonLines(Cli(dir.path(), {"documents", "--client", "acme", "--json"}).out);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["size_bytes"].get<std::string>(), std::to_string(pdf.size())) << docs[0];
}

// `liasse document` shows what was read as a table staff can read, typed
// fields in --json (GetDocument's Fields message), never a JSON string.
TEST(LiassedProcessTest, DocumentShowsTypedFieldsAsATable) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  Liassed daemon(dir.path(), {});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  testing::WriteFile(dir.Join("facture.pdf"), testing::MakeTextPdf({testing::FrenchInvoiceLines()}));
  CommandResult submit = Cli(dir.path(), {"submit", "acme", dir.Join("facture.pdf"), "--json"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::string id = nlohmann::json::parse(submit.out)["id"].get<std::string>();
  ASSERT_TRUE(WaitForCliOutput(dir.path(), {"document", id}, "total incl. tax",
                               std::chrono::seconds(60)))
      << daemon.Log();
  std::vector<nlohmann::json> json = JsonLines(Cli(dir.path(), {"document", id, "--json"}).out);
  ASSERT_EQ(json.size(), 1u);
  nlohmann::json fields = json[0].value("fields", nlohmann::json());
  ASSERT_TRUE(fields.is_object()) << json[0];
  EXPECT_EQ(fields.value("total_incl_tax", ""), "1481.47") << fields;
  EXPECT_EQ(fields.value("supplier_siren", ""), "732829320") << fields;
  std::string table = Cli(dir.path(), {"document", id}).out;
  EXPECT_TRUE(absl::StrContains(table, "  total incl. tax   1481.47 EUR\n")) << table;
  EXPECT_TRUE(absl::StrContains(table, "  supplier SIREN    732829320\n")) << table;
  EXPECT_FALSE(absl::StrContains(table, "{")) << table;
}

// A file over [ocr] max_file_mb is not copied: it stays where the client put
// it, and staff are told once (an escalation for the digest), not at every
// rescan; a FIFO is never opened and is said once too.
TEST(LiassedProcessTest, AnOversizedFileStaysAndIsReportedOnce) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  testing::WriteFile(dir.Join("liasse.toml"),
                     "[daemon]\nstate_dir = \"var\"\ninbox_root = \"var/inbox\"\n"
                     "listen = \"unix:var/liasse.sock\"\n[ocr]\nmax_file_mb = 1\n");
  testing::WriteFile(dir.Join("var/inbox/acme/huge.pdf"), std::string(2 << 20, 'x'));
  ASSERT_EQ(::mkfifo(dir.Join("var/inbox/acme/pipe.pdf").c_str(), 0644), 0);
  Liassed daemon(dir.path(), {"--config", dir.Join("liasse.toml")});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  ASSERT_TRUE(WaitForCliOutput(dir.path(), {"events", "--json"}, "file_too_large",
                               std::chrono::seconds(20)))
      << daemon.Log();
  daemon.Signal(SIGHUP);  // a rescan: not said again
  ASSERT_TRUE(daemon.WaitForLog("event=reloaded", std::chrono::seconds(10))) << daemon.Log();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // past the settle interval
  std::string events = Cli(dir.path(), {"events", "--json"}).out;
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = events.find(what); at != std::string::npos; at = events.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("file_too_large"), 1u) << events;
  EXPECT_EQ(count("not_a_regular_file"), 1u) << events;
  EXPECT_TRUE(fs::exists(dir.Join("var/inbox/acme/huge.pdf")));
  EXPECT_TRUE(JsonLines(Cli(dir.path(), {"documents", "--json"}).out).empty());
}

// A CII e-invoice: `taxes` are (rate %, base, VAT) as printed.
std::string CiiInvoice(const std::string& number, const std::string& type_code,
                       const std::string& date, const std::string& seller,
                       const std::string& seller_siren, const std::string& buyer,
                       const std::string& buyer_siren,
                       const std::vector<std::array<std::string, 3>>& taxes,
                       const std::string& net, const std::string& tax, const std::string& total) {
  auto party = [](const std::string& role, const std::string& name, const std::string& siren) {
    int key = static_cast<int>((12 + 3 * (std::stoll(siren) % 97)) % 97);
    return absl::StrCat("<ram:", role, "><ram:Name>", name, "</ram:Name>",
                        "<ram:SpecifiedLegalOrganization><ram:ID schemeID=\"0002\">", siren,
                        "</ram:ID></ram:SpecifiedLegalOrganization>",
                        "<ram:PostalTradeAddress><ram:LineOne>1 rue de la Paix</ram:LineOne>"
                        "<ram:CityName>Paris</ram:CityName><ram:PostcodeCode>75002</ram:PostcodeCode>"
                        "<ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>",
                        "<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">FR",
                        absl::StrFormat("%02d", key), siren,
                        "</ram:ID></ram:SpecifiedTaxRegistration></ram:", role, ">");
  };
  std::string tax_xml;
  for (const auto& [rate, base, amount] : taxes) {
    absl::StrAppend(&tax_xml, "<ram:ApplicableTradeTax><ram:CalculatedAmount>", amount,
                    "</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>",
                    base, "</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>"
                    "<ram:RateApplicablePercent>", rate,
                    "</ram:RateApplicablePercent></ram:ApplicableTradeTax>");
  }
  return absl::StrCat(
      R"(<?xml version="1.0"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:ExchangedDocument><ram:ID>)", number, "</ram:ID><ram:TypeCode>", type_code,
      R"(</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="102">)", date,
      R"(</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>)",
      party("SellerTradeParty", seller, seller_siren), party("BuyerTradeParty", buyer, buyer_siren),
      R"(</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeSettlement>
<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>)",
      tax_xml,
      "<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>", net,
      "</ram:LineTotalAmount><ram:TaxBasisTotalAmount>", net,
      R"(</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="EUR">)", tax,
      "</ram:TaxTotalAmount><ram:GrandTotalAmount>", total,
      "</ram:GrandTotalAmount><ram:DuePayableAmount>", total,
      "</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
      "</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction>"
      "</rsm:CrossIndustryInvoice>\n");
}

// A month's purchases, a credit note and a sale, exported as proposed
// entries in the FEC layout and read back by an independent parser
// (tests/process/fec_check.py: Python's csv module).
TEST(LiassedProcessTest, AFecExportOfAPeriodIsReadBackBalancedByAnIndependentParser) {
  TempDir dir;
  fs::create_directories(dir.Join("var/inbox/acme"));
  testing::WriteFile(dir.Join("liasse.toml"),
                     "[daemon]\nstate_dir = \"var\"\ninbox_root = \"var/inbox\"\n"
                     "listen = \"unix:var/liasse.sock\"\n"
                     "[accounting]\njournals = { purchases = \"AC\" }\nsuppliers = \"4010000\"\n"
                     "bank_labels = { \"FRAIS\" = \"6270000\" }\n"
                     "[[client]]\nid = \"acme\"\nname = \"ACME SAS\"\nvat = \"FR44732829320\"\n"
                     "legal_names = [\"ACME SAS\"]\n"
                     "accounting = { expense = \"6060000\" }\n");
  const std::string client = "732829320", supplier = "552100554", customer = "542065479",
                    grocer = "443061841";
  std::map<std::string, std::string> files = {
      {"f1.xml", CiiInvoice("F-1", "380", "20261005", "Fournitures Dupont", supplier, "ACME SAS",
                            client, {{"20", "100.00", "20.00"}}, "100.00", "20.00", "120.00")},
      {"f2.xml", CiiInvoice("F-2", "380", "20261012", "Épicerie Martin", grocer, "ACME SAS", client,
                            {{"20", "50.00", "10.00"}, {"5.5", "40.00", "2.20"}}, "90.00", "12.20",
                            "102.20")},
      {"a1.xml", CiiInvoice("A-1", "381", "20261020", "Fournitures Dupont", supplier, "ACME SAS",
                            client, {{"20", "10.00", "2.00"}}, "10.00", "2.00", "12.00")},
      {"v1.xml", CiiInvoice("V-1", "380", "20261025", "ACME SAS", client, "Garage Durand", customer,
                            {{"20", "200.00", "40.00"}}, "200.00", "40.00", "240.00")},
      {"nov.xml", CiiInvoice("F-9", "380", "20261103", "Fournitures Dupont", supplier, "ACME SAS",
                             client, {{"20", "10.00", "2.00"}}, "10.00", "2.00", "12.00")}};
  for (const auto& [name, xml] : files) testing::WriteFile(dir.Join("var/inbox/acme/" + name), xml);
  Liassed daemon(dir.path(), {"--config", dir.Join("liasse.toml")});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  // October's statement: the customer pays V-1, the bank takes its fee.
  testing::WriteFile(dir.Join("var/inbox/acme/releve.csv"),
                     "Date;Libellé;Débit;Crédit\n"
                     "28/10/2026;VIR GARAGE DURAND;;240,00\n"
                     "31/10/2026;FRAIS TENUE DE COMPTE;8,50;\n");
  auto done = [&] {
    return JsonLines(Cli(dir.path(), {"documents", "--status", "done", "--json"}).out).size();
  };
  for (int i = 0; i < 300 && done() < files.size() + 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(done(), files.size() + 1) << Cli(dir.path(), {"documents"}).out << daemon.Log();

  // Staff book one of Dupont's invoices on 6063000: its other documents follow.
  std::string f1;
  for (const nlohmann::json& d : JsonLines(Cli(dir.path(), {"documents", "--json"}).out)) {
    if (d["original_name"] == "f1.xml") f1 = d["id"].get<std::string>();
  }
  ASSERT_FALSE(f1.empty());
  CommandResult bad = Cli(dir.path(), {"review", f1, "--account", "606 3"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(bad.err, "letters and digits")) << bad.err;
  CommandResult reviewed = Cli(dir.path(), {"review", f1, "--account", "6063000"});
  ASSERT_EQ(reviewed.exit_code, 0) << reviewed.out << reviewed.err;

  // Last year's FEC from the firm's software knows the customer as CDURAND.
  testing::WriteFile(
      dir.Join("last-year.txt"),
      "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
      "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
      "ValidDate\tMontantdevise\tIdevise\r\n"
      "VT\tVentes\t1\t20250310\t4110000\tClients\tCDURAND\tGARAGE DURAND SARL\tV-0\t20250310\t"
      "V-0\t120,00\t0,00\t\t\t20250331\t\t\r\n"
      "VT\tVentes\t1\t20250310\t7061000\tPrestations\t\t\tV-0\t20250310\tV-0\t0,00\t"
      "100,00\t\t\t20250331\t\t\r\n"
      "VT\tVentes\t1\t20250310\t4457100\tTVA\t\t\tV-0\t20250310\tV-0\t0,00\t20,00\t\t\t"
      "20250331\t\t\r\n");
  CommandResult imported = Cli(dir.path(), {"import-fec", "acme", dir.Join("last-year.txt")});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_EQ(imported.out, "3 line(s) read: 1 third party known, 1 with their usual account\n");
  EXPECT_NE(Cli(dir.path(), {"import-fec", "acme", dir.Join("liasse.toml")}).exit_code, 0);

  CommandResult r = Cli(dir.path(), {"export", "acme", "2026-10", "out", "--format", "fec"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "6 entries proposed")) << r.out;
  std::string fec = dir.Join("out/732829320FEC20261231.txt");
  ASSERT_TRUE(fs::exists(fec)) << r.out;
  CommandResult check = RunCommand({"/usr/bin/python3", LIASSE_SOURCE_DIR "/tests/process/fec_check.py", fec},
                                   dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  // 3 lines + 5 (two rates) + 3 + 3, then the bank's 2 + 2; 120 + 102.20 +
  // 12 + 240, then 240 + 8.50 on each side; the sale and its payment lettered.
  EXPECT_EQ(check.out, "entries 6 lines 18 debit 722.70 lettered 1\n");
  std::ifstream in(fec, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The client's accounts, Latin-9 text, and the credit note the other way round.
  EXPECT_TRUE(absl::StrContains(text, "AC\tAchats\t1\t20261005\t4010000\tFournisseurs\tF552100554\t"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "\t2\t20261012\t6060000\t")) << text;  // the client's
  EXPECT_TRUE(absl::StrContains(text, "\t1\t20261005\t6063000\t")) << text;  // staff's, learned
  EXPECT_TRUE(absl::StrContains(text, "\t3\t20261020\t6063000\t")) << text;  // the next one
  EXPECT_TRUE(absl::StrContains(text, "\xC9picerie Martin F-2")) << text;
  EXPECT_TRUE(absl::StrContains(text, "\tA-1\t20261020\tFournitures Dupont A-1\t12,00\t0,00\t"))
      << text;
  // The customer the firm's books know: its account, not a new one.
  EXPECT_TRUE(absl::StrContains(
      text, "VT\tVentes\t4\t20261025\t411\tClients\tCDURAND\tGARAGE DURAND SARL\t"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "\t4\t20261025\t7061000\t")) << text;
  EXPECT_FALSE(absl::StrContains(text, "C542065479")) << text;
  EXPECT_TRUE(absl::StrContains(r.out, "since the last export of 2026-10: 6 added, 0 changed, "
                                       "0 removed"))
      << r.out;

  // The same entries, read over the API (liasse entries): in the file's order.
  CommandResult listed_entries = Cli(dir.path(), {"entries", "acme", "2026-10", "--json"});
  ASSERT_EQ(listed_entries.exit_code, 0) << listed_entries.err;
  nlohmann::json entries = nlohmann::json::parse(listed_entries.out);
  ASSERT_EQ(entries["entries"].size(), 6u) << listed_entries.out;
  EXPECT_EQ(entries["entries"][0]["piece_ref"], "F-1");
  EXPECT_EQ(entries["entries"][0]["lines"][0]["account"], "4010000");
  EXPECT_EQ(entries["entries"][0]["lines"][0]["credit"], "120.00");
  EXPECT_EQ(entries["entries"][1]["lines"].size(), 5u);  // two rates
  EXPECT_EQ(entries["entries"][3]["journal"], "VT");
  // The bank journal: the customer's transfer pays V-1 (lettered with it),
  // the fee goes on the account its label's rule names.
  EXPECT_EQ(entries["entries"][4]["journal"], "BQ");
  EXPECT_EQ(entries["entries"][4]["lines"][0]["aux"], "CDURAND");
  EXPECT_EQ(entries["entries"][4]["lines"][0]["credit"], "240.00");
  EXPECT_NE(entries["entries"][4]["lines"][0]["lettering"], "");
  EXPECT_EQ(entries["entries"][4]["lines"][0]["lettering"],
            entries["entries"][3]["lines"][0]["lettering"]);
  EXPECT_EQ(entries["entries"][5]["lines"][0]["account"], "6270000");
  EXPECT_TRUE(entries["to_review"].empty());
  EXPECT_EQ(entries["entries"][0]["state"], "exported");
  // Asked three at a time: the same answer.
  CommandResult paged =
      Cli(dir.path(), {"entries", "acme", "2026-10", "--json", "--page-size", "3"});
  ASSERT_EQ(paged.exit_code, 0) << paged.err;
  EXPECT_EQ(nlohmann::json::parse(paged.out), entries);
  CommandResult table = Cli(dir.path(), {"entries", "acme", "2026-10"});
  EXPECT_TRUE(absl::StrContains(table.out,
                                "1  2026-10-05  AC  F-1  Fournitures Dupont F-1 (document " + f1 +
                                    ", exported)"))
      << table.out;

  // The same entries in Quadra ASCII, each with its piece.
  CommandResult q = Cli(dir.path(), {"export", "acme", "2026-10", "quadra", "--format", "quadra"});
  ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  EXPECT_TRUE(absl::StrContains(q.out, "6 entries proposed")) << q.out;
  std::ifstream qin(dir.Join("quadra/quadra.txt"), std::ios::binary);
  std::string quadra((std::istreambuf_iterator<char>(qin)), std::istreambuf_iterator<char>());
  std::vector<std::string> rows = absl::StrSplit(quadra, "\r\n", absl::SkipEmpty());
  int movements = 0;
  std::set<std::string> pieces;
  for (const std::string& row : rows) {
    if (row[0] != 'M') continue;
    ++movements;
    EXPECT_EQ(row.size(), 231u) << row;
    std::string piece = row.substr(181, 12);
    if (piece != std::string(12, ' ')) pieces.insert(piece);  // none on the bank's lines
  }
  EXPECT_EQ(movements, 18);
  EXPECT_EQ(pieces.size(), 4u);
  for (const std::string& piece : pieces) {
    EXPECT_TRUE(fs::exists(dir.Join("quadra/" + piece))) << piece;
  }
  EXPECT_TRUE(fs::exists(dir.Join(absl::StrFormat("quadra/%08d.xml", std::stoll(f1)))));

  // The documents themselves with index.csv, streamed by the daemon and
  // written by the CLI; nothing is left in the daemon's state dir.
  CommandResult docs = Cli(dir.path(), {"export", "acme", "2026-10", "docs"});
  ASSERT_EQ(docs.exit_code, 0) << docs.out << docs.err;
  // The four invoices and credit note, and the statement.
  EXPECT_EQ(docs.out, "5 document(s) exported; index: " + dir.Join("docs/index.csv") + "\n");
  std::ifstream index(dir.Join("docs/index.csv"), std::ios::binary);
  std::string index_text((std::istreambuf_iterator<char>(index)), std::istreambuf_iterator<char>());
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(index_text, "\r\n", absl::SkipEmpty())).size(),
            6u)
      << index_text;
  EXPECT_TRUE(absl::StrContains(index_text, ";2026-10-05_Fournitures-Dupont_120.00.xml\r\n"))
      << index_text;
  std::ifstream copy(dir.Join("docs/2026-10-05_Fournitures-Dupont_120.00.xml"), std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(copy)), std::istreambuf_iterator<char>()),
            files["f1.xml"]);
  int left = 0;
  if (fs::exists(dir.Join("var/tmp"))) {
    for (const auto& e : fs::directory_iterator(dir.Join("var/tmp"))) {
      left += absl::StartsWith(e.path().filename().string(), "export-");
    }
  }
  EXPECT_EQ(left, 0);

  // Exported again: the same numbering; after staff move one supplier to
  // another account, the export says which entries changed.
  CommandResult again = Cli(dir.path(), {"export", "acme", "2026-10", "out", "--format", "fec"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(absl::StrContains(again.out, "0 added, 0 changed, 0 removed")) << again.out;
  std::ifstream in2(fec, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>()),
            text);
  ASSERT_EQ(Cli(dir.path(), {"review", f1, "--account", "6064000"}).exit_code, 0);
  nlohmann::json after_review =
      nlohmann::json::parse(Cli(dir.path(), {"entries", "acme", "2026-10", "--json"}).out);
  EXPECT_EQ(after_review["entries"][0]["state"], "changed");
  EXPECT_EQ(after_review["entries"][1]["state"], "exported");
  CommandResult moved = Cli(dir.path(), {"export", "acme", "2026-10", "out", "--format", "fec"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_TRUE(absl::StrContains(moved.out, "0 added, 2 changed, 0 removed")) << moved.out;  // F-1, A-1
  std::ifstream changes(dir.Join("out/changes.csv"));
  std::string listed((std::istreambuf_iterator<char>(changes)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(absl::StrContains(listed, f1 + ";changed")) << listed;
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitForExit(std::chrono::seconds(10)), 0) << daemon.Log();
}

// Directories that exist keep their mode: the socket's parent (here a
// sticky, world-writable one like /tmp) and an inbox root with the setgid
// bit systemd-tmpfiles gives /srv/liasse.
TEST(LiassedProcessTest, ExistingDirectoriesKeepTheirModes) {
  TempDir dir;
  std::string inbox = dir.Join("srv");
  std::string run = dir.Join("run");
  ASSERT_EQ(::mkdir(inbox.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(inbox.c_str(), 02770), 0);
  ASSERT_EQ(::mkdir(run.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(run.c_str(), 01777), 0);
  std::string config = dir.Join("liasse.toml");
  testing::WriteFile(config, absl::StrCat("[daemon]\nstate_dir = \"", dir.Join("state"),
                                          "\"\ninbox_root = \"", inbox, "\"\nlisten = \"unix:",
                                          run, "/liasse.sock\"\n"));
  Liassed daemon(dir.path(), {"--config", config});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  struct stat st;
  ASSERT_EQ(::stat(inbox.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02770u);
  ASSERT_EQ(::stat(run.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::stat(dir.Join("state").c_str(), &st), 0);  // created: its own mode
  EXPECT_EQ(st.st_mode & 0777, 0750u);
}

// Writes a self-signed certificate, a token file with `tokens` (admin) and
// DIR/liasse.toml serving the unix socket and 127.0.0.1:`port` with TLS.
void WriteTlsConfig(const TempDir& dir, int port, const std::vector<std::string>& tokens) {
  ASSERT_EQ(std::system(absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                                     "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 "
                                     "-keyout ", dir.Join("key.pem"), " -out ", dir.Join("cert.pem"),
                                     " >/dev/null 2>&1")
                            .c_str()),
            0);
  std::string lines;
  for (const std::string& t : tokens) absl::StrAppend(&lines, "admin ", t, "\n");
  testing::WriteFile(dir.Join("tokens"), lines);
  testing::WriteFile(dir.Join("liasse.toml"),
                     absl::StrCat("[daemon]\nstate_dir = \"var\"\ninbox_root = \"var/inbox\"\n",
                                  "listen = [\"unix:var/liasse.sock\", \"127.0.0.1:", port, "\"]\n",
                                  "tls_cert_file = \"cert.pem\"\ntls_key_file = \"key.pem\"\n",
                                  "token_file = \"tokens\"\n"));
}

// A token removed from token_file stops working once the daemon is told to
// reload (SIGHUP), without a restart; a token added works.
TEST(LiassedProcessTest, ATokenRemovedFromTheFileFailsAfterSighup) {
  TempDir dir;
  const std::string old_token = "old-token-0123456789abcdef";
  const std::string new_token = "new-token-0123456789abcdef";
  int port = testing::FreePort();
  WriteTlsConfig(dir, port, {old_token});
  testing::WriteFile(dir.Join("old.token"), old_token);
  testing::WriteFile(dir.Join("new.token"), new_token);
  Liassed daemon(dir.path(), {"--config", dir.Join("liasse.toml")});
  ASSERT_TRUE(daemon.WaitForNotify("READY=1", std::chrono::seconds(30))) << daemon.Log();
  auto status_with = [&](const std::string& token_file) {
    return Cli(dir.path(), {"--addr", absl::StrCat("127.0.0.1:", port), "--token-file",
                            dir.Join(token_file), "--ca-file", dir.Join("cert.pem"), "status"});
  };
  CommandResult before = status_with("old.token");
  ASSERT_EQ(before.exit_code, 0) << before.err;
  testing::WriteFile(dir.Join("tokens"), absl::StrCat("admin ", new_token, "\n"));
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLog("event=tokens_reloaded", std::chrono::seconds(10))) << daemon.Log();
  CommandResult removed = status_with("old.token");
  EXPECT_EQ(removed.exit_code, 1) << removed.out;
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(removed.err), "unauthenticated") ||
              absl::StrContains(removed.err, "unknown token"))
      << removed.err;
  CommandResult added = status_with("new.token");
  EXPECT_EQ(added.exit_code, 0) << added.err;
}

// A second liassed (another state dir) on the same TCP port fails to start
// instead of splitting the clients between the two (no SO_REUSEPORT).
TEST(LiassedProcessTest, ASecondDaemonCannotShareTheTcpPort) {
  TempDir first_dir, second_dir;
  int port = testing::FreePort();
  WriteTlsConfig(first_dir, port, {"token-one-0123456789abcdef"});
  WriteTlsConfig(second_dir, port, {"token-two-0123456789abcdef"});
  Liassed first(first_dir.path(), {"--config", first_dir.Join("liasse.toml")});
  ASSERT_TRUE(first.WaitForNotify("READY=1", std::chrono::seconds(30))) << first.Log();
  Liassed second(second_dir.path(), {"--config", second_dir.Join("liasse.toml")});
  EXPECT_EQ(second.WaitForExit(std::chrono::seconds(20)), 1) << second.Log();
  EXPECT_TRUE(absl::StrContains(second.Log(), "cannot listen")) << second.Log();
}

TEST(LiasseCliTest, SaysClearlyWhenDaemonIsNotThere) {
  TempDir dir;
  CommandResult r = Cli(dir.path(), {"--socket", "/nonexistent/liasse.sock", "status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "liasse: cannot reach liassed at /nonexistent/liasse.sock: no such "
            "file — is it running?\n");
  // A socket file with nobody behind it.
  fs::create_directories(dir.Join("var"));
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s",
                dir.Join("var/liasse.sock").c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  r = Cli(dir.path(), {"status"});  // discovered ./var/liasse.sock
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StartsWith(r.err, "liasse: cannot reach liassed at ./var/liasse.sock"))
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace liasse
