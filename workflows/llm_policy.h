// What Liasse decides around a language model, without talking to one: what
// text may leave (redaction, compaction), whether an answer is grounded in
// the document, how a proposal merges with the rules, and when a provider is
// given a rest (circuit breaker). The HTTP client lives in daemon/.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "workflows/doc_type.h"
#include "workflows/fields.h"
#include "workflows/validate.h"

namespace liasse {

// Masks IBANs, e-mail addresses, phone numbers and French social-security
// numbers (NIR) with placeholders such as "[IBAN]".
std::string RedactForLlm(absl::string_view text);

// Whitespace runs become one space (newlines kept, blank lines dropped), then
// the text is cut to `max_chars` bytes at a UTF-8 boundary. Invoices put the
// totals at the end: when cut, the head and the tail are kept.
std::string CompactForLlm(absl::string_view text, size_t max_chars);

// A model's answer, already parsed into our types.
struct LlmProposal {
  DocType doc_type = DocType::kUnknown;
  double confidence = 0;
  Fields fields;
};

// `llm_grounded`: every amount, date and invoice number a model proposes must
// be printed in the document. A model (or a document talking to it) cannot
// invent figures that the validators would then check against each other.
// `read_from_image`: the model saw the page image, and the OCR text may have
// misread what the model read right: one OCR confusion per figure is
// allowed (a digit changed, dropped or added; dates likewise).
Check GroundingCheck(const Fields& proposed, absl::string_view document_text,
                     bool read_from_image = false);

// `llm_figures_consistent`, for answers read from an image: net + tax make
// the total (to the cent), the tax is a plausible VAT rate of the net (at
// most 27 %), each tax line is its rate of its base; a `priced` document
// (invoice, receipt, credit note) has a total. A payslip or a statement
// need not.
Check FiguresHoldTogether(const Fields& proposed, bool priced);

// The rules' view and the model's, merged: the model's values win, the rules
// fill what the model left empty. The caller validates the result.
Fields MergeProposal(const Fields& rules, const Fields& proposed);

// True when the LLM is not needed: the rules are sure and no error check
// failed (the "skip only when ... every validator passes").
bool RulesDecide(bool rules_sure, const std::vector<Check>& rules_checks);

// The failed error checks of the rules' reading: they bind whatever a model
// says (a failed check is never overridden, and a document cannot talk its
// way past one by addressing the model).
std::vector<Check> BindingRuleFailures(const std::vector<Check>& rules_checks);

// Per-provider circuit breaker. Closed: calls go through. After
// `failures_to_open` consecutive failures it opens for a cool-down that
// doubles up to `max_cooldown`; then one trial call (half-open) closes it on
// success or reopens it. A configuration error or a 429 opens it until a
// given time.
class CircuitBreaker {
 public:
  struct Options {
    int failures_to_open = 3;
    absl::Duration first_cooldown = absl::Seconds(30);
    absl::Duration max_cooldown = absl::Minutes(10);
  };
  CircuitBreaker() = default;
  explicit CircuitBreaker(Options options) : options_(options) {}

  bool Allows(absl::Time now) const { return now >= open_until_; }
  void RecordSuccess();
  void RecordFailure(absl::Time now);
  void OpenUntil(absl::Time until);
  bool IsOpen(absl::Time now) const { return !Allows(now); }
  absl::Time open_until() const { return open_until_; }

 private:
  Options options_;
  int consecutive_failures_ = 0;
  absl::Duration cooldown_ = absl::ZeroDuration();
  absl::Time open_until_ = absl::InfinitePast();
};

}  // namespace liasse
