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

}  // namespace liasse
