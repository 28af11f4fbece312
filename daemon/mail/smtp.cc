#include "daemon/mail/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/curl_init.h"
#include "daemon/mail/sasl_error.h"
#include "workflows/identifiers.h"    // IsLoopbackUrl

namespace liasse {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadMessage(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t left = u->data->size() - u->offset;
  size_t len = std::min(left, size * n);
  std::memcpy(buffer, u->data->data() + u->offset, len);
  u->offset += len;
  return len;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

std::string BareAddress(const std::string& mailbox) {
  size_t open = mailbox.rfind('<');
  size_t close = mailbox.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return mailbox.substr(open + 1, close - open - 1);
  }
  return mailbox;
}

absl::Status SmtpSend(const SmtpTarget& target, const std::string& from,
                      const std::vector<std::string>& recipients, const std::string& message) {
  if (recipients.empty()) return absl::FailedPreconditionError("no recipient");
  InitCurlOnce();
  // Before the handle: curl_easy_cleanup still reports the server's QUIT reply.
  SaslErrorCapture sasl;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.get();
  curl_slist* rcpt = nullptr;
  // StrCat, not "<" + r + ">": GCC 12 at -O3 reports a false -Wrestrict there.
  for (const std::string& r : recipients) {
    rcpt = curl_slist_append(rcpt, absl::StrCat("<", r, ">").c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> rcpt_owner(rcpt, curl_slist_free_all);
  std::string mail_from = absl::StrCat("<", BareAddress(from), ">");
  Upload upload{&message};
  curl_easy_setopt(c, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (absl::StartsWith(target.url, "smtp://") && !IsLoopbackUrl(target.url)) {
    curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));  // STARTTLS or fail
  }
  if (!target.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, target.username.c_str());
    if (!target.bearer_token.empty()) {
      sasl.Attach(c);
      curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, target.bearer_token.c_str());
      curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, kBearerMechanisms);
    } else {
      curl_easy_setopt(c, CURLOPT_PASSWORD, target.password.c_str());
    }
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  // Debian 12's curl spells it this way; without it one refused recipient
  // aborts the whole message.
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadMessage);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return absl::OkStatus();
  std::string why = absl::StrCat("smtp: ", curl_easy_strerror(rc), code ? absl::StrCat(" (", code, ")") : "");
  // A refused login (535) is the account's problem, never the recipients'.
  if (rc == CURLE_LOGIN_DENIED || code == 535 || code == 534 || code == 530) {
    std::string reason = sasl.Reason();
    return absl::UnauthenticatedError(reason.empty() ? why : absl::StrCat(why, ": ", reason));
  }
  if (code >= 500 && code < 600) return absl::FailedPreconditionError(why);
  return absl::UnavailableError(why);
}

}  // namespace liasse
