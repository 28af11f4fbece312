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

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

namespace {

// A form POST answered with a JSON object; error.http_status 0 and the
// transport's failure when there was no usable answer.
struct JsonAnswer {
  bool ok = false;  // a JSON object came back (whatever the status)
  nlohmann::json body;
  TokenError error;
};

JsonAnswer PostForm(const std::string& url, const FormFields& form) {
  JsonAnswer out;
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
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
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
  out.body = nlohmann::json::parse(received.body, nullptr, false);
  if (!out.body.is_object()) {
    out.error.error_description = absl::StrCat("HTTP ", status, ", not a JSON answer");
    return out;
  }
  out.ok = true;
  out.error.error = StringField(out.body, "error");
  out.error.error_description = StringField(out.body, "error_description");
  return out;
}

absl::Duration Seconds(const nlohmann::json& j, const char* key, int64_t fallback) {
  auto it = j.find(key);
  int64_t seconds = fallback;
  if (it != j.end() && it->is_number_integer()) {
    seconds = it->get<int64_t>();
  } else if (it != j.end() && it->is_string()) {
    int64_t parsed = 0;
    if (absl::SimpleAtoi(it->get<std::string>(), &parsed)) seconds = parsed;
  }
  return absl::Seconds(std::clamp<int64_t>(seconds, 1, 365 * 86400));
}

}  // namespace

TokenResponse RequestToken(const std::string& token_url, const FormFields& form) {
  TokenResponse out;
  JsonAnswer a = PostForm(token_url, form);
  out.error = a.error;
  if (!a.ok) return out;
  out.access_token = StringField(a.body, "access_token");
  if (a.error.http_status == 200 && !out.access_token.empty()) {
    out.ok = true;
    out.refresh_token = StringField(a.body, "refresh_token");
    // RFC 6749 only recommends expires_in; an hour is what providers use.
    out.expires_in = Seconds(a.body, "expires_in", 3600);
    return out;
  }
  if (out.error.error.empty() && a.error.http_status == 200) {
    out.error.error_description = "no access_token";
  }
  return out;
}

DeviceCodeResponse RequestDeviceCode(const std::string& device_url, const FormFields& form) {
  DeviceCodeResponse out;
  JsonAnswer a = PostForm(device_url, form);
  out.error = a.error;
  if (!a.ok) return out;
  out.device_code = StringField(a.body, "device_code");
  out.user_code = StringField(a.body, "user_code");
  out.verification_uri = StringField(a.body, "verification_uri");
  if (out.verification_uri.empty()) out.verification_uri = StringField(a.body, "verification_url");
  out.message = StringField(a.body, "message");
  out.expires_in = Seconds(a.body, "expires_in", 900);
  out.interval = Seconds(a.body, "interval", 5);
  out.ok = a.error.http_status == 200 && !out.device_code.empty() && !out.user_code.empty() &&
           !out.verification_uri.empty();
  if (!out.ok && out.error.error.empty()) {
    out.error.error_description = "no device_code, user_code or verification_uri";
  }
  return out;
}

}  // namespace liasse
