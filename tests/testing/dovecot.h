// A real dovecot IMAP server for tests, started on a free loopback port with
// its config in a temp dir (no systemd), stopped by pid at the end. Unseen
// mail is seeded by writing into Maildir/new, as a delivery agent would.
#pragma once

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

namespace liasse::testing {

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Polls a loopback port until it accepts connections, 200 tries `step` apart.
inline bool WaitForPort(int port, std::chrono::milliseconds step) {
  for (int i = 0; i < 200; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(step);
  }
  return false;
}

class Dovecot {
 public:
  // `dir` must be empty and owned by the test; user "alice", password "secret".
  explicit Dovecot(const std::string& dir) : dir_(dir), port_(FreePort()) {}

  // Also takes OAuth2 bearer tokens for alice by the SASL `mechanisms`
  // ("xoauth2 oauthbearer", or one of them), checked by RFC 7662
  // introspection at `url` (before Start()).
  void AcceptOAuth(const std::string& introspection_url,
                   const std::string& mechanisms = "xoauth2 oauthbearer") {
    introspection_url_ = introspection_url;
    oauth_mechanisms_ = mechanisms;
  }

  bool Start() {
    namespace fs = std::filesystem;
    bool root = ::geteuid() == 0;
    passwd* pw = root ? ::getpwnam("nobody") : ::getpwuid(::geteuid());
    if (!pw) return false;
    user_ = pw->pw_name;
    std::string group = root ? "nogroup" : user_;
    for (const char* sub : {"run", "state", "maildir/alice/new", "maildir/alice/cur",
                            "maildir/alice/tmp", "home/alice"}) {
      fs::create_directories(absl::StrCat(dir_, "/", sub));
    }
    std::ofstream(dir_ + "/users") << "alice:{PLAIN}secret::::::\n";
    std::ofstream conf(dir_ + "/dovecot.conf");
    conf << "base_dir = " << dir_ << "/run\n"
         << "state_dir = " << dir_ << "/state\n"
         << "instance_name = test-" << port_ << "\n"
         << "protocols = imap\nlisten = 127.0.0.1\nssl = no\n"
         << "disable_plaintext_auth = no\nauth_mechanisms = plain login"
         << (introspection_url_.empty() ? "" : " " + oauth_mechanisms_) << "\n"
         << "auth_failure_delay = 0\n"
         << "log_path = " << dir_ << "/dovecot.log\n"
         << "default_internal_user = " << user_ << "\n"
         << "default_internal_group = " << group << "\n"
         << "default_login_user = " << user_ << "\n"
         << "first_valid_uid = 1\n"
         << "mail_location = maildir:" << dir_ << "/maildir/%u\n"
         << "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u "
         << dir_ << "/users\n  mechanisms = plain login\n}\n"
         << "userdb {\n  driver = static\n  args = uid=" << pw->pw_uid << " gid=" << pw->pw_gid
         << " home=" << dir_ << "/home/%u\n}\n"
         << "service imap-login {\n  chroot =\n  user = " << user_
         << "\n  inet_listener imap {\n    address = 127.0.0.1\n    port = " << port_
         << "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
         << "service anvil {\n  chroot =\n}\n"
         << "service stats {\n  unix_listener stats-reader {\n    mode = 0666\n  }\n"
         << "  unix_listener stats-writer {\n    mode = 0666\n  }\n}\n";
    if (!introspection_url_.empty()) {
      conf << "passdb {\n  driver = oauth2\n  mechanisms = " << oauth_mechanisms_ << "\n  args = " << dir_
           << "/oauth2.conf.ext\n}\n";
      std::ofstream(dir_ + "/oauth2.conf.ext")
          << "introspection_mode = post\nintrospection_url = " << introspection_url_ << "\n"
          << "force_introspection = yes\nusername_attribute = username\n"
          << "active_attribute = active\nactive_value = true\n";
    }
    conf.close();
    std::string cmd;
    if (root) {
      // dovecot runs as nobody: the temp dirs above it must be traversable.
      std::string parent = std::filesystem::path(dir_).parent_path().string();
      std::system(absl::StrCat("chmod 755 ", parent, " ", dir_, " && chown -R ", user_, " ", dir_).c_str());
      cmd = absl::StrCat("runuser -u ", user_, " -- /usr/sbin/dovecot -c ", dir_, "/dovecot.conf");
    } else {
      cmd = absl::StrCat("/usr/sbin/dovecot -c ", dir_, "/dovecot.conf");
    }
    if (std::system(cmd.c_str()) != 0) return false;
    return WaitForPort(port_, std::chrono::milliseconds(25));
  }

  ~Dovecot() {
    std::ifstream pid_file(dir_ + "/run/master.pid");
    int pid = 0;
    if (pid_file >> pid && pid > 0) {
      ::kill(pid, SIGTERM);
      for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  // Delivers `message` unseen (written to tmp/, renamed into new/).
  void Deliver(const std::string& name, const std::string& message) {
    std::string tmp = absl::StrCat(dir_, "/maildir/alice/tmp/", name);
    std::string dst = absl::StrCat(dir_, "/maildir/alice/new/", name);
    std::ofstream(tmp, std::ios::binary) << message;
    if (::geteuid() == 0) {
      std::system(absl::StrCat("chown ", user_, " ", tmp).c_str());
    }
    std::filesystem::rename(tmp, dst);
  }

  std::string url() const { return absl::StrCat("imap://127.0.0.1:", port_, "/INBOX"); }
  int port() const { return port_; }
  std::string Log() const {
    std::ifstream in(dir_ + "/dovecot.log");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string dir_;
  int port_;
  std::string user_;
  std::string introspection_url_;
  std::string oauth_mechanisms_;
};

}  // namespace liasse::testing
