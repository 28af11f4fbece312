// A Python test server under tests/testing/, started with Debian's python3:
// it prints its port(s) on its first line of output, and is killed when
// this object goes.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace liasse::testing {

class PythonServer {
 public:
  // `script` is relative to tests/testing/; `ports` receives the integers of
  // the first line the server prints (empty when it failed to start).
  PythonServer(const std::string& script, const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string path = std::string(LIASSE_SOURCE_DIR) + "/tests/testing/" + script;
    std::vector<const char*> argv = {"/usr/bin/python3", path.c_str()};
    for (const std::string& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, const_cast<char**>(argv.data()),
                    environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[256];
    if (f && std::fgets(line, sizeof line, f)) {
      std::istringstream in(line);
      int port = 0;
      while (in >> port) ports_.push_back(port);
    }
    if (f) std::fclose(f);
  }
  ~PythonServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  PythonServer(const PythonServer&) = delete;
  PythonServer& operator=(const PythonServer&) = delete;

  // The i-th port printed, 0 when there was none.
  int port(size_t i = 0) const { return i < ports_.size() ? ports_[i] : 0; }

 private:
  pid_t pid_ = -1;
  std::vector<int> ports_;
};

}  // namespace liasse::testing
