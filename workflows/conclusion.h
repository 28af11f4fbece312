// What a read document comes to once its checks are known: its final state
// (done or needs_review), the typed reason, the checks to record, and what
// follows — filing it against the client's period, or asking the client for
// a better copy. Decided here from typed checks, never by searching strings;
// the pipeline commits it and the collector carries out the follow-up.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workflows/doc_type.h"
#include "workflows/validate.h"

namespace liasse {

enum class FollowUp {
  kNone,       // a person looks at it (review)
  kFile,       // done: file it against what the client owes
  kAskAgain,   // the client is asked for another copy (ask_fr / ask_en say why)
};

struct Conclusion {
  bool done = false;  // false: needs_review
  // "" when done; else "unknown_sender", "unclassified", or the codes of the
  // failed error checks ("readable, totals_consistent").
  std::string reason;
  // The document's checks when they change (unknown_sender replaces them,
  // unclassified is added); nullopt: unchanged.
  std::optional<std::vector<Check>> checks;
  FollowUp follow_up = FollowUp::kNone;
  std::string ask_fr;  // kAskAgain: the request, in the client's words
  std::string ask_en;
};

// `client_known`: the document belongs to a client (not the unknown sender).
// `checks`: what the validators said. `doc_type`: kUnknown when undetermined.
Conclusion ConcludeDocument(bool client_known, const std::vector<Check>& checks,
                            DocType doc_type);

}  // namespace liasse
