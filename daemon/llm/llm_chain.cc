#include "daemon/llm/llm_chain.h"

#include <chrono>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/llm/llm_client.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace {

const std::vector<std::string>& AllDocTypes() {
  static const auto* types = new std::vector<std::string>{
      "invoice", "credit_note", "receipt", "bank_statement", "payslip",
      "tax_notice", "contract", "quote", "other"};
  return *types;
}

std::vector<std::string> AnswerTypes(const LlmProvider& p) {
  if (p.doc_types.empty()) return AllDocTypes();
  std::vector<std::string> types = p.doc_types;
  if (std::find(types.begin(), types.end(), "other") == types.end()) types.push_back("other");
  return types;
}

// The provider may see this document: its allow-list names the rules' guess.
bool AllowedFor(const LlmProvider& p, const std::string& guess) {
  if (p.doc_types.empty()) return true;
  return std::find(p.doc_types.begin(), p.doc_types.end(), guess) != p.doc_types.end();
}

std::string Shorten(absl::string_view s) {
  std::string out(s.substr(0, 200));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

std::optional<std::string> MemoryLlmCache::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = answers_.find(key);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

void MemoryLlmCache::Put(const std::string& key, const std::string& answer) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_[key] = answer;
}

LlmChain::LlmChain(std::vector<Provider> providers, const Clock* clock, LlmCache* cache,
                   EscalationFn on_config_error, CircuitBreaker::Options breaker)
    : providers_(std::move(providers)),
      clock_(clock),
      cache_(cache),
      on_config_error_(std::move(on_config_error)) {
  for (const Provider& p : providers_) {
    State s;
    s.breaker = CircuitBreaker(breaker);
    s.stats.name = p.config.name;
    s.stats.model = p.config.model;
    states_.push_back(std::move(s));
  }
}

std::vector<LlmProviderStats> LlmChain::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LlmProviderStats> out;
  absl::Time now = clock_->Now();
  for (const State& s : states_) {
    out.push_back(s.stats);
    out.back().breaker_open = s.breaker.IsOpen(now);
  }
  return out;
}

LlmChain::Outcome LlmChain::Ask(size_t index, const LlmQuestion& question,
                                std::string* content, std::string* error) {
  const Provider& p = providers_[index];
  std::string token_param;
  {
    std::lock_guard<std::mutex> lock(mu_);
    token_param = states_[index].token_param;
  }
  HttpEndpoint endpoint{p.config.base_url, p.api_key, absl::Seconds(p.config.timeout_s)};
  auto started = std::chrono::steady_clock::now();
  absl::StatusOr<HttpAnswer> http = PostChatCompletion(
      endpoint, BuildChatRequestBody(question, p.config.model, p.config.json_mode, token_param));
  // Some endpoints (recent OpenAI models) refuse max_tokens: once per provider.
  if (http.ok() && http->status == 400 && token_param == "max_tokens" &&
      absl::StrContains(http->body, "max_completion_tokens")) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      states_[index].token_param = token_param = "max_completion_tokens";
    }
    http = PostChatCompletion(endpoint, BuildChatRequestBody(question, p.config.model,
                                                             p.config.json_mode, token_param));
  }
  absl::Time end = clock_->Now();
  bool config_error = false;
  absl::Time open_until = absl::InfinitePast();
  Outcome outcome = Outcome::kNextProvider;
  std::optional<ChatReply> reply;
  if (!http.ok()) {
    *error = std::string(http.status().message());
  } else if (http->status == 429) {
    *error = "429 too many requests";
    open_until = end + http->retry_after.value_or(absl::Seconds(30));
  } else if (http->status == 400 || http->status == 401 || http->status == 403 ||
             http->status == 404) {
    *error = absl::StrCat("HTTP ", http->status, " (configuration): ", Shorten(http->body));
    config_error = true;
    open_until = end + absl::Hours(1);
  } else if (http->status != 200) {
    *error = absl::StrCat("HTTP ", http->status);
  } else if (absl::StatusOr<ChatReply> parsed = ParseChatResponse(http->body); !parsed.ok()) {
    *error = std::string(parsed.status().message());
  } else {
    reply = *parsed;
    *content = parsed->content;
    outcome = Outcome::kAnswer;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = states_[index];
    ++s.stats.calls;
    s.stats.latency_ms_total += std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
    if (reply) {
      s.stats.prompt_tokens += reply->prompt_tokens;
      s.stats.completion_tokens += reply->completion_tokens;
      s.breaker.RecordSuccess();
    } else {
      ++s.stats.failures;
      s.stats.last_error = *error;
      s.breaker.RecordFailure(end);
      s.breaker.OpenUntil(open_until);
    }
  }
  if (config_error) {
    spdlog::error("event=llm_config_error provider={} error=\"{}\"", p.config.name, *error);
    if (on_config_error_) on_config_error_(p.config.name, *error);
  } else if (!reply) {
    spdlog::warn("event=llm_failure provider={} error=\"{}\"", p.config.name, *error);
  }
  return outcome;
}

LlmResult LlmChain::Propose(const LlmRequest& request) {
  LlmResult result;
  for (size_t i = 0; i < providers_.size(); ++i) {
    const LlmProvider& config = providers_[i].config;
    if (!AllowedFor(config, request.candidates_type)) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!states_[i].breaker.Allows(clock_->Now())) {
        result.errors.push_back(absl::StrCat(config.name, ": circuit open"));
        continue;
      }
    }
    std::vector<std::string> types = AnswerTypes(config);
    bool redact = config.redact.value_or(!IsLoopbackUrl(config.base_url));
    // An image cannot be redacted: only to providers that get the text as is.
    bool with_image = config.vision && !redact && !request.image_jpeg.empty();
    std::string key = absl::StrCat(request.content_hash, "|", config.model, "|",
                                   kLlmPromptVersion, with_image ? "|image" : "");
    if (cache_ && !request.content_hash.empty()) {
      if (std::optional<std::string> cached = cache_->Get(key)) {
        if (absl::StatusOr<LlmProposal> p = ParseProposal(*cached, types); p.ok()) {
          std::lock_guard<std::mutex> lock(mu_);
          ++states_[i].stats.cache_hits;
          result.proposal = *p;
          result.provider = config.name;
          result.from_cache = true;
          result.read_from_image = with_image;
          return result;
        }
      }
    }
    LlmQuestion question;
    if (with_image) question.image_jpeg = request.image_jpeg;
    std::string text = redact ? RedactForLlm(request.text) : request.text;
    question.text = CompactForLlm(text, static_cast<size_t>(std::max(config.max_input_chars, 200)));
    question.candidates = request.candidates;
    if (redact) {
      question.candidates.iban.clear();
    }
    question.candidates_type = request.candidates_type;
    question.doc_types = types;
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::string content;
      std::string error;
      Outcome outcome = Ask(i, question, &content, &error);
      if (outcome == Outcome::kNextProvider) {
        result.errors.push_back(absl::StrCat(config.name, ": ", error));
        break;
      }
      absl::StatusOr<LlmProposal> p = ParseProposal(content, types);
      if (p.ok()) {
        if (cache_ && !request.content_hash.empty()) cache_->Put(key, content);
        result.proposal = *p;
        result.provider = config.name;
        result.read_from_image = with_image;
        return result;
      }
      std::string why = std::string(p.status().message());
      result.errors.push_back(absl::StrCat(config.name, ": unusable answer: ", why));
      spdlog::warn("event=llm_bad_answer provider={} attempt={} error=\"{}\"", config.name,
                   attempt + 1, why);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++states_[i].stats.failures;
        states_[i].stats.last_error = "unusable answer: " + why;
      }
      question.parse_error = why;
    }
  }
  return result;
}

absl::StatusOr<std::vector<LlmChain::Provider>> ResolveLlmProviders(
    const std::vector<LlmProvider>& configs) {
  std::vector<LlmChain::Provider> out;
  for (const LlmProvider& c : configs) {
    LlmChain::Provider p{c, ""};
    if (!c.api_key_file.empty()) {
      absl::StatusOr<std::string> key = ReadSecretFile(c.api_key_file);
      if (!key.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("llm provider ", c.name, ": cannot read api_key_file ", c.api_key_file));
      }
      p.api_key = *key;
    } else if (!c.api_key_env.empty()) {
      const char* v = std::getenv(c.api_key_env.c_str());
      if (!v || !*v) {
        return absl::FailedPreconditionError(absl::StrCat(
            "llm provider ", c.name, ": environment variable ", c.api_key_env, " is not set"));
      }
      p.api_key = v;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace liasse
