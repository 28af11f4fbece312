// The one function that turns a read document into a decision: e-invoice
// fields, or the built-in rules (with the supplier ↔ type pairs staff have
// confirmed), then — only when those are unsure or a check fails — the LLM
// provider chain; the validators decide in every case. The pipeline and
// `liasse extract` both call it, so the CLI shows what the daemon decides.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/process/extractor.h"
#include "workflows/bank_matching.h"
#include "workflows/doc_type.h"
#include "workflows/fields.h"
#include "workflows/validate.h"

namespace liasse {

class LlmChain;

struct UnderstandOptions {
  double rules_confidence = 0.9;    // [classify] llm_skip_confidence
  double min_ocr_confidence = 0.6;  // [classify] min_ocr_confidence
  // A total or date OCR read below this word confidence never makes the
  // rules sure (up to kUnsureWordConfidence, the words OCR reports).
  double min_word_confidence = 0.5;
  PartyIdentity client;             // purchase or sale
  bool llm_allowed = true;          // the client's `llm`
  // The type staff confirmed for this supplier, or kUnknown.
  std::function<DocType(const Fields&)> learned_type;
  // The client's debits no document justifies yet, and how they match: a
  // priced document the rules are unsure of, whose total, date and name one
  // of them confirms, is a receipt or invoice for it (decided_by
  // "rules+bank").
  std::vector<MatchDebit> open_debits;
  MatchOptions matching;
};

struct Understanding {
  DocType doc_type = DocType::kUnknown;  // as proposed
  bool sure = false;     // the type may be kept without a person
  Fields fields;
  std::vector<Check> checks;
  double type_confidence = 1.0;
  double fields_confidence = 1.0;
  // einvoice | rules | learned | rules+bank | llm:<provider>
  std::string decided_by;
  // What confirmed the rules' total (TextFields::total_evidence, or "bank
  // debit"); "" when nothing did.
  std::string total_evidence;
  // What vouches for the rules' date (TextFields::date_evidence).
  std::string date_evidence;
  bool llm_needed = false;  // rules alone were not enough
  std::vector<std::string> llm_errors;
};

// `llm` may be null (no provider configured); `content_hash` keys its cache.
Understanding Understand(const ExtractedDocument& doc, const UnderstandOptions& options,
                         int64_t now_unix_seconds, LlmChain* llm = nullptr,
                         const std::string& content_hash = "");

// Normalised supplier key for learned pairs: SIREN, else VAT, else the
// name's letters and digits; "" when the document names no supplier.
std::string SupplierKey(const Fields& fields);

}  // namespace liasse
