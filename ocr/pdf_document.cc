#include "ocr/pdf_document.h"

#include <glib-object.h>
#include <leptonica/allheaders.h>
#include <poppler/glib/poppler.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <cmath>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "ocr/read_error.h"

namespace liasse {
namespace {

// Poppler prints parse warnings to stderr for every damaged file; they are
// noise next to the typed error we return.
void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function(
        [](const std::string&, void*) {}, nullptr);
  });
}

class PopplerPdf final : public PdfDocument {
 public:
  PopplerPdf(absl::string_view bytes, std::unique_ptr<poppler::document> doc)
      : bytes_(bytes), doc_(std::move(doc)) {}

  int pages() const override { return doc_->pages(); }

  absl::StatusOr<std::string> PageText(int index) const override {
    std::unique_ptr<poppler::page> page(doc_->create_page(index));
    if (!page) return ReadError(ReadErrorCode::kCorrupt, absl::StrCat("page ", index + 1));
    // physical_layout keeps lines as printed (like pdftotext -layout), which
    // keeps labels and their amounts on one line.
    poppler::byte_array utf8 =
        page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    return std::string(utf8.begin(), utf8.end());
  }

  absl::StatusOr<std::pair<double, double>> PageSize(int index) const override {
    std::unique_ptr<poppler::page> page(doc_->create_page(index));
    if (!page) return ReadError(ReadErrorCode::kCorrupt, absl::StrCat("page ", index + 1));
    poppler::rectf r = page->page_rect(poppler::media_box);
    double w = r.width(), h = r.height();
    if (page->orientation() == poppler::page::landscape ||
        page->orientation() == poppler::page::seascape) {
      std::swap(w, h);
    }
    return std::make_pair(std::abs(w), std::abs(h));
  }

  absl::StatusOr<double> InkCoverage(int index) const override {
    absl::StatusOr<Pix*> pix = Render(index, 30, 10'000'000);
    if (!pix.ok()) return pix.status();
    l_int32 w = pixGetWidth(*pix), h = pixGetHeight(*pix);
    l_uint32* data = pixGetData(*pix);
    l_int32 wpl = pixGetWpl(*pix);
    int64_t ink = 0;
    for (l_int32 y = 0; y < h; ++y) {
      l_uint32* line = data + y * wpl;
      for (l_int32 x = 0; x < w; ++x) {
        if (GET_DATA_BYTE(line, x) < 235) ++ink;
      }
    }
    pixDestroy(&*pix);
    return w * h > 0 ? static_cast<double>(ink) / (static_cast<double>(w) * h) : 0.0;
  }

  absl::StatusOr<Pix*> Render(int index, int dpi,
                              int64_t max_pixels) const override {
    std::unique_ptr<poppler::page> page(doc_->create_page(index));
    if (!page) return ReadError(ReadErrorCode::kCorrupt, absl::StrCat("page ", index + 1));
    poppler::rectf r = page->page_rect(poppler::media_box);
    double px = std::abs(r.width()) * dpi / 72.0 * std::abs(r.height()) * dpi / 72.0;
    if (!(px > 0) || px > static_cast<double>(max_pixels)) {
      return ReadError(ReadErrorCode::kImageTooLarge,
                       absl::StrCat("page ", index + 1, " at ", dpi, " dpi is ",
                                    static_cast<int64_t>(px),
                                    " pixels, over the limit of ", max_pixels));
    }
    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_gray8);
    poppler::image img = renderer.render_page(page.get(), dpi, dpi);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) {
      return ReadError(ReadErrorCode::kCorrupt,
                       absl::StrCat("page ", index + 1, " cannot be rendered"));
    }
    Pix* pix = pixCreate(img.width(), img.height(), 8);
    if (!pix) return ReadError(ReadErrorCode::kImageTooLarge, "out of memory");
    pixSetResolution(pix, dpi, dpi);
    l_uint32* data = pixGetData(pix);
    l_int32 wpl = pixGetWpl(pix);
    const char* src = img.const_data();
    for (int y = 0; y < img.height(); ++y) {
      const unsigned char* row =
          reinterpret_cast<const unsigned char*>(src + y * img.bytes_per_row());
      l_uint32* line = data + y * wpl;
      for (int x = 0; x < img.width(); ++x) SET_DATA_BYTE(line, x, row[x]);
    }
    return pix;
  }

  std::vector<EmbeddedFile> EmbeddedFiles(size_t max_bytes) const override {
    std::vector<EmbeddedFile> out;
    if (!doc_->has_embedded_files()) return out;
    // poppler-cpp cuts UTF-16 file names at their first NUL byte; the glib
    // binding decodes them, so attachments are read through it.
    GBytes* gbytes = g_bytes_new_static(bytes_.data(), bytes_.size());
    GError* error = nullptr;
    PopplerDocument* doc = poppler_document_new_from_bytes(gbytes, nullptr, &error);
    g_bytes_unref(gbytes);
    if (!doc) {
      if (error) g_error_free(error);
      return out;
    }
    GList* attachments = poppler_document_get_attachments(doc);
    for (GList* l = attachments; l; l = l->next) {
      PopplerAttachment* a = POPPLER_ATTACHMENT(l->data);
      Sink sink{max_bytes, {}, false};
      poppler_attachment_save_to_callback(a, &Sink::Write, &sink, nullptr);
      if (!sink.overflow) {
        out.push_back({a->name ? a->name : "", std::move(sink.data)});
      }
    }
    g_list_free_full(attachments, g_object_unref);
    g_object_unref(doc);
    return out;
  }

 private:
  struct Sink {
    size_t max_bytes;
    std::string data;
    bool overflow;
    static gboolean Write(const gchar* buf, gsize count, gpointer user, GError**) {
      Sink* sink = static_cast<Sink*>(user);
      if (sink->data.size() + count > sink->max_bytes) {
        sink->overflow = true;
        return FALSE;
      }
      sink->data.append(buf, count);
      return TRUE;
    }
  };

  absl::string_view bytes_;
  std::unique_ptr<poppler::document> doc_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PdfDocument>> PdfDocument::Open(
    absl::string_view bytes) {
  SilencePoppler();
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return ReadError(ReadErrorCode::kTooLarge, "PDF over 2 GiB");
  }
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) {
    return ReadError(ReadErrorCode::kCorrupt, "PDF cannot be opened (damaged or not a PDF)");
  }
  if (doc->is_locked()) {
    return ReadError(ReadErrorCode::kEncrypted,
                     "PDF is encrypted with a user password");
  }
  if (doc->pages() <= 0) {
    return ReadError(ReadErrorCode::kCorrupt, "PDF has no pages");
  }
  return std::unique_ptr<PdfDocument>(new PopplerPdf(bytes, std::move(doc)));
}

}  // namespace liasse
