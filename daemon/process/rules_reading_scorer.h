// The rules (workflows/text_fields) as OCR's ReadingScorer: a reading is
// worth what the fields the rules find in it are.
#pragma once

#include "ocr/reader.h"

namespace liasse {

class RulesReadingScorer : public ReadingScorer {
 public:
  Score Of(absl::string_view text) const override;
};

}  // namespace liasse
