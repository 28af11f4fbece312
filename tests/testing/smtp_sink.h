// A real SMTP server for tests: Debian's aiosmtpd, started on a free
// loopback port, writing every accepted message into a Maildir.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/dovecot.h"

extern char** environ;

namespace liasse::testing {

class SmtpSink {
 public:
  explicit SmtpSink(const std::string& maildir) : maildir_(maildir), port_(FreePort()) {
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    const char* argv[] = {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(),
                          "-c", "aiosmtpd.handlers.Mailbox", maildir_.c_str(), nullptr};
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      pid_ = -1;
    }
  }
  ~SmtpSink() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // Waits (up to 10 s) until the port accepts connections.
  bool WaitReady() const { return WaitForPort(port_, std::chrono::milliseconds(50)); }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Every message received so far, in arrival order (by file time, then name).
  std::vector<std::string> Messages() const {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(maildir_ + "/new", ec)) {
      files.push_back(e.path());
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
      auto ta = std::filesystem::last_write_time(a), tb = std::filesystem::last_write_time(b);
      return ta != tb ? ta < tb : a < b;
    });
    std::vector<std::string> out;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

 private:
  std::string maildir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace liasse::testing
