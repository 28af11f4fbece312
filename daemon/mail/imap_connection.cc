#include "daemon/mail/imap_connection.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "daemon/base/curl_init.h"
#include "daemon/mail/sasl_error.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace {


struct Sink {
  std::string data;
  int64_t max_bytes = 0;
  bool overflow = false;
  static size_t Write(char* ptr, size_t size, size_t n, void* user) {
    Sink* sink = static_cast<Sink*>(user);
    size_t len = size * n;
    if (sink->max_bytes > 0 &&
        static_cast<int64_t>(sink->data.size() + len) > sink->max_bytes) {
      sink->overflow = true;
      return 0;  // aborts the transfer: nothing more is read
    }
    sink->data.append(ptr, len);
    return len;
  }
};

// IMAP quoted string for mailbox names in custom commands.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\r' || c == '\n') continue;
    out.push_back(c);
  }
  return out + "\"";
}

class CurlImap final : public ImapConnection {
 public:
  CurlImap(std::string base, ImapCredentials credentials)
      : base_(std::move(base)), credentials_(std::move(credentials)), curl_(curl_easy_init()) {}
  ~CurlImap() override { curl_easy_cleanup(curl_); }

  absl::StatusOr<ImapFolderInfo> Select(const std::string& folder) override {
    absl::StatusOr<std::string> out = Command(base_, absl::StrCat("SELECT ", Quote(folder)), 0);
    if (!out.ok()) return out.status();
    ImapFolderInfo info;
    for (absl::string_view line : absl::StrSplit(*out, '\n')) {
      size_t p = line.find("[UIDVALIDITY ");
      if (p != absl::string_view::npos) {
        absl::string_view v = line.substr(p + 13);
        (void)absl::SimpleAtoi(v.substr(0, v.find(']')), &info.uidvalidity);
      }
      if (size_t n = line.find("[UIDNEXT "); n != absl::string_view::npos) {
        absl::string_view v = line.substr(n + 9);
        (void)absl::SimpleAtoi(v.substr(0, v.find(']')), &info.uidnext);
      }
      if (line.find("[PERMANENTFLAGS") != absl::string_view::npos &&
          line.find("\\*") != absl::string_view::npos) {
        info.keywords_allowed = true;
      }
    }
    if (info.uidvalidity == 0) {
      return absl::NotFoundError(absl::StrCat("folder ", folder, ": no UIDVALIDITY"));
    }
    return info;
  }

  absl::StatusOr<std::vector<int64_t>> NewUids(const std::string& folder,
                                               int64_t after_uid) override {
    absl::StatusOr<std::string> out =
        Command(FolderUrl(folder),
                absl::StrCat("UID SEARCH UID ", after_uid + 1, ":* NOT KEYWORD ",
                             kProcessedKeyword),
                0);
    if (!out.ok()) return out.status();
    std::vector<int64_t> uids;
    for (absl::string_view line : absl::StrSplit(*out, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!absl::StartsWith(line, "* SEARCH")) continue;
      for (absl::string_view tok : absl::StrSplit(line.substr(8), ' ', absl::SkipEmpty())) {
        int64_t uid = 0;
        // "n:*" always includes the highest UID, even below n.
        if (absl::SimpleAtoi(tok, &uid) && uid > after_uid) uids.push_back(uid);
      }
    }
    std::sort(uids.begin(), uids.end());
    return uids;
  }

  absl::StatusOr<int64_t> MessageSize(const std::string& folder, int64_t uid) override {
    absl::StatusOr<std::string> out =
        Command(FolderUrl(folder), absl::StrCat("UID FETCH ", uid, " (RFC822.SIZE)"), 0);
    if (!out.ok()) return out.status();
    size_t p = out->find("RFC822.SIZE ");
    int64_t size = -1;
    if (p == std::string::npos) return absl::NotFoundError(absl::StrCat("message ", uid));
    std::string rest = out->substr(p + 12);
    (void)absl::SimpleAtoi(rest.substr(0, rest.find_first_of(" )")), &size);
    return size;
  }

  absl::StatusOr<std::string> Fetch(const std::string& folder, int64_t uid,
                                    int64_t max_bytes) override {
    return Perform(absl::StrCat(FolderUrl(folder), "/;UID=", uid), "", max_bytes);
  }

  absl::Status AddProcessedKeyword(const std::string& folder, int64_t uid) override {
    return Command(FolderUrl(folder),
                   absl::StrCat("UID STORE ", uid, " +FLAGS (", kProcessedKeyword, ")"), 0)
        .status();
  }

  absl::Status MoveTo(const std::string& folder, int64_t uid,
                      const std::string& target) override {
    absl::Status st =
        Command(FolderUrl(folder), absl::StrCat("UID MOVE ", uid, " ", Quote(target)), 0)
            .status();
    if (st.ok()) return st;
    // Servers without MOVE: copy, then mark deleted (not expunged: the
    // client's own tools decide when to purge).
    st = Command(FolderUrl(folder), absl::StrCat("UID COPY ", uid, " ", Quote(target)), 0)
             .status();
    if (!st.ok()) return st;
    return Command(FolderUrl(folder), absl::StrCat("UID STORE ", uid, " +FLAGS (\\Deleted)"), 0)
        .status();
  }

  absl::Status Configure() {
    if (!curl_) return absl::ResourceExhaustedError("curl_easy_init failed");
    return absl::OkStatus();
  }

 private:
  std::string FolderUrl(const std::string& folder) {
    char* escaped = curl_easy_escape(curl_, folder.c_str(), static_cast<int>(folder.size()));
    std::string out = absl::StrCat(base_, "/", escaped ? escaped : "");
    curl_free(escaped);
    return out;
  }

  absl::StatusOr<std::string> Command(const std::string& url, const std::string& command,
                                      int64_t max_bytes) {
    return Perform(url, command, max_bytes);
  }

  absl::StatusOr<std::string> Perform(const std::string& url, const std::string& custom,
                                      int64_t max_bytes) {
    curl_easy_reset(curl_);
    Sink sink;
    sink.max_bytes = max_bytes;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    SetImapSessionOptions(curl_, url, credentials_);
    if (!credentials_.bearer_token.empty()) sasl_.Attach(curl_);
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Sink::Write);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    if (!custom.empty()) curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, custom.c_str());
    sasl_.Clear();
    CURLcode rc = curl_easy_perform(curl_);
    if (sink.overflow) {
      return absl::ResourceExhaustedError(
          absl::StrCat("message larger than ", max_bytes, " bytes"));
    }
    switch (rc) {
      case CURLE_OK:
        return sink.data;
      case CURLE_LOGIN_DENIED:
        return LoginRefused(sasl_);
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_USE_SSL_FAILED:
        return absl::UnavailableError(absl::StrCat("IMAP: ", curl_easy_strerror(rc)));
      case CURLE_QUOTE_ERROR:
      case CURLE_REMOTE_FILE_NOT_FOUND:
        return absl::NotFoundError(absl::StrCat("IMAP: ", curl_easy_strerror(rc)));
      default:
        return absl::UnavailableError(absl::StrCat("IMAP: ", curl_easy_strerror(rc)));
    }
  }

  std::string base_;
  ImapCredentials credentials_;
  CURL* curl_;
  SaslErrorCapture sasl_;  // bearer logins: why the server refused the token
};

}  // namespace

absl::Status LoginRefused(const SaslErrorCapture& sasl) {
  std::string reason = sasl.Reason();
  return absl::PermissionDeniedError(
      reason.empty() ? "IMAP login refused" : absl::StrCat("IMAP login refused: ", reason));
}

void SetImapSessionOptions(void* handle, const std::string& url,
                           const ImapCredentials& credentials) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_setopt(curl, CURLOPT_USERNAME, credentials.username.c_str());
  if (!credentials.bearer_token.empty()) {
    curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, credentials.bearer_token.c_str());
    curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, kBearerMechanisms);
  } else {
    curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials.password.c_str());
  }
  // STARTTLS is mandatory on imap:// except to loopback test servers.
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   absl::StartsWith(url, "imaps://") || !IsLoopbackUrl(url)
                       ? static_cast<long>(CURLUSESSL_ALL)
                       : static_cast<long>(CURLUSESSL_NONE));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

absl::StatusOr<std::unique_ptr<ImapConnection>> ImapConnection::Open(
    const std::string& url, const ImapCredentials& credentials) {
  InitCurlOnce();
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return absl::InvalidArgumentError("IMAP url");
  size_t path = url.find('/', scheme + 3);
  std::string base = path == std::string::npos ? url : url.substr(0, path);
  auto conn = std::make_unique<CurlImap>(base, credentials);
  if (absl::Status st = conn->Configure(); !st.ok()) return st;
  return std::unique_ptr<ImapConnection>(std::move(conn));
}

}  // namespace liasse
