// One HTTP exchange with an OpenAI-compatible server (libcurl): POST a JSON
// body to {base_url}/chat/completions. Errors are sorted for the provider
// chain: DeadlineExceeded (timeout), Unavailable (refused, reset, 5xx),
// ResourceExhausted (429), FailedPrecondition (400/401/403/404: the
// configuration is wrong). The API key never appears in a status message.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace liasse {

struct HttpEndpoint {
  std::string base_url;  // "http://127.0.0.1:11434/v1"
  std::string api_key;   // empty = no Authorization header
  absl::Duration timeout = absl::Seconds(60);
};

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::optional<absl::Duration> retry_after;  // from a 429's Retry-After
};

// Any HTTP status comes back as an answer; only transport failures are errors.
absl::StatusOr<HttpAnswer> PostChatCompletion(const HttpEndpoint& endpoint,
                                              const std::string& body);

}  // namespace liasse
