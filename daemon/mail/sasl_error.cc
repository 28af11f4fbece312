#include "daemon/mail/sasl_error.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "workflows/oauth_policy.h"

namespace liasse {
namespace {

int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  // Server lines only: never CURLINFO_HEADER_OUT, which carries the token.
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* capture = static_cast<SaslErrorCapture*>(user);
  for (absl::string_view line : absl::StrSplit(absl::string_view(data, size), '\n')) {
    capture->OnServerLine(std::string(absl::StripAsciiWhitespace(line)));
  }
  return 0;
}

}  // namespace

void SaslErrorCapture::Attach(void* handle) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, &OnDebug);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, this);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
}

void SaslErrorCapture::OnServerLine(const std::string& line) {
  absl::string_view payload;
  if (absl::StartsWith(line, "+ ")) {
    payload = absl::string_view(line).substr(2);
  } else if (absl::StartsWith(line, "334 ")) {
    payload = absl::string_view(line).substr(4);
  } else {
    return;
  }
  if (payload.size() > 4096) return;
  std::string decoded;
  if (!absl::Base64Unescape(payload, &decoded)) return;
  nlohmann::json j = nlohmann::json::parse(decoded, nullptr, false);
  if (!j.is_object()) return;
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  status_ = text("status");
  scope_ = text("scope");
}

std::string SaslErrorCapture::Reason() const {
  if (status_.empty()) return "";
  return SaslRefusalInPlainWords(status_, scope_);
}

}  // namespace liasse
