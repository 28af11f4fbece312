// The providers of [[llm.provider]], tried in order for one document. A
// timeout, 429, 5xx or refused connection moves on to the next provider; a
// 400/401/403/404 opens that provider's breaker for an hour and raises an
// escalation; an answer that does not parse gets one retry with the parse
// error, then the next provider. When none answers, the caller keeps the
// rules' result: the daemon never waits on a model.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/config/config.h"
#include "daemon/llm/llm_protocol.h"
#include "workflows/clock.h"
#include "workflows/llm_policy.h"

namespace liasse {

// Answers by (document hash, model, prompt version). Thread-safe.
class LlmCache {
 public:
  virtual ~LlmCache() = default;
  virtual std::optional<std::string> Get(const std::string& key) = 0;
  virtual void Put(const std::string& key, const std::string& answer) = 0;
};

class MemoryLlmCache : public LlmCache {
 public:
  std::optional<std::string> Get(const std::string& key) override;
  void Put(const std::string& key, const std::string& answer) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
};

struct LlmProviderStats {
  std::string name;
  std::string model;
  int64_t calls = 0;  // HTTP requests sent
  int64_t failures = 0;
  int64_t cache_hits = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t latency_ms_total = 0;
  bool breaker_open = false;
  std::string last_error;
};

struct LlmRequest {
  std::string content_hash;  // SHA-256 of the original
  std::string text;          // the document's text, as read
  Fields candidates;         // the rules' fields
  std::string candidates_type;
  // The page image (JPEG) of a photo or scan: sent only to vision providers
  // whose text is not redacted.
  std::string image_jpeg;
};

struct LlmResult {
  std::optional<LlmProposal> proposal;
  std::string provider;  // who answered
  bool from_cache = false;
  bool read_from_image = false;  // the answering provider saw the page image
  std::vector<std::string> errors;  // one line per provider that failed
};

class LlmChain {
 public:
  struct Provider {
    LlmProvider config;
    std::string api_key;  // resolved from api_key_file / api_key_env
  };
  // Called (outside the chain's lock) when a provider is misconfigured.
  using EscalationFn = std::function<void(const std::string& provider, const std::string& why)>;

  LlmChain(std::vector<Provider> providers, const Clock* clock, LlmCache* cache,
           EscalationFn on_config_error, CircuitBreaker::Options breaker = {});

  bool empty() const { return providers_.empty(); }
  // Thread-safe; never throws, never blocks longer than the providers'
  // timeouts (two attempts each at most).
  LlmResult Propose(const LlmRequest& request);
  std::vector<LlmProviderStats> Stats() const;

 private:
  struct State {
    CircuitBreaker breaker;
    LlmProviderStats stats;
    std::string token_param = "max_tokens";
  };
  enum class Outcome { kAnswer, kBadAnswer, kNextProvider };
  Outcome Ask(size_t index, const LlmQuestion& question, std::string* content,
              std::string* error);

  std::vector<Provider> providers_;
  const Clock* clock_;
  LlmCache* cache_;
  EscalationFn on_config_error_;
  mutable std::mutex mu_;
  std::vector<State> states_;
};

// Providers from the config with their keys read; an unreadable key file or
// unset variable is an error naming the provider (never the key).
absl::StatusOr<std::vector<LlmChain::Provider>> ResolveLlmProviders(
    const std::vector<LlmProvider>& configs);

}  // namespace liasse
