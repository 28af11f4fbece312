#include "daemon/process/rules_reading_scorer.h"

#include "workflows/text_fields.h"

namespace liasse {

ReadingScorer::Score RulesReadingScorer::Of(absl::string_view text) const {
  TextFields fields = ExtractFieldsFromText(text);
  Score score;
  if (fields.doc_type == DocType::kReceipt) {
    score.shape = Shape::kReceipt;
  } else if (fields.doc_type == DocType::kInvoice || fields.doc_type == DocType::kOther) {
    score.shape = Shape::kUnsure;
  }
  score.confidence = fields.fields_confidence;
  // A total confirmed by a second figure, and a date: no second reading of
  // the photo would add to that.
  score.confirmed = fields.total_confirmed && fields.fields.issue_date.has_value();
  return score;
}

}  // namespace liasse
