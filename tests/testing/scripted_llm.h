// Starts tests/testing/scripted_llm_server.py on a free loopback port with a
// script of answers; reads back the requests it received.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

extern char** environ;

namespace liasse::testing {

class ScriptedLlmServer {
 public:
  // `script`: a JSON array of steps (see the server's docstring).
  explicit ScriptedLlmServer(const nlohmann::json& script) {
    std::ofstream(dir_.Join("script.json")) << script.dump();
    log_ = dir_.Join("requests.jsonl");
    int out[2];
    if (::pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string server = std::string(LIASSE_SOURCE_DIR) + "/tests/testing/scripted_llm_server.py";
    std::string script_path = dir_.Join("script.json");
    const char* argv[] = {"/usr/bin/python3", server.c_str(), script_path.c_str(), log_.c_str(),
                          nullptr};
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, const_cast<char**>(argv), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    if (f && std::fscanf(f, "%d", &port_) != 1) port_ = 0;
    if (f) std::fclose(f);
  }
  ~ScriptedLlmServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ScriptedLlmServer(const ScriptedLlmServer&) = delete;
  ScriptedLlmServer& operator=(const ScriptedLlmServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // The requests received so far, in order.
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  TempDir dir_;
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A chat answer step with this assistant content.
inline nlohmann::json Answer(const std::string& content) {
  return {{"status", 200}, {"content", content}};
}

}  // namespace liasse::testing
