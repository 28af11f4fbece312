// Starts tests/testing/scripted_llm_server.py on a free loopback port with a
// script of answers; reads back the requests it received.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testing/python_server.h"
#include "tests/testing/temp_dir.h"

namespace liasse::testing {

class ScriptedLlmServer {
 public:
  // `script`: a JSON array of steps (see the server's docstring).
  explicit ScriptedLlmServer(const nlohmann::json& script)
      : log_(dir_.Join("requests.jsonl")),
        server_("scripted_llm_server.py", {WriteScript(script), log_}) {}
  ScriptedLlmServer(const ScriptedLlmServer&) = delete;
  ScriptedLlmServer& operator=(const ScriptedLlmServer&) = delete;

  int port() const { return server_.port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/v1"; }
  // The requests received so far, in order.
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  std::string WriteScript(const nlohmann::json& script) const {
    std::ofstream(dir_.Join("script.json")) << script.dump();
    return dir_.Join("script.json");
  }

  TempDir dir_;
  std::string log_;
  PythonServer server_;
};

// A chat answer step with this assistant content.
inline nlohmann::json Answer(const std::string& content) {
  return {{"status", 200}, {"content", content}};
}

}  // namespace liasse::testing
