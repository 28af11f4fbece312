#include "daemon/process/extractor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/base/record_json.h"
#include "ocr/read_error.h"

extern char** environ;

#ifndef LIASSE_LIBEXECDIR
#define LIASSE_LIBEXECDIR "/usr/libexec"
#endif

namespace liasse {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string FindWorkerBinary() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = self.parent_path() / "liasse-worker";
    if (fs::exists(beside, ec)) return beside.string();
  }
  if (const char* env = std::getenv("LIASSE_WORKER"); env && *env) return env;
  return std::string(LIASSE_LIBEXECDIR) + "/liasse/liasse-worker";
}

json OptionsToJson(const OcrOptions& o) {
  return {{"languages", o.languages},     {"dpi", o.dpi},
          {"max_file_mb", o.max_file_mb}, {"max_pages", o.max_pages},
          {"max_pixels", o.max_pixels},   {"timeout_s", o.timeout_s},
          {"preview_px", o.preview_px}};
}

struct Job {
  json request;
  absl::Time deadline;
  bool long_doc = false;  // a page of a document of long_pages or more
  std::promise<absl::StatusOr<json>> result;
};

// One liasse-worker process and the thread that feeds it.
class WorkerSlot {
 public:
  WorkerSlot(std::string binary, std::vector<std::string> args, bool quiet,
             const std::atomic<bool>* cancelled)
      : binary_(std::move(binary)),
        args_(std::move(args)),
        quiet_(quiet),
        cancelled_(cancelled) {}
  ~WorkerSlot() { Kill(); }

  // Sends `request` and waits for the answer until `deadline`.
  absl::StatusOr<json> Call(const json& request, absl::Time deadline,
                            bool* restarted) {
    *restarted = false;
    if (pid_ <= 0) {
      if (absl::Status st = Spawn(); !st.ok()) return st;
    }
    std::string line = request.dump() + "\n";
    if (!Send(line)) return Died(restarted);
    while (true) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        json reply = json::parse(buffer_.substr(0, nl), nullptr, false);
        buffer_.erase(0, nl + 1);
        if (!reply.is_object()) {
          Kill();
          *restarted = true;
          return ReadError(ReadErrorCode::kCrashed, "extraction helper sent garbage");
        }
        return reply;
      }
      if (cancelled_->load()) {
        Kill();
        return absl::CancelledError("extraction cancelled: the daemon is stopping");
      }
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        Kill();
        *restarted = true;
        return ReadError(ReadErrorCode::kTimeout,
                         "reading the document took longer than [ocr] timeout_s");
      }
      pollfd p{fd_, POLLIN, 0};
      int ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 200));
      int n = ::poll(&p, 1, ms);
      if (n < 0 && errno != EINTR) return Died(restarted);
      if (n <= 0) continue;
      char chunk[65536];
      ssize_t got = ::read(fd_, chunk, sizeof(chunk));
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) return Died(restarted);
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }

 private:
  absl::Status Spawn() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      return absl::ResourceExhaustedError(absl::StrCat("socketpair: ", std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 onto fd 3 clears close-on-exec there; every other fd stays closed.
    posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
    if (quiet_) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary_.c_str()));
    for (std::string& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Workers start with no signals blocked, whatever the daemon blocks.
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    // Its own process group, so that a kill also reaches anything it started.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, binary_.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(sv[1]);
    if (rc != 0) {
      ::close(sv[0]);
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot start extraction helper ", binary_, ": ", std::strerror(rc)));
    }
    pid_ = pid;
    fd_ = sv[0];
    buffer_.clear();
    return absl::OkStatus();
  }

  bool Send(const std::string& line) {
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  absl::Status Died(bool* restarted) {
    int status = 0;
    std::string how = "exited";
    if (pid_ > 0) ::kill(-pid_, SIGKILL);  // whatever it left behind
    if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) {
      if (WIFSIGNALED(status)) {
        how = absl::StrCat("killed by signal ", WTERMSIG(status), " (",
                           strsignal(WTERMSIG(status)), ")");
      } else if (WIFEXITED(status)) {
        how = absl::StrCat("exited with status ", WEXITSTATUS(status));
      }
    }
    pid_ = -1;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    *restarted = true;
    return ReadError(ReadErrorCode::kCrashed,
                     absl::StrCat("extraction helper ", how, " on this document"));
  }

  void Kill() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string binary_;
  std::vector<std::string> args_;
  bool quiet_;
  const std::atomic<bool>* cancelled_;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

class WorkerPoolExtractor final : public Extractor {
 public:
  explicit WorkerPoolExtractor(Options options) : options_(std::move(options)) {}

  ~WorkerPoolExtractor() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    for (auto& job : queue_) {
      job->result.set_value(absl::CancelledError("extractor stopped"));
    }
  }

  absl::Status Start() {
#ifdef LIASSE_SANITIZED
    // ASan reserves terabytes of address space: no limit can hold it.
    options_.memory_limit_mb = 0;
#endif
    if (options_.workers <= 0) options_.workers = DefaultWorkerCount();
    if (options_.worker_binary.empty()) options_.worker_binary = FindWorkerBinary();
    if (::access(options_.worker_binary.c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "extraction helper ", options_.worker_binary, " not found"));
    }
    std::vector<std::string> args = {"--fd", "3", "--options",
                                     OptionsToJson(options_.ocr).dump()};
    if (options_.memory_limit_mb > 0) {
      args.push_back("--memory-mb");
      args.push_back(absl::StrCat(options_.memory_limit_mb));
    }
    for (int i = 0; i < options_.workers; ++i) {
      auto slot = std::make_shared<WorkerSlot>(options_.worker_binary, args, options_.quiet,
                                                &cancelled_);
      threads_.emplace_back([this, slot] { SlotLoop(slot.get()); });
      slots_.push_back(std::move(slot));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ExtractedDocument> Extract(const std::string& path) override {
    std::error_code ec;
    if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    std::string absolute = fs::absolute(path, ec).string();
    absl::Time deadline = absl::Now() + absl::Seconds(options_.ocr.timeout_s);
    absl::StatusOr<json> analyzed =
        Submit({{"op", "analyze"}, {"path", absolute}}, deadline).get();
    if (!analyzed.ok()) return analyzed.status();
    if (!(*analyzed).value("ok", false)) return ErrorFromJson((*analyzed)["error"]);
    absl::StatusOr<DocumentAnalysis> analysis = AnalysisFromJson((*analyzed)["analysis"]);
    if (!analysis.ok()) return analysis.status();

    std::vector<std::future<absl::StatusOr<json>>> pages;
    bool long_doc = analysis->pages >= options_.long_pages;
    for (int page : analysis->ocr_pages) {
      pages.push_back(Submit({{"op", "ocr"},
                              {"path", absolute},
                              {"kind", static_cast<int>(analysis->kind)},
                              {"page", page}},
                             deadline, long_doc));
    }
    std::vector<PageText> ocr_pages;
    absl::Status first_error;
    for (auto& f : pages) {
      absl::StatusOr<json> reply = f.get();
      if (!reply.ok()) {
        if (first_error.ok()) first_error = reply.status();
        continue;
      }
      if (!(*reply).value("ok", false)) {
        if (first_error.ok()) first_error = ErrorFromJson((*reply)["error"]);
        continue;
      }
      ocr_pages.push_back(PageTextFromJson((*reply)["page"]));
    }
    if (!first_error.ok()) return first_error;
    absl::StatusOr<DocumentText> text = AssembleDocument(*analysis, std::move(ocr_pages));
    if (!text.ok()) return text.status();
    return ExtractedDocument{std::move(*analysis), std::move(*text)};
  }

  void Cancel() override {
    cancelled_ = true;
    std::deque<std::shared_ptr<Job>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dropped.swap(queue_);
    }
    for (auto& job : dropped) {
      job->result.set_value(absl::CancelledError("extraction cancelled"));
    }
  }

  int workers() const override { return options_.workers; }
  int restarts() const override { return restarts_; }

 private:
  std::future<absl::StatusOr<json>> Submit(json request, absl::Time deadline,
                                           bool long_doc = false) {
    auto job = std::make_shared<Job>();
    job->long_doc = long_doc;
    if (cancelled_) {
      job->result.set_value(absl::CancelledError("extraction cancelled"));
      return job->result.get_future();
    }
    job->request = std::move(request);
    job->deadline = deadline;
    auto future = job->result.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      job->request["id"] = ++next_id_;
      queue_.push_back(job);
    }
    cv_.notify_one();
    return future;
  }

  // The next job: the first one of a short document (an analysis, or a page
  // of a document under long_pages), else the first long document's page.
  // Under mu_; the queue is not empty.
  std::shared_ptr<Job> PopLocked() {
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [](const std::shared_ptr<Job>& j) { return !j->long_doc; });
    if (it == queue_.end()) it = queue_.begin();
    std::shared_ptr<Job> job = *it;
    queue_.erase(it);
    return job;
  }

  void SlotLoop(WorkerSlot* slot) {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = PopLocked();
      }
      if (absl::Now() >= job->deadline) {
        job->result.set_value(ReadError(
            ReadErrorCode::kTimeout,
            "reading the document took longer than [ocr] timeout_s"));
        continue;
      }
      bool restarted = false;
      absl::StatusOr<json> reply = slot->Call(job->request, job->deadline, &restarted);
      if (restarted) ++restarts_;
      job->result.set_value(std::move(reply));
    }
  }

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  int64_t next_id_ = 0;
  std::vector<std::shared_ptr<WorkerSlot>> slots_;
  std::vector<std::thread> threads_;
  std::atomic<int> restarts_{0};
  std::atomic<bool> cancelled_{false};
};

}  // namespace

int DefaultWorkerCount() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

absl::StatusOr<std::unique_ptr<Extractor>> Extractor::Start(Options options) {
  auto extractor = std::make_unique<WorkerPoolExtractor>(std::move(options));
  if (absl::Status st = extractor->Start(); !st.ok()) return st;
  return std::unique_ptr<Extractor>(std::move(extractor));
}

}  // namespace liasse
