// A PDF opened with Poppler: page count, per-page text layer in reading
// order, embedded files (Factur-X / ZUGFeRD XML), and page rendering for OCR.
// Poppler types stay in the .cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct Pix;

namespace liasse {

struct EmbeddedFile {
  std::string name;
  std::string data;
};

class PdfDocument {
 public:
  // `bytes` must outlive the document. Errors are ReadErrors: encrypted (a
  // user password is needed; owner-password-only files open normally) or
  // corrupt.
  static absl::StatusOr<std::unique_ptr<PdfDocument>> Open(
      absl::string_view bytes);
  virtual ~PdfDocument() = default;

  virtual int pages() const = 0;
  // UTF-8 text of page `index` (0-based), lines in reading order.
  virtual absl::StatusOr<std::string> PageText(int index) const = 0;
  // Page size in points (1/72 inch).
  virtual absl::StatusOr<std::pair<double, double>> PageSize(int index) const = 0;
  // Share of the page, rendered small, that is not white paper: high for
  // scans, low for typeset pages.
  virtual absl::StatusOr<double> InkCoverage(int index) const = 0;
  // Renders page `index` at `dpi` to an 8-bit grey Leptonica Pix owned by
  // the caller (pixDestroy). image_too_large when over `max_pixels`.
  virtual absl::StatusOr<Pix*> Render(int index, int dpi,
                                      int64_t max_pixels) const = 0;
  virtual std::vector<EmbeddedFile> EmbeddedFiles(size_t max_bytes) const = 0;
};

}  // namespace liasse
