#include "ocr/reader.h"

#include <leptonica/allheaders.h>
#include <magic.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ocr/image_loader.h"
#include "ocr/ocr_engine.h"
#include "ocr/pdf_document.h"
#include "ocr/pix_ptr.h"
#include "ocr/read_error.h"
#include "ocr/text_quality.h"

namespace liasse {
namespace {

// First readings of PDF pages use this resolution; a page read poorly is
// read again at [ocr] dpi. On the samples' invoices 200 dpi reads as well as
// 300 in about 80 % of the time (bench/run_reading.py measures it).
constexpr int kFirstPassDpi = 200;
constexpr double kGoodEnoughConfidence = 0.65;
constexpr int kGoodEnoughWords = 10;
// A photo read into fewer words has next to nothing read: a receipt has
// a name, an address, priced lines and a total.
constexpr int kFewWords = 20;
constexpr size_t kMinReadableChars = 20;
// Share of non-white pixels above which a page is taken for a scan.
constexpr double kScanInkCoverage = 0.35;

// Embedded-file names that carry the invoice.
constexpr absl::string_view kInvoiceAttachments[] = {
    "factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml",
    "xrechnung.xml"};

std::optional<DocumentKind> KindOfMime(absl::string_view mime) {
  if (mime == "application/pdf") return DocumentKind::kPdf;
  if (mime == "text/xml" || mime == "application/xml") return DocumentKind::kXml;
  if (mime == "image/tiff") return DocumentKind::kTiff;
  if (mime == "image/heic" || mime == "image/heif" ||
      mime == "image/heic-sequence" || mime == "image/avif") {
    return DocumentKind::kHeic;
  }
  if (mime == "image/jpeg" || mime == "image/png" || mime == "image/bmp" ||
      mime == "image/x-ms-bmp" || mime == "image/webp" || mime == "image/gif" ||
      mime == "image/jp2" || absl::StartsWith(mime, "image/x-portable-")) {
    return DocumentKind::kImage;
  }
  return std::nullopt;
}

ImageFormat FormatOf(DocumentKind kind) {
  return kind == DocumentKind::kTiff   ? ImageFormat::kTiff
         : kind == DocumentKind::kHeic ? ImageFormat::kHeic
                                       : ImageFormat::kLeptonica;
}

void FindEInvoice(const PdfDocument& pdf, DocumentAnalysis* out) {
  std::vector<EmbeddedFile> files = pdf.EmbeddedFiles(kMaxEInvoiceXmlBytes);
  std::stable_sort(files.begin(), files.end(),
                   [](const EmbeddedFile& a, const EmbeddedFile& b) {
                     // Known names first, in the PDF's own order; then
                     // any other attachment that parses as an invoice.
                     auto rank = [](const std::string& name) {
                       for (absl::string_view known : kInvoiceAttachments) {
                         if (name == known) return 0;
                       }
                       return 1;
                     };
                     return rank(a.name) < rank(b.name);
                   });
  for (const EmbeddedFile& f : files) {
    if (!LooksLikeXml(f.data)) continue;
    absl::StatusOr<EInvoice> inv = ParseEInvoiceXml(f.data);
    if (inv.ok()) {
      out->einvoice = std::move(*inv);
      out->einvoice_file = f.name;
      return;
    }
    out->notes.push_back(absl::StrCat("attachment ", f.name, ": ",
                                      inv.status().message()));
  }
}

absl::Status AnalyzePdf(absl::string_view bytes, const OcrOptions& options,
                        DocumentAnalysis* out) {
  absl::StatusOr<std::unique_ptr<PdfDocument>> pdf = PdfDocument::Open(bytes);
  if (!pdf.ok()) return pdf.status();
  out->pages = (*pdf)->pages();
  if (out->pages > options.max_pages) {
    return ReadError(ReadErrorCode::kTooManyPages,
                     absl::StrCat(out->pages, " pages, over the limit of ",
                                  options.max_pages));
  }
  FindEInvoice(**pdf, out);
  for (int i = 0; i < out->pages; ++i) {
    absl::StatusOr<std::string> text = (*pdf)->PageText(i);
    if (!text.ok()) return text.status();
    std::string tidy = TidyText(*text);
    // A layer good enough even over a scan needs no look at the page; a
    // thin one might be a stamp or page number over a scan: render the page
    // small and see whether it is mostly image.
    TextLayerVerdict verdict = JudgeTextLayer(tidy, true);
    if (!verdict.usable) {
      TextLayerVerdict typeset = JudgeTextLayer(tidy, false);
      if (typeset.usable) {
        // An e-invoice's pages are typeset: no need to look.
        absl::StatusOr<double> ink =
            out->einvoice ? absl::StatusOr<double>(0.0) : (*pdf)->InkCoverage(i);
        if (ink.ok() && *ink <= kScanInkCoverage) verdict = typeset;
      }
    }
    if (verdict.usable) {
      PageText page;
      page.index = i;
      page.source = "text_layer";
      page.text = std::move(tidy);
      out->text_pages.push_back(std::move(page));
    } else if (!out->einvoice) {
      // An e-invoice is exact: its pages need no OCR.
      out->ocr_pages.push_back(i);
      out->notes.push_back(absl::StrCat("page ", i + 1, " to OCR: ", verdict.reason));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string SniffMime(absl::string_view bytes) {
  // One libmagic handle per thread: magic_t is not thread-safe.
  thread_local std::unique_ptr<magic_set, decltype(&magic_close)> cookie(
      [] {
        magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (m && magic_load(m, nullptr) != 0) {
          magic_close(m);
          m = nullptr;
        }
        return m;
      }(),
      &magic_close);
  std::string mime;
  if (cookie) {
    const char* m = magic_buffer(cookie.get(), bytes.data(), bytes.size());
    if (m) mime = m;
  }
  // PDFs with leading junk are still PDFs to every reader.
  if (mime != "application/pdf" &&
      bytes.substr(0, 1024).find("%PDF-") != absl::string_view::npos) {
    mime = "application/pdf";
  }
  if ((mime.empty() || mime == "text/plain" || mime == "text/html") &&
      LooksLikeXml(bytes)) {
    mime = "text/xml";
  }
  return mime.empty() ? "application/octet-stream" : mime;
}

absl::StatusOr<DocumentAnalysis> AnalyzeDocument(absl::string_view bytes,
                                                 const OcrOptions& options) {
  DocumentAnalysis out;
  if (bytes.empty()) return ReadError(ReadErrorCode::kCorrupt, "empty file");
  if (static_cast<int64_t>(bytes.size()) > options.max_file_mb * 1024 * 1024) {
    return ReadError(ReadErrorCode::kTooLarge,
                     absl::StrCat(bytes.size(), " bytes, over the limit of ",
                                  options.max_file_mb, " MB"));
  }
  out.mime = SniffMime(bytes);
  std::optional<DocumentKind> kind = KindOfMime(out.mime);
  if (!kind) {
    return ReadError(ReadErrorCode::kUnsupportedType,
                     absl::StrCat("unsupported file type ", out.mime));
  }
  out.kind = *kind;
  switch (out.kind) {
    case DocumentKind::kXml: {
      absl::StatusOr<EInvoice> inv = ParseEInvoiceXml(bytes);
      if (!inv.ok()) {
        if (inv.status().code() == absl::StatusCode::kFailedPrecondition) {
          return ReadError(ReadErrorCode::kUnsupportedType, inv.status().message());
        }
        return ReadError(ReadErrorCode::kCorrupt, inv.status().message());
      }
      out.einvoice = std::move(*inv);
      out.pages = 1;
      return out;
    }
    case DocumentKind::kPdf:
      if (absl::Status st = AnalyzePdf(bytes, options, &out); !st.ok()) return st;
      return out;
    case DocumentKind::kImage:
    case DocumentKind::kTiff:
    case DocumentKind::kHeic: {
      absl::StatusOr<int> n = ImagePageCount(bytes, FormatOf(out.kind), options.max_pixels);
      if (!n.ok()) return n.status();
      if (*n > options.max_pages) {
        return ReadError(ReadErrorCode::kTooManyPages,
                         absl::StrCat(*n, " pages, over the limit of ",
                                      options.max_pages));
      }
      out.pages = *n;
      for (int i = 0; i < *n; ++i) out.ocr_pages.push_back(i);
      return out;
    }
  }
  return out;
}

// The page as a greyscale JPEG, its longest side at most `max_px`; "" when
// it cannot be made or would exceed kMaxPreviewBytes.
std::string PreviewJpeg(Pix* pix, int max_px) {
  max_px = std::min(max_px, kMaxPreviewPx);
  int w = pixGetWidth(pix), h = pixGetHeight(pix);
  if (max_px <= 0 || w <= 0 || h <= 0) return "";
  PixPtr grey(pixGetDepth(pix) == 8 && !pixGetColormap(pix) ? pixClone(pix)
                                                             : pixConvertTo8(pix, 0));
  if (!grey) return "";
  float scale = std::min(1.0f, static_cast<float>(max_px) / static_cast<float>(std::max(w, h)));
  PixPtr small(scale < 1.0f ? pixScaleAreaMap(grey.get(), scale, scale) : pixClone(grey.get()));
  if (!small) return "";
  l_uint8* data = nullptr;
  size_t size = 0;
  if (pixWriteMemJpeg(&data, &size, small.get(), 75, 0) != 0 || data == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return out.size() <= kMaxPreviewBytes ? out : "";
}

absl::StatusOr<PageText> OcrDocumentPage(absl::string_view bytes,
                                         DocumentKind kind, int index,
                                         const OcrOptions& options,
                                         OcrEngine* engine,
                                         const ReadingScorer* scorer) {
  PageText page;
  page.index = index;
  page.source = "ocr";
  if (kind == DocumentKind::kPdf) {
    absl::StatusOr<std::unique_ptr<PdfDocument>> pdf = PdfDocument::Open(bytes);
    if (!pdf.ok()) return pdf.status();
    std::vector<int> resolutions;
    if (options.dpi > kFirstPassDpi) resolutions.push_back(kFirstPassDpi);
    resolutions.push_back(options.dpi);
    for (int dpi : resolutions) {
      absl::StatusOr<Pix*> rendered = (*pdf)->Render(index, dpi, options.max_pixels);
      if (!rendered.ok()) {
        // A huge page: read it at the resolution that fits, if any.
        if (GetReadErrorCode(rendered.status()) == ReadErrorCode::kImageTooLarge &&
            dpi > 100) {
          continue;
        }
        return rendered.status();
      }
      PixPtr pix(*rendered);
      absl::StatusOr<OcrText> text = engine->Recognize(pix.get());
      if (!text.ok()) return text.status();
      page.text = TidyText(text->text);
      page.confidence = text->confidence;
      page.words = text->words;
      page.dpi = dpi;
      page.rotated_degrees = text->rotated_degrees;
      page.unsure_words = std::move(text->unsure_words);
      if (index == 0 && options.preview_px > 0) page.preview_jpeg = PreviewJpeg(pix.get(), options.preview_px);
      if (text->confidence >= kGoodEnoughConfidence && text->words >= kGoodEnoughWords) {
        break;
      }
    }
    if (page.dpi == 0) {
      return ReadError(ReadErrorCode::kImageTooLarge,
                       absl::StrCat("page ", index + 1, " is too large to render"));
    }
    return page;
  }
  if (kind == DocumentKind::kXml) {
    return ReadError(ReadErrorCode::kUnsupportedType, "XML has no pages to OCR");
  }
  absl::StatusOr<Pix*> loaded =
      LoadImagePage(bytes, FormatOf(kind), index, options.max_pixels);
  if (!loaded.ok()) return loaded.status();
  PixPtr pix(*loaded);
  absl::StatusOr<OcrText> text = engine->Recognize(pix.get());
  if (!text.ok()) return text.status();
  // A photographed receipt whose total the first reading cannot confirm
  // (no total, or nothing else on the page agrees with it) is read again as
  // one column: till receipts are, and block detection often splits their
  // amounts from their labels. The reading whose figures hold together wins.
  if (scorer != nullptr && (kind == DocumentKind::kImage || kind == DocumentKind::kHeic)) {
    ReadingScorer::Score best = scorer->Of(TidyText(text->text));
    // Another reading wins when its figures hold together better; on a tie
    // the earlier stays, unless it read next to nothing and the other read
    // more (a faint receipt: its name and address help whoever reviews it).
    auto keep_better = [&](absl::StatusOr<OcrText> again) {
      if (!again.ok()) return;
      ReadingScorer::Score score = scorer->Of(TidyText(again->text));
      bool more_read = score.confidence == best.confidence && text->words < kFewWords &&
                       again->words * again->confidence > text->words * text->confidence;
      if (score.confidence > best.confidence || more_read) {
        best = score;
        text = std::move(again);
      }
    };
    // Receipt-shaped (a till roll is at least 1.6 times as tall as wide) or
    // read as a receipt; an A4 page (1.41) that reads as an invoice is not
    // read twice.
    bool tall = pixGetHeight(pix.get()) >= 1.6 * pixGetWidth(pix.get());
    bool receipt = best.shape == ReadingScorer::Shape::kReceipt ||
                   (tall && best.shape == ReadingScorer::Shape::kUnsure);
    // Then, still unconfirmed, once more with the lighting evened out (a
    // photo's shadow).
    if (receipt) {
      if (!best.confirmed) keep_better(engine->RecognizeColumn(pix.get()));
      if (!best.confirmed) keep_better(engine->RecognizeColumnEvenLighting(pix.get()));
    }
    // Next to nothing read: faint print on a page whose dark margins (a
    // receipt photographed on a table) set the one threshold. Once more
    // with a threshold per tile.
    if (text->words < kFewWords) keep_better(engine->RecognizeColumnLocalThreshold(pix.get()));
  }
  page.text = TidyText(text->text);
  page.confidence = text->confidence;
  page.words = text->words;
  page.dpi = text->dpi;
  page.rotated_degrees = text->rotated_degrees;
  page.unsure_words = std::move(text->unsure_words);
  if (index == 0 && options.preview_px > 0) page.preview_jpeg = PreviewJpeg(pix.get(), options.preview_px);
  return page;
}

absl::StatusOr<DocumentText> AssembleDocument(const DocumentAnalysis& analysis,
                                              std::vector<PageText> ocr_pages) {
  DocumentText out;
  out.pages = analysis.pages;
  out.page_texts = analysis.text_pages;
  for (PageText& p : ocr_pages) out.page_texts.push_back(std::move(p));
  std::sort(out.page_texts.begin(), out.page_texts.end(),
            [](const PageText& a, const PageText& b) { return a.index < b.index; });
  bool any_layer = false, any_ocr = false;
  double confidence_sum = 0;
  int64_t word_count = 0;
  for (const PageText& p : out.page_texts) {
    if (!out.text.empty()) out.text += "\n\f\n";
    out.text += p.text;
    if (p.source == "ocr") {
      any_ocr = true;
      if (p.confidence) {
        confidence_sum += *p.confidence * p.words;
        word_count += p.words;
      }
    } else {
      any_layer = true;
    }
  }
  if (any_ocr) {
    out.ocr_confidence = word_count > 0 ? confidence_sum / word_count : 0.0;
  }
  if (analysis.einvoice) {
    out.source = "einvoice";
    return out;
  }
  out.source = any_layer && any_ocr ? "mixed" : any_ocr ? "ocr" : "text_layer";
  // Even the smallest receipt has a merchant, a date and a total: under
  // kMinReadableChars letters and digits nothing usable was read.
  size_t readable = 0;
  for (char c : out.text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
        static_cast<unsigned char>(c) >= 0x80) {
      ++readable;
    }
  }
  if (readable < kMinReadableChars) {
    return ReadError(ReadErrorCode::kNoText,
                     absl::StrCat("nothing readable: ", readable,
                                  " letters or digits in the whole document"));
  }
  return out;
}

}  // namespace liasse
