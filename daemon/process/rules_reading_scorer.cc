#include "daemon/process/rules_reading_scorer.h"

#include "workflows/text_fields.h"

namespace liasse {
namespace {

// Fields the rules hold with this confidence (total confirmed by a second
// figure, and a date) need no second reading of a photo.
constexpr double kConfirmedFields = 0.9;

}  // namespace

ReadingScorer::Score RulesReadingScorer::Of(absl::string_view text) const {
  TextFields fields = ExtractFieldsFromText(text);
  Score score;
  if (fields.doc_type == DocType::kReceipt) {
    score.shape = Shape::kReceipt;
  } else if (fields.doc_type == DocType::kInvoice || fields.doc_type == DocType::kOther) {
    score.shape = Shape::kUnsure;
  }
  score.confidence = fields.fields_confidence;
  score.confirmed = fields.fields_confidence >= kConfirmedFields;
  return score;
}

}  // namespace liasse
