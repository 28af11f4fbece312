// The one function that turns a read document into a decision: e-invoice
// fields or the built-in rules, then the validators. The pipeline and
// `liasse extract` both call it, so the CLI shows what the daemon decides.
#pragma once

#include <string>
#include <vector>

#include "daemon/extractor.h"
#include "workflows/fields.h"
#include "workflows/validate.h"

namespace liasse {

struct UnderstandOptions {
  double rules_confidence = 0.9;    // [classify] llm_skip_confidence
  double min_ocr_confidence = 0.6;  // [classify] min_ocr_confidence
};

struct Understanding {
  std::string doc_type;  // as proposed (e-invoice or rules)
  bool sure = false;     // the type may be kept without a person
  Fields fields;
  std::vector<Check> checks;
  double type_confidence = 1.0;
  double fields_confidence = 1.0;
};

Understanding Understand(const ExtractedDocument& doc, const UnderstandOptions& options,
                         int64_t now_unix_seconds);

}  // namespace liasse
