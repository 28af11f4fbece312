// Built-in rules that read fields from a document's text (text layer or
// OCR) in French, English and German, and guess its type. Pure functions on
// untrusted text; regular expressions are RE2 (linear time).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "workflows/doc_type.h"
#include "workflows/fields.h"
#include "workflows/printed.h"

namespace liasse {

struct TextFields {
  Fields fields;
  DocType doc_type = DocType::kOther;
  double type_confidence = 0;  // 0–1
  // How sure the rules are of the totals and date they found (0–1).
  double fields_confidence = 0;
  // The total agrees with a second figure (net + tax, a VAT summary, the
  // payment, another total line).
  bool total_confirmed = false;
  // Which: "net+tax", "rate subtotals", "net+tax printed", "tax included
  // printed", "tax table", "net and tax row", "total-tax printed", "card", "cash", "two total
  // lines"; "" when the total is not confirmed.
  std::string total_evidence;
  // The issue date is labelled, stamped with a time of day, or printed twice.
  bool date_confirmed = false;
  // Which: "label", "label, commas repaired", "time of day", "printed
  // twice", "only date"; "" when not confirmed.
  std::string date_evidence;
};

// How the text was read. OCR misreads a digit for another and garbles
// labels, so a figure the page's arithmetic contradicts by one such digit
// may be put right; a PDF's text layer reads what was printed, and figures
// that disagree there are the document's own (for a person to see).
enum class TextOrigin { kOcr, kTextLayer };

// `unsure_words`: words OCR read below the caller's confidence bar, as read.
// A total or date read from one of them may be filed, but it is not
// confirmed: the rules are never sure of a guess.
TextFields ExtractFieldsFromText(absl::string_view text,
                                 const std::vector<std::string>& unsure_words = {},
                                 TextOrigin origin = TextOrigin::kOcr);

// Type by keywords alone, with a confidence in 0–1.
std::pair<DocType, double> ClassifyText(absl::string_view text);

}  // namespace liasse
