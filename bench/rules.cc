// Replays the rules on texts already read: reads the JSON lines `liasse
// extract --json --text` printed, runs Understand (rules only, no LLM) on
// each "text" again, and prints the lines with the rules' fields, type and
// verdict replaced. bench/eval --ocr-cache uses it to judge a rules change
// in seconds instead of re-reading every photo; the published figures come
// from a full `liasse extract` run.
//   liasse-rules [--min-word-confidence X] < extract.jsonl > replayed.jsonl
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/base/record_json.h"
#include "daemon/process/understand.h"

int main(int argc, char** argv) {
  using nlohmann::json;
  liasse::UnderstandOptions options;  // the embedded default's thresholds
  // liasse-rules --min-word-confidence 0.8: try another bar on the cache.
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--min-word-confidence") options.min_word_confidence = std::atof(argv[i + 1]);
  }
  for (std::string line; std::getline(std::cin, line);) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.value("ok", false) && j.contains("text") && j["text"].is_string()) {
      liasse::ExtractedDocument doc;
      doc.text.text = j["text"].get<std::string>();
      doc.text.source = j.value("source", "");
      if (j.contains("unsure_words")) {
        liasse::PageText page;
        page.unsure_words = liasse::UnsureWordsFromJson(j["unsure_words"]);
        doc.text.page_texts.push_back(std::move(page));
      }
      if (j["ocr_confidence"].is_number()) doc.text.ocr_confidence = j["ocr_confidence"].get<double>();
      liasse::Understanding u = liasse::Understand(doc, options, std::time(nullptr));
      j["type_confidence"] = u.type_confidence;
      j["fields_confidence"] = u.fields_confidence;
      j["doc_type"] = std::string(liasse::DocTypeName(u.doc_type));
      j["type_sure"] = u.sure;
      j["decided_by"] = u.decided_by;
      j["total_evidence"] = u.total_evidence;
      j["date_evidence"] = u.date_evidence;
      j["llm_needed"] = u.llm_needed;
      j["fields"] = liasse::FieldsToJson(u.fields);
      j["checks"] = liasse::ChecksToJson(u.checks);
    }
    std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  }
  return 0;
}
