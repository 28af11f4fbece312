// Settings of document reading ([ocr] in the config) and the limits that keep a
// hostile document from exhausting the daemon.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace liasse {

struct OcrOptions {
  std::vector<std::string> languages = {"fra", "eng"};  // Tesseract codes
  int dpi = 300;                 // rendering resolution of PDF pages for OCR
  int64_t max_file_mb = 50;      // larger files: too_large
  int max_pages = 200;           // more pages: too_many_pages
  int64_t max_pixels = 200'000'000;  // per page image: image_too_large
  int timeout_s = 120;           // wall-clock limit of one document
  // Longest side, in pixels, of a JPEG preview of the first page read by
  // OCR, for vision models ([[llm.provider]] vision = true); 0 = none.
  int preview_px = 0;
};

// Previews are at most this long on their longest side, and this large.
inline constexpr int kMaxPreviewPx = 2048;
inline constexpr size_t kMaxPreviewBytes = 1 << 20;

// "fra", "eng", "deu", "chi_sim", "osd": lower-case letters and '_'.
bool IsTesseractLanguageCode(const std::string& code);

// InvalidArgument naming the offending field and its accepted range.
absl::Status ValidateOcrOptions(const OcrOptions& options);

}  // namespace liasse
