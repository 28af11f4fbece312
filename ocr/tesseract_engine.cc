#include <leptonica/allheaders.h>
#include <omp.h>
#include <tesseract/baseapi.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ocr/ocr_engine.h"
#include "ocr/read_error.h"

namespace liasse {
namespace {

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

constexpr int kAssumedDpi = 300;

class TesseractEngine final : public OcrEngine {
 public:
  absl::Status Init(const std::vector<std::string>& languages) {
    std::string langs = absl::StrJoin(languages, "+");
    if (api_.Init(nullptr, langs.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Tesseract cannot load languages ", langs,
          " (install tesseract-ocr-<lang>)"));
    }
    // The OSD model is optional: without it pages are read as they come.
    has_osd_ = osd_.Init(nullptr, "osd", tesseract::OEM_DEFAULT) == 0;
    if (has_osd_) osd_.SetPageSegMode(tesseract::PSM_OSD_ONLY);
    api_.SetPageSegMode(tesseract::PSM_AUTO);
    // Tesseract prints "Estimating resolution" and similar to stderr.
    api_.SetVariable("debug_file", "/dev/null");
    osd_.SetVariable("debug_file", "/dev/null");
    return absl::OkStatus();
  }

  ~TesseractEngine() override {
    api_.End();
    osd_.End();
  }

  absl::StatusOr<OcrText> Recognize(Pix* input) override {
    OcrText out;
    PixPtr grey(pixGetDepth(input) == 8 && !pixGetColormap(input)
                    ? pixClone(input)
                    : pixConvertTo8(input, 0));
    if (!grey) return ReadError(ReadErrorCode::kCorrupt, "image cannot be converted to grey");
    int dpi = pixGetXRes(grey.get());
    if (dpi < 70 || dpi > 1200) {
      // No usable resolution: a phone photo or a cropped scan. Text is read
      // best at ~30 px per line; small images are upscaled to get there.
      dpi = kAssumedDpi;
      if (pixGetWidth(grey.get()) < 1300) {
        PixPtr big(pixScaleGrayLI(grey.get(), 2.0f, 2.0f));
        if (big) grey = std::move(big);
      }
    }
    pixSetResolution(grey.get(), dpi, dpi);
    out.dpi = dpi;

    if (has_osd_) {
      int degrees = 0;
      float confidence = 0;
      const char* script = nullptr;
      float script_confidence = 0;
      osd_.SetImage(grey.get());
      osd_.SetSourceResolution(dpi);
      if (osd_.DetectOrientationScript(&degrees, &confidence, &script,
                                       &script_confidence) &&
          degrees != 0 && confidence > 2.0f) {
        // `degrees` is how far the page is turned clockwise; turn it back.
        int quads = ((360 - degrees) / 90) % 4;
        PixPtr upright(pixRotateOrth(grey.get(), quads));
        if (upright) {
          grey = std::move(upright);
          out.rotated_degrees = (360 - degrees) % 360;
        }
      }
      osd_.Clear();
    }
    l_float32 angle = 0, conf = 0;
    PixPtr deskewed(pixFindSkewAndDeskew(grey.get(), 2, &angle, &conf));
    if (deskewed) grey = std::move(deskewed);
    pixSetResolution(grey.get(), dpi, dpi);

    api_.SetImage(grey.get());
    api_.SetSourceResolution(dpi);
    if (api_.Recognize(nullptr) != 0) {
      api_.Clear();
      return ReadError(ReadErrorCode::kCorrupt, "Tesseract could not read the page");
    }
    std::unique_ptr<char[]> text(api_.GetUTF8Text());
    out.text = text ? text.get() : "";
    std::unique_ptr<int[]> confidences(api_.AllWordConfidences());
    int64_t sum = 0;
    for (int i = 0; confidences && confidences[i] >= 0; ++i) {
      sum += confidences[i];
      ++out.words;
    }
    out.confidence = out.words > 0 ? sum / (100.0 * out.words) : 0.0;
    api_.Clear();
    return out;
  }

 private:
  tesseract::TessBaseAPI api_;
  tesseract::TessBaseAPI osd_;
  bool has_osd_ = false;
};

}  // namespace

void DisableOpenMpParallelism() { omp_set_max_active_levels(0); }

absl::StatusOr<std::unique_ptr<OcrEngine>> NewTesseractEngine(
    const std::vector<std::string>& languages) {
  DisableOpenMpParallelism();
  auto engine = std::make_unique<TesseractEngine>();
  if (absl::Status st = engine->Init(languages); !st.ok()) return st;
  return std::unique_ptr<OcrEngine>(std::move(engine));
}

}  // namespace liasse
