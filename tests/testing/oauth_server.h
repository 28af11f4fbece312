// Starts tests/testing/oauth_server.py: a token endpoint (client
// credentials, introspection) and an SMTP server taking its tokens by
// XOAUTH2, on free loopback ports. Control files and logs in its own dir.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/python_server.h"
#include "tests/testing/temp_dir.h"

namespace liasse::testing {

class OAuthServer {
 public:
  static constexpr char kClientId[] = "liasse-test-app";
  static constexpr char kClientSecret[] = "s3cret-of-the-app";

  explicit OAuthServer(int lifetime_s = 3600)
      : server_("oauth_server.py",
                {dir_.path(), kClientId, kClientSecret, std::to_string(lifetime_s)}) {}
  OAuthServer(const OAuthServer&) = delete;
  OAuthServer& operator=(const OAuthServer&) = delete;

  bool ready() const { return server_.port(1) > 0; }
  std::string token_url() const { return Http("/token"); }
  std::string device_url() const { return Http("/devicecode"); }
  std::string auth_url() const { return Http("/authorize"); }
  std::string introspection_url() const { return Http("/introspect"); }
  std::string smtp_url() const { return "smtp://127.0.0.1:" + std::to_string(server_.port(1)); }

  // Control: "secret_expired", "expire_tokens", "refuse_smtp", "approve" (device),
  // "deny", "slow_down", "revoke_refresh", "deny_delegation" (see the script).
  void Set(const std::string& flag) const { std::ofstream(dir_.Join(flag)) << "1"; }
  void Clear(const std::string& flag) const { std::filesystem::remove(dir_.Join(flag)); }
  // A file in the server's dir (jwt_public.pem, jwt_issuer).
  void WriteFile(const std::string& name, const std::string& text) const {
    std::ofstream(dir_.Join(name)) << text;
  }
  // Device logins ask to be polled every `seconds` instead of 5.
  void SetPollInterval(int seconds) const { std::ofstream(dir_.Join("interval")) << seconds; }

  std::vector<nlohmann::json> TokenRequests() const { return Log("token_requests.jsonl"); }
  std::vector<nlohmann::json> SmtpLogins() const { return Log("smtp_auth.jsonl"); }
  // Messages the SMTP server accepted.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_.Join("Maildir/new"), ec)) {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

 private:
  std::string Http(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port(0)) + path;
  }
  std::vector<nlohmann::json> Log(const std::string& name) const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.Join(name));
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  TempDir dir_;
  PythonServer server_;
};

}  // namespace liasse::testing
