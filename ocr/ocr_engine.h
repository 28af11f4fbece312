// Optical character recognition of one page image. The Tesseract engine is
// costly to create (model loading): make one per process and reuse it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct Pix;

namespace liasse {

// A word Tesseract was unsure of, as it read it.
struct OcrWord {
  std::string text;
  double confidence = 0;  // 0–1
};

// Words read below this confidence are kept with the text (at most
// kMaxUnsureWords per page): whoever decides what the text says may want to
// know that the figure it relies on was a guess.
inline constexpr double kUnsureWordConfidence = 0.90;
inline constexpr int kMaxUnsureWords = 400;

struct OcrText {
  std::string text;
  double confidence = 0;  // mean word confidence, 0–1
  int words = 0;
  std::vector<OcrWord> unsure_words;  // in reading order
  int rotated_degrees = 0;  // clockwise rotation applied to make text upright
  int dpi = 0;              // resolution the page was recognised at
  bool blank = false;       // no ink on the page: not read at all
};

class OcrEngine {
 public:
  virtual ~OcrEngine() = default;
  // Orientation fixed (OSD), skew corrected, then recognised. `pix` is not
  // taken; its resolution is used when set (images without one get an
  // estimate, small photos are upscaled). Not thread-safe: one engine per
  // thread.
  virtual absl::StatusOr<OcrText> Recognize(Pix* pix) = 0;
  // The same, reading the page as one column of lines of varying size
  // (till receipts), instead of finding blocks first.
  virtual absl::StatusOr<OcrText> RecognizeColumn(Pix* pix) { return Recognize(pix); }
  // One column again, with the page's background lighting evened out first
  // (a photo's shadows and fold lines otherwise swallow whole lines).
  virtual absl::StatusOr<OcrText> RecognizeColumnEvenLighting(Pix* pix) {
    return RecognizeColumn(pix);
  }
  // One column, thresholded tile by tile instead of once for the page:
  // faint print that a dark background (a receipt photographed on a table)
  // pushes under the page's one threshold.
  virtual absl::StatusOr<OcrText> RecognizeColumnLocalThreshold(Pix* pix) {
    return RecognizeColumn(pix);
  }
};

// Tesseract with `languages` (e.g. {"fra", "eng"}) and osd for orientation.
// FailedPrecondition when a language's traineddata is missing.
absl::StatusOr<std::unique_ptr<OcrEngine>> NewTesseractEngine(
    const std::vector<std::string>& languages);

// Turns off OpenMP parallel regions for this process (Debian's Tesseract is
// built with OpenMP, which on 2 cores is ~9x slower than serial). Call before
// the first recognition; setting OMP_THREAD_LIMIT in main() is too late.
void DisableOpenMpParallelism();

}  // namespace liasse
