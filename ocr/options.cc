#include "ocr/options.h"

#include "absl/strings/str_cat.h"

namespace liasse {

bool IsTesseractLanguageCode(const std::string& code) {
  if (code.size() < 3 || code.size() > 16) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

absl::Status ValidateOcrOptions(const OcrOptions& options) {
  if (options.languages.empty()) {
    return absl::InvalidArgumentError("languages: at least one is needed");
  }
  for (const std::string& lang : options.languages) {
    if (!IsTesseractLanguageCode(lang)) {
      return absl::InvalidArgumentError(
          absl::StrCat("languages: \"", lang,
                       "\" is not a Tesseract language code such as \"fra\""));
    }
  }
  if (options.dpi < 70 || options.dpi > 1200) {
    return absl::InvalidArgumentError("dpi: must be between 70 and 1200");
  }
  if (options.max_file_mb < 1 || options.max_file_mb > 4096) {
    return absl::InvalidArgumentError("max_file_mb: must be between 1 and 4096");
  }
  if (options.max_pages < 1 || options.max_pages > 100000) {
    return absl::InvalidArgumentError("max_pages: must be between 1 and 100000");
  }
  if (options.max_pixels < 1'000'000 || options.max_pixels > 10'000'000'000) {
    return absl::InvalidArgumentError(
        "max_pixels: must be between 1000000 and 10000000000");
  }
  if (options.timeout_s < 1 || options.timeout_s > 3600) {
    return absl::InvalidArgumentError("timeout_s: must be between 1 and 3600");
  }
  return absl::OkStatus();
}

}  // namespace liasse
