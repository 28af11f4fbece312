#include "daemon/llm/llm_client.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "daemon/base/curl_init.h"

namespace liasse {
namespace {

constexpr size_t kMaxAnswerBytes = 4 << 20;

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<std::optional<absl::Duration>*>(user);
  absl::string_view line(data, size * n);
  if (absl::StartsWithIgnoreCase(line, "retry-after:")) {
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(12));
    int seconds = 0;
    // An HTTP-date is rare from these servers; it counts as half a minute.
    *r = absl::SimpleAtoi(value, &seconds) && seconds >= 0
                         ? absl::Seconds(std::min(seconds, 3600))
                         : absl::Seconds(30);
  }
  return size * n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

absl::StatusOr<HttpAnswer> PostChatCompletion(const HttpEndpoint& endpoint,
                                              const std::string& body) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return absl::InternalError("curl_easy_init failed");
  std::string url =
      absl::StrCat(absl::StripSuffix(endpoint.base_url, "/"), "/chat/completions");
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add_header("Content-Type: application/json");
  add_header("Accept: application/json");
  if (!endpoint.api_key.empty()) add_header("Authorization: Bearer " + endpoint.api_key);
  CappedBody received(kMaxAnswerBytes);
  std::optional<absl::Duration> retry_after;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(endpoint.timeout)));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendToCappedBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &retry_after);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(absl::StrCat("no answer from ", endpoint.base_url,
                                                    " within ",
                                                    absl::FormatDuration(endpoint.timeout)));
  }
  if (received.too_large) {
    return absl::UnavailableError(absl::StrCat("answer from ", endpoint.base_url,
                                               " larger than ", kMaxAnswerBytes, " bytes"));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(endpoint.base_url, ": ", curl_easy_strerror(rc)));
  }
  HttpAnswer answer;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  answer.body = std::move(received.body);
  answer.retry_after = retry_after;
  return answer;
}

}  // namespace liasse
