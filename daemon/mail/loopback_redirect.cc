#include "daemon/mail/loopback_redirect.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace liasse {
namespace {

constexpr size_t kMaxRequestBytes = 16 << 10;

std::string Unescape(absl::string_view text) {
  std::string plus(text);
  for (char& c : plus) {
    if (c == '+') c = ' ';
  }
  int len = 0;
  char* out = curl_easy_unescape(nullptr, plus.c_str(), static_cast<int>(plus.size()), &len);
  if (out == nullptr) return "";
  std::string s(out, static_cast<size_t>(len));
  curl_free(out);
  return s;
}

void Reply(int fd, int status, const std::string& text) {
  std::string body = absl::StrCat(
      "<!doctype html><meta charset=\"utf-8\"><title>Liasse</title><p>", text, "</p>");
  std::string response = absl::StrCat(
      "HTTP/1.1 ", status, status == 200 ? " OK" : " Not Found",
      "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ", body.size(),
      "\r\nConnection: close\r\n\r\n", body);
  size_t done = 0;
  while (done < response.size()) {
    ssize_t n = ::send(fd, response.data() + done, response.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Reads one request's head (up to a blank line), at most 5 s.
std::string ReadHead(int fd) {
  std::string head;
  absl::Time until = absl::Now() + absl::Seconds(5);
  while (head.size() < kMaxRequestBytes && !absl::StrContains(head, "\r\n\r\n")) {
    pollfd p{fd, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(until - absl::Now()));
    if (ms <= 0 || ::poll(&p, 1, ms) <= 0) break;
    char buf[2048];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  return head;
}

}  // namespace

absl::StatusOr<LoopbackRedirect> LoopbackRedirect::Listen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on 127.0.0.1:", port, ": ", std::strerror(err)));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return LoopbackRedirect(fd, ntohs(addr.sin_port));
}

LoopbackRedirect::~LoopbackRedirect() {
  if (fd_ >= 0) ::close(fd_);
}

std::string LoopbackRedirect::redirect_uri() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/");
}

absl::StatusOr<RedirectAnswer> LoopbackRedirect::Wait(absl::Time deadline,
                                                      const std::function<bool()>& keep_waiting) {
  while (true) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("nobody came back from the sign-in page in time");
    }
    if (!keep_waiting()) return absl::CancelledError("login abandoned");
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 250) <= 0) continue;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::string head = ReadHead(client);
    // "GET /?code=...&state=... HTTP/1.1"
    absl::string_view line = absl::string_view(head).substr(0, head.find("\r\n"));
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    RedirectAnswer answer;
    if (parts.size() == 3 && parts[0] == "GET") {
      absl::string_view target = parts[1];
      size_t q = target.find('?');
      if (q != absl::string_view::npos) {
        for (absl::string_view pair : absl::StrSplit(target.substr(q + 1), '&')) {
          size_t eq = pair.find('=');
          if (eq == absl::string_view::npos) continue;
          absl::string_view key = pair.substr(0, eq);
          std::string value = Unescape(pair.substr(eq + 1));
          if (key == "code") answer.code = value;
          if (key == "state") answer.state = value;
          if (key == "error") answer.error = value;
        }
      }
    }
    if (answer.code.empty() && answer.error.empty()) {
      Reply(client, 404, "Rien ici.");
      ::close(client);
      continue;
    }
    Reply(client, 200,
          answer.error.empty()
              ? "Liasse a reçu l'autorisation. Vous pouvez fermer cette page."
              : "La connexion a été refusée. Vous pouvez fermer cette page.");
    ::close(client);
    return answer;
  }
}

}  // namespace liasse
