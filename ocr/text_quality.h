// Decides whether a PDF page's text layer can be trusted or the page must go
// to OCR: too little text for the page, many unmapped glyphs or replacement
// characters, or the junk layer some scanners put over the image.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace liasse {

struct TextLayerVerdict {
  bool usable = false;
  std::string reason;  // why not, for logs and tests
};

// `text` is the page's text layer (UTF-8); `page_has_images` says whether the
// page draws a raster image that could hold the real content.
TextLayerVerdict JudgeTextLayer(absl::string_view text, bool page_has_images);

// Collapses runs of spaces and tabs, trims line ends, drops empty lines at
// the ends. Keeps line breaks: reading order is line order.
std::string TidyText(absl::string_view text);

}  // namespace liasse
