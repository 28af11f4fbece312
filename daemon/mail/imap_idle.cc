#include "daemon/mail/imap_idle.h"

#include <curl/curl.h>
#include <poll.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/base/curl_init.h"
#include "daemon/mail/imap_connection.h"
#include "daemon/mail/sasl_error.h"

namespace liasse {
namespace {

class CurlIdler final : public ImapIdler {
 public:
  ~CurlIdler() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  absl::Status Connect(const std::string& url, const ImapCredentials& c) {
    curl_ = curl_easy_init();
    if (!curl_) return absl::ResourceExhaustedError("curl_easy_init failed");
    size_t scheme = url.find("://");
    size_t path = url.find('/', scheme + 3);
    std::string base = path == std::string::npos ? url : url.substr(0, path);
    curl_easy_setopt(curl_, CURLOPT_URL, (base + "/").c_str());
    SetImapSessionOptions(curl_, url, c);
    if (!c.bearer_token.empty()) sasl_.Attach(curl_);
    curl_easy_setopt(curl_, CURLOPT_CONNECT_ONLY, 1L);  // greeting, TLS, login
    CURLcode rc = curl_easy_perform(curl_);
    if (rc == CURLE_LOGIN_DENIED) return LoginRefused(sasl_);
    if (rc != CURLE_OK) {
      return absl::UnavailableError(absl::StrCat("IMAP: ", curl_easy_strerror(rc)));
    }
    curl_socket_t sock = CURL_SOCKET_BAD;
    curl_easy_getinfo(curl_, CURLINFO_ACTIVESOCKET, &sock);
    if (sock == CURL_SOCKET_BAD) return absl::UnavailableError("IMAP: no socket");
    socket_ = sock;
    absl::StatusOr<std::string> caps = Exchange("CAPABILITY", absl::Seconds(15));
    if (!caps.ok()) return caps.status();
    supported_ = absl::StrContains(absl::AsciiStrToUpper(*caps), " IDLE");
    return absl::OkStatus();
  }

  bool supported() const override { return supported_; }

  absl::StatusOr<bool> WaitForNews(const std::string& folder, int64_t seen_uidnext,
                                   absl::Duration max_wait, int wake_fd) override {
    std::string quoted = "\"";
    for (char ch : folder) {
      if (ch == '"' || ch == '\\') quoted.push_back('\\');
      if (ch != '\r' && ch != '\n') quoted.push_back(ch);
    }
    quoted += "\"";
    absl::StatusOr<std::string> selected = Exchange("SELECT " + quoted, absl::Seconds(30));
    if (!selected.ok()) return selected.status();
    if (size_t n = selected->find("[UIDNEXT "); n != std::string::npos && seen_uidnext > 0) {
      int64_t uidnext = 0;
      std::string v = selected->substr(n + 9, 24);
      if (absl::SimpleAtoi(v.substr(0, v.find(']')), &uidnext) && uidnext > seen_uidnext) {
        return true;
      }
    }
    std::string tag = NextTag();
    if (absl::Status st = Send(absl::StrCat(tag, " IDLE\r\n")); !st.ok()) return st;
    // "+ idling" first, then untagged updates until DONE.
    absl::Time deadline = absl::Now() + max_wait;
    bool news = false;
    bool idling = false;
    while (!news) {
      absl::StatusOr<std::string> line = ReadLine(deadline, wake_fd);
      if (!line.ok()) return line.status();
      if (line->empty()) break;  // deadline or woken
      if (absl::StartsWith(*line, "+")) {
        idling = true;
        continue;
      }
      if (absl::StartsWith(*line, tag)) {
        return absl::UnavailableError(absl::StrCat("IDLE refused: ", *line));
      }
      std::string upper = absl::AsciiStrToUpper(*line);
      if (absl::EndsWith(upper, " EXISTS") || absl::EndsWith(upper, " RECENT")) news = true;
    }
    (void)idling;
    if (absl::Status st = Send("DONE\r\n"); !st.ok()) return st;
    // Read up to the tagged completion of IDLE.
    absl::Time done_by = absl::Now() + absl::Seconds(30);
    while (true) {
      absl::StatusOr<std::string> line = ReadLine(done_by, -1);
      if (!line.ok()) return line.status();
      if (line->empty()) return absl::UnavailableError("IDLE: no completion");
      if (absl::StartsWith(*line, tag)) break;
      std::string upper = absl::AsciiStrToUpper(*line);
      if (absl::EndsWith(upper, " EXISTS")) news = true;
    }
    return news;
  }

 private:
  std::string NextTag() { return absl::StrCat("L", ++tag_); }

  absl::Status Send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      size_t sent = 0;
      CURLcode rc = curl_easy_send(curl_, data.data() + off, data.size() - off, &sent);
      if (rc == CURLE_AGAIN) {
        pollfd p{socket_, POLLOUT, 0};
        ::poll(&p, 1, 1000);
        continue;
      }
      if (rc != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(rc));
      off += sent;
    }
    return absl::OkStatus();
  }

  // One line without CRLF; "" when `deadline` passed or `wake_fd` is ready.
  absl::StatusOr<std::string> ReadLine(absl::Time deadline, int wake_fd) {
    while (true) {
      size_t nl = buffer_.find("\r\n");
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 2);
        return line;
      }
      char buf[4096];
      size_t got = 0;
      CURLcode rc = curl_easy_recv(curl_, buf, sizeof(buf), &got);
      if (rc == CURLE_OK) {
        if (got == 0) return absl::UnavailableError("IMAP server closed the connection");
        buffer_.append(buf, got);
        if (buffer_.size() > (1 << 20)) return absl::UnavailableError("IMAP line too long");
        continue;
      }
      if (rc != CURLE_AGAIN) return absl::UnavailableError(curl_easy_strerror(rc));
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return std::string();
      pollfd fds[2] = {{socket_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      int ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 60000));
      int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, ms);
      if (n > 0 && wake_fd >= 0 && (fds[1].revents & POLLIN)) return std::string();
    }
  }

  // Sends a tagged command and returns everything up to its OK.
  absl::StatusOr<std::string> Exchange(const std::string& command, absl::Duration timeout) {
    std::string tag = NextTag();
    if (absl::Status st = Send(absl::StrCat(tag, " ", command, "\r\n")); !st.ok()) return st;
    std::string all;
    absl::Time deadline = absl::Now() + timeout;
    while (true) {
      absl::StatusOr<std::string> line = ReadLine(deadline, -1);
      if (!line.ok()) return line.status();
      if (line->empty()) return absl::DeadlineExceededError(absl::StrCat("IMAP ", command));
      all += *line + "\n";
      if (absl::StartsWith(*line, tag + " ")) {
        if (absl::StartsWith(line->substr(tag.size() + 1), "OK")) return all;
        return absl::UnavailableError(absl::StrCat("IMAP ", command, ": ", *line));
      }
    }
  }

  CURL* curl_ = nullptr;
  SaslErrorCapture sasl_;  // the destructor cleans curl_ up before this goes
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  std::string buffer_;
  int tag_ = 0;
  bool supported_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ImapIdler>> ImapIdler::Open(const std::string& url,
                                                           const ImapCredentials& credentials) {
  InitCurlOnce();
  auto idler = std::make_unique<CurlIdler>();
  if (absl::Status st = idler->Connect(url, credentials); !st.ok()) return st;
  return std::unique_ptr<ImapIdler>(std::move(idler));
}

}  // namespace liasse
