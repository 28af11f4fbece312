#include <leptonica/allheaders.h>
#include <omp.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ocr/layout.h"
#include "ocr/ocr_engine.h"
#include "ocr/pix_ptr.h"
#include "ocr/read_error.h"

namespace liasse {
namespace {

constexpr int kAssumedDpi = 300;
constexpr l_float32 kMinDeskewDegrees = 0.5f;
constexpr l_float32 kMinSkewConfidence = 2.5f;
constexpr double kUprightConfidence = 0.70;
constexpr int kUprightWords = 8;
constexpr float kMinOsdConfidence = 2.0f;

// A page with no ink to speak of: a duplex scan's blank back, white paper
// and sensor noise. Pixels more than kInkContrast grey levels darker than
// the paper (the median of a half-size copy, which averages the noise away)
// make up less than kBlankInkShare of it. A photo whose median is dark
// (a receipt on a table) is never blank.
constexpr int kInkContrast = 60;
constexpr double kBlankInkShare = 0.0002;
// Paper is lighter than this grey level (0–255); a darker median is a photo
// of something on a background, never a blank page.
constexpr int kMinPaperGrey = 160;

bool BlankPage(Pix* grey) {
  PixPtr half(pixScaleAreaMap2(grey));
  if (!half) return false;
  NUMA* histogram = pixGetGrayHistogram(half.get(), 1);
  if (histogram == nullptr) return false;
  int levels = numaGetCount(histogram);
  std::vector<int64_t> count(levels);
  int64_t total = 0;
  for (int i = 0; i < levels; ++i) {
    l_int32 n = 0;
    numaGetIValue(histogram, i, &n);
    count[i] = n;
    total += n;
  }
  numaDestroy(&histogram);
  if (total == 0) return false;
  int median = 0;
  for (int64_t seen = 0; median < levels && (seen += count[median]) * 2 < total; ++median) {
  }
  if (median < kMinPaperGrey) return false;
  int64_t ink = 0;
  for (int i = 0; i < median - kInkContrast; ++i) ink += count[i];
  return ink < kBlankInkShare * total;
}

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

  absl::StatusOr<OcrText> RecognizeColumn(Pix* input) override {
    return RecognizeAs(input, tesseract::PSM_SINGLE_COLUMN, Lighting::kAsIs);
  }

  absl::StatusOr<OcrText> RecognizeColumnEvenLighting(Pix* input) override {
    return RecognizeAs(input, tesseract::PSM_SINGLE_COLUMN, Lighting::kEvened);
  }

  absl::StatusOr<OcrText> RecognizeColumnLocalThreshold(Pix* input) override {
    return RecognizeAs(input, tesseract::PSM_SINGLE_COLUMN, Lighting::kLocalThreshold);
  }

  absl::StatusOr<OcrText> Recognize(Pix* input) override {
    return RecognizeAs(input, tesseract::PSM_AUTO, Lighting::kAsIs);
  }

 private:
  enum class Lighting {
    kAsIs,            // one threshold for the page (Otsu)
    kEvened,          // the background flattened first, then one threshold
    kLocalThreshold,  // a threshold per tile of the page (Leptonica's
                      // adaptive Otsu): faint print beside dark margins
  };

  absl::StatusOr<OcrText> RecognizeAs(Pix* input, tesseract::PageSegMode mode,
                                      Lighting lighting) {
    api_.SetPageSegMode(mode);
    // Tesseract's thresholding_method: 0 Otsu, 1 Leptonica's adaptive Otsu.
    api_.SetVariable("thresholding_method",
                     lighting == Lighting::kLocalThreshold ? "1" : "0");
    absl::StatusOr<OcrText> text = RecognizeGrey(input, lighting == Lighting::kEvened);
    api_.SetPageSegMode(tesseract::PSM_AUTO);
    api_.SetVariable("thresholding_method", "0");
    return text;
  }

  absl::StatusOr<OcrText> RecognizeGrey(Pix* input, bool even_lighting) {
    PixPtr grey(pixGetDepth(input) == 8 && !pixGetColormap(input)
                    ? pixClone(input)
                    : pixConvertTo8(input, 0));
    if (!grey) return ReadError(ReadErrorCode::kCorrupt, "image cannot be converted to grey");
    int dpi = pixGetXRes(grey.get());
    // 72 and 96 dpi are what software writes when it knows no resolution
    // (the screen's), not what a scanner measured: a phone photo saved by
    // an app says 96 dpi of an 800-pixel-wide receipt.
    if (dpi < 70 || dpi > 1200 || dpi == 72 || dpi == 96) {
      // No usable resolution: a phone photo or a cropped scan. Text is read
      // best at ~30 px per line; small images are upscaled to get there.
      dpi = kAssumedDpi;
      if (pixGetWidth(grey.get()) < 1300) {
        PixPtr big(pixScaleGrayLI(grey.get(), 2.0f, 2.0f));
        if (big) grey = std::move(big);
      }
    }
    pixSetResolution(grey.get(), dpi, dpi);
    if (BlankPage(grey.get())) {
      // Nothing to read; Tesseract would spend seconds, even tens of seconds
      // on lossless noise, finding specks.
      OcrText blank;
      blank.dpi = dpi;
      blank.blank = true;
      return blank;
    }
    if (even_lighting) {
      PixPtr even(pixBackgroundNormSimple(grey.get(), nullptr, nullptr));
      if (even) grey = std::move(even);
    }

    // Skew measured on a half-size binary image; the page is turned only
    // when the angle matters (Tesseract's layout copes with a fraction of a
    // degree, and turning a 300-dpi page costs a tenth of a second).
    {
      PixPtr half(pixScaleAreaMap2(grey.get()));
      PixPtr binary(half ? pixConvertTo1(half.get(), 160) : nullptr);
      l_float32 angle = 0, conf = 0;
      if (binary && pixFindSkew(binary.get(), &angle, &conf) == 0 &&
          conf > kMinSkewConfidence && std::abs(angle) > kMinDeskewDegrees) {
        PixPtr turned(pixRotate(grey.get(), -angle * 3.14159265f / 180.0f,
                                L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
        if (turned) grey = std::move(turned);
      }
    }
    pixSetResolution(grey.get(), dpi, dpi);

    absl::StatusOr<OcrText> upright = RecognizeOnce(grey.get(), dpi);
    if (!upright.ok()) return upright.status();
    // Orientation detection costs time on every page; a page read fluently
    // is upright, so only poor readings are checked for a turned page.
    if (has_osd_ && (upright->confidence < kUprightConfidence ||
                     upright->words < kUprightWords)) {
      int degrees = DetectRotation(grey.get(), dpi);
      if (degrees != 0) {
        int quads = ((360 - degrees) / 90) % 4;
        PixPtr turned(pixRotateOrth(grey.get(), quads));
        absl::StatusOr<OcrText> again =
            turned ? RecognizeOnce(turned.get(), dpi) : upright;
        if (again.ok() && again->confidence > upright->confidence) {
          upright = std::move(again);
          upright->rotated_degrees = (360 - degrees) % 360;
        }
      }
    }
    upright->dpi = dpi;
    return upright;
  }

  absl::StatusOr<OcrText> RecognizeOnce(Pix* pix, int dpi) {
    OcrText out;
    api_.SetImage(pix);
    api_.SetSourceResolution(dpi);
    if (api_.Recognize(nullptr) != 0) {
      api_.Clear();
      return ReadError(ReadErrorCode::kCorrupt, "Tesseract could not read the page");
    }
    // The text line by line as printed: the lines of Tesseract's blocks
    // that share a row put back together (ocr/layout.h).
    std::vector<TextSegment> lines;
    std::unique_ptr<tesseract::ResultIterator> line(api_.GetIterator());
    if (line && !line->Empty(tesseract::RIL_TEXTLINE)) {
      do {
        std::unique_ptr<char[]> text(line->GetUTF8Text(tesseract::RIL_TEXTLINE));
        TextSegment segment;
        if (!text || !line->BoundingBox(tesseract::RIL_TEXTLINE, &segment.left, &segment.top,
                                        &segment.right, &segment.bottom)) {
          continue;
        }
        segment.text = text.get();
        lines.push_back(std::move(segment));
      } while (line->Next(tesseract::RIL_TEXTLINE));
    }
    out.text = LayoutRows(std::move(lines));
    double sum = 0;
    std::unique_ptr<tesseract::ResultIterator> it(api_.GetIterator());
    if (it && !it->Empty(tesseract::RIL_WORD)) {
      do {
        std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
        if (!word) continue;
        double confidence = it->Confidence(tesseract::RIL_WORD) / 100.0;
        sum += confidence;
        ++out.words;
        if (confidence < kUnsureWordConfidence &&
            out.unsure_words.size() < static_cast<size_t>(kMaxUnsureWords)) {
          out.unsure_words.push_back({word.get(), confidence});
        }
      } while (it->Next(tesseract::RIL_WORD));
    }
    out.confidence = out.words > 0 ? sum / out.words : 0.0;
    api_.Clear();
    return out;
  }

  // Clockwise rotation of the page in degrees (0, 90, 180, 270), 0 when
  // unsure.
  int DetectRotation(Pix* grey, int dpi) {
    // Orientation needs no fine detail: a half-size image is read in a
    // quarter of the time.
    PixPtr small(dpi >= 250 ? pixScaleAreaMap2(grey) : pixClone(grey));
    int degrees = 0;
    float confidence = 0;
    const char* script = nullptr;
    float script_confidence = 0;
    osd_.SetImage(small ? small.get() : grey);
    osd_.SetSourceResolution(small && dpi >= 250 ? dpi / 2 : dpi);
    bool found = osd_.DetectOrientationScript(&degrees, &confidence, &script,
                                              &script_confidence);
    osd_.Clear();
    return found && confidence > kMinOsdConfidence ? degrees : 0;
  }

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
