#include "daemon/mail/oauth_client.h"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/curl_init.h"

namespace liasse {
namespace {

constexpr size_t kMaxAnswerBytes = 64 << 10;

std::string FormEncode(CURL* c, const FormFields& form) {
  std::string out;
  for (const auto& [key, value] : form) {
    char* k = curl_easy_escape(c, key.data(), static_cast<int>(key.size()));
    char* v = curl_easy_escape(c, value.data(), static_cast<int>(value.size()));
    absl::StrAppend(&out, out.empty() ? "" : "&", k ? k : "", "=", v ? v : "");
    curl_free(k);
    curl_free(v);
  }
  return out;
}

// expires_in is a number for most providers and a string for some.
absl::Duration ExpiresIn(const nlohmann::json& j) {
  auto it = j.find("expires_in");
  int64_t seconds = 3600;  // RFC 6749: "RECOMMENDED"; an hour is what providers use
  if (it != j.end() && it->is_number_integer()) {
    seconds = it->get<int64_t>();
  } else if (it != j.end() && it->is_string()) {
    int64_t parsed = 0;
    if (absl::SimpleAtoi(it->get<std::string>(), &parsed)) seconds = parsed;
  }
  return absl::Seconds(std::clamp<int64_t>(seconds, 1, 365 * 86400));
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

TokenResponse RequestToken(const std::string& token_url, const FormFields& form) {
  TokenResponse out;
  InitCurlOnce();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    out.error.error_description = "curl_easy_init failed";
    return out;
  }
  CURL* c = curl.get();
  std::string body = FormEncode(c, form);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(
      curl_slist_append(nullptr, "Accept: application/json"), curl_slist_free_all);
  CappedBody received(kMaxAnswerBytes);
  curl_easy_setopt(c, CURLOPT_URL, token_url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendToCappedBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    out.error.error_description = received.too_large
                                      ? absl::StrCat("answer larger than ", kMaxAnswerBytes, " bytes")
                                      : curl_easy_strerror(rc);
    return out;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.error.http_status = static_cast<int>(status);
  nlohmann::json j = nlohmann::json::parse(received.body, nullptr, false);
  if (!j.is_object()) {
    out.error.error_description = absl::StrCat("HTTP ", status, ", not a JSON answer");
    return out;
  }
  if (status == 200 && !StringField(j, "access_token").empty()) {
    out.ok = true;
    out.access_token = StringField(j, "access_token");
    out.refresh_token = StringField(j, "refresh_token");
    out.expires_in = ExpiresIn(j);
    return out;
  }
  out.error.error = StringField(j, "error");
  out.error.error_description = StringField(j, "error_description");
  if (out.error.error.empty() && status == 200) out.error.error_description = "no access_token";
  return out;
}

}  // namespace liasse
