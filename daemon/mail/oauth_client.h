// One call to an OAuth2 token endpoint (RFC 6749 §4.4, §6; form-encoded
// POST over https://, or http:// to loopback) with libcurl. What the answer
// means for the firm is workflows/oauth_policy's business.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "workflows/oauth_policy.h"

namespace liasse {

struct TokenResponse {
  bool ok = false;
  // When ok:
  std::string access_token;
  std::string refresh_token;  // empty when the endpoint did not rotate or issue one
  absl::Duration expires_in = absl::ZeroDuration();
  // When !ok: the endpoint's error, or http_status 0 and the transport's
  // failure in error_description.
  TokenError error;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Never logs or returns the form (it holds secrets).
TokenResponse RequestToken(const std::string& token_url, const FormFields& form);

// RFC 8628 §3.2: what the person must do to approve a device login.
struct DeviceCodeResponse {
  bool ok = false;
  std::string device_code;
  std::string user_code;
  std::string verification_uri;  // Google spells it verification_url
  std::string message;           // the provider's own instructions, if any
  absl::Duration expires_in = absl::Minutes(15);
  absl::Duration interval = absl::Seconds(5);
  TokenError error;  // when !ok
};

DeviceCodeResponse RequestDeviceCode(const std::string& device_url, const FormFields& form);

}  // namespace liasse
