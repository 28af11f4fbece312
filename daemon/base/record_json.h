// JSON forms of records: what `liasse extract --json` prints, how the store
// encodes fields and checks, what liassed and its extraction helpers pass
// each other, and the fields a model answers with. Everywhere else records
// are typed. Amounts are decimal strings ("529.87"), dates YYYY-MM-DD.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "ocr/reader.h"
#include "workflows/fields.h"
#include "workflows/validate.h"

namespace liasse {

nlohmann::json FieldsToJson(const Fields& fields);
absl::StatusOr<Fields> FieldsFromJson(const nlohmann::json& j);

nlohmann::json PageTextToJson(const PageText& page);
// [[word, confidence], ...]; at most kMaxUnsureWords are read back.
nlohmann::json UnsureWordsToJson(const std::vector<OcrWord>& words);
std::vector<OcrWord> UnsureWordsFromJson(const nlohmann::json& j);
PageText PageTextFromJson(const nlohmann::json& j);

nlohmann::json AnalysisToJson(const DocumentAnalysis& analysis);
absl::StatusOr<DocumentAnalysis> AnalysisFromJson(const nlohmann::json& j);

// [{"code", "ok", "severity", "message_fr", "message_en"}...]
nlohmann::json ChecksToJson(const std::vector<Check>& checks);

// The checks of an array; anything unreadable is no check.
std::vector<Check> ChecksFromJson(const nlohmann::json& checks);

// {"code": "corrupt", "message": "..."}; code "internal" for untyped errors.
nlohmann::json ErrorToJson(const absl::Status& status);
absl::Status ErrorFromJson(const nlohmann::json& j);

}  // namespace liasse
