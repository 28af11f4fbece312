// The OpenAI chat-completions protocol as Liasse speaks it: the prompt and
// request body for one document, and a strict-but-forgiving reading of the
// answer (code fences, <think> blocks, leading prose, NBSP, decimal commas,
// an object where a list was asked).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workflows/fields.h"
#include "workflows/llm_policy.h"

namespace liasse {

// Bumped whenever the prompt or schema changes: part of the cache key.
inline constexpr const char kLlmPromptVersion[] = "liasse-extract-3";

struct LlmQuestion {
  std::string text;                    // compacted, redacted document text
  Fields candidates;                   // what the rules found
  std::string candidates_type;         // the rules' type guess
  std::vector<std::string> doc_types;  // types the answer may use
  std::string parse_error;             // set on the retry after a bad answer
  std::string image_jpeg;              // the page, for vision providers; "" = text only
};

// json_mode: "json_schema" | "json_object" | "prompt". `token_param` is
// "max_tokens" or "max_completion_tokens".
std::string BuildChatRequestBody(const LlmQuestion& question, const std::string& model,
                                 const std::string& json_mode,
                                 const std::string& token_param);

struct ChatReply {
  std::string content;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};
// The body of a 200 answer → the assistant's content and token usage.
absl::StatusOr<ChatReply> ParseChatResponse(absl::string_view body);

// The assistant's content → a proposal; InvalidArgument says what was wrong,
// in words that can be sent back to the model.
absl::StatusOr<LlmProposal> ParseProposal(absl::string_view content,
                                          const std::vector<std::string>& doc_types);

}  // namespace liasse
