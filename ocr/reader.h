// Reading a document: e-invoice XML first (exact), else the PDF text layer
// page by page, else OCR. Split in steps so that the pages needing OCR can be
// spread over helper processes: AnalyzeDocument (cheap, one process), then
// OcrDocumentPage per page (anywhere), then AssembleDocument.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ocr/einvoice.h"
#include "ocr/ocr_engine.h"
#include "ocr/options.h"

namespace liasse {

enum class DocumentKind { kPdf, kXml, kImage, kTiff, kHeic };

struct PageText {
  int index = 0;
  std::string source;  // "text_layer" or "ocr"
  std::string text;
  std::optional<double> confidence;  // OCR only: mean word confidence
  int words = 0;                     // OCR only
  int dpi = 0;                       // OCR only
  int rotated_degrees = 0;           // OCR only
  std::vector<OcrWord> unsure_words;  // OCR only: words read below kUnsureWordConfidence
  // OCR only, first page, when OcrOptions::preview_px asks: the page as a
  // greyscale JPEG at most preview_px on its longest side (vision models).
  std::string preview_jpeg;
};

struct DocumentAnalysis {
  std::string mime;  // from the bytes (libmagic), not the name
  DocumentKind kind = DocumentKind::kPdf;
  int pages = 0;
  std::optional<EInvoice> einvoice;
  std::string einvoice_file;          // attachment name, "" for bare XML
  std::vector<PageText> text_pages;   // pages whose text layer is good
  std::vector<int> ocr_pages;         // pages that need OCR
  std::vector<std::string> notes;     // why pages went to OCR
};

struct DocumentText {
  std::string source;  // einvoice | text_layer | ocr | mixed
  int pages = 0;
  std::optional<double> ocr_confidence;  // mean confidence of OCR'd words
  std::string text;                      // pages joined with form feeds
  std::vector<PageText> page_texts;
};

// Type, limits, e-invoice, text layer. ReadErrors: too_large, corrupt,
// encrypted, unsupported_type, too_many_pages, image_too_large.
absl::StatusOr<DocumentAnalysis> AnalyzeDocument(absl::string_view bytes,
                                                 const OcrOptions& options);

// What a reading's text is worth to whoever decides what documents are (the
// rules, injected by the caller): OCR asks it whether a photo is worth
// reading again. ocr/ reads; it does not decide what a document is.
class ReadingScorer {
 public:
  enum class Shape {
    kReceipt,  // reads as a till receipt
    kUnsure,   // could be one (an invoice or nothing known): the page's
               // proportions decide
    kOther,    // a statement, a payslip...: never read again
  };
  struct Score {
    Shape shape = Shape::kOther;
    double confidence = 0;   // how well its figures hold together, 0..1
    bool confirmed = false;  // another reading has nothing to add
  };
  virtual ~ReadingScorer() = default;
  virtual Score Of(absl::string_view text) const = 0;
};

// OCRs page `index` of a document analysed as `kind`. PDF pages are tried at
// a lower resolution first and read again at options.dpi only when the
// first reading is poor. A photographed receipt that `scorer` does not
// confirm is read again as one column, then with the lighting evened out;
// a photo read into next to nothing, once more thresholded tile by tile.
// The reading it scores best wins (on a tie, the one that read more when
// the other read next to nothing). No scorer: one reading.
absl::StatusOr<PageText> OcrDocumentPage(absl::string_view bytes,
                                         DocumentKind kind, int index,
                                         const OcrOptions& options,
                                         OcrEngine* engine,
                                         const ReadingScorer* scorer);

// Puts the analysis and the OCR'd pages together. no_text when nothing
// readable came out and there is no e-invoice.
absl::StatusOr<DocumentText> AssembleDocument(const DocumentAnalysis& analysis,
                                              std::vector<PageText> ocr_pages);

// MIME type of `bytes` from their content (libmagic).
std::string SniffMime(absl::string_view bytes);

}  // namespace liasse
