// A printed page as an office scanner returns it: 8-bit grey, slightly
// tilted, with sensor noise, saved as JPEG. bench/eval --scans runs it on
// e-invoice pages rendered by pdftoppm, so that OCR of scanned invoices is
// scored against the invoices' XML.
// Usage: liasse-scan [--degrees D] [--noise STDEV] [--quality Q] [--dpi N] IN... OUT
// (defaults 0.8°, 6 grey levels, quality 80, 200 dpi written in the file).
// OUT.jpg takes one page; OUT.tif takes every IN as a page (zip-compressed
// grey, as multi-page scans are sent). The noise is seeded: the same
// input gives the same scan.
#include <leptonica/allheaders.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  float degrees = 0.8f, noise = 6.0f;
  int quality = 80, dpi = 200;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--degrees" && i + 1 < argc) {
      degrees = std::strtof(argv[++i], nullptr);
    } else if (a == "--noise" && i + 1 < argc) {
      noise = std::strtof(argv[++i], nullptr);
    } else if (a == "--quality" && i + 1 < argc) {
      quality = std::atoi(argv[++i]);
    } else if (a == "--dpi" && i + 1 < argc) {
      dpi = std::atoi(argv[++i]);
    } else {
      files.push_back(a);
    }
  }
  bool tiff = files.size() >= 2 && files.back().size() > 4 &&
              files.back().compare(files.back().size() - 4, 4, ".tif") == 0;
  if (files.size() < 2 || (files.size() > 2 && !tiff)) {
    std::fprintf(stderr, "usage: liasse-scan [--degrees D] [--noise STDEV] [--quality Q] [--dpi N] IN... OUT.jpg|OUT.tif\n");
    return 2;
  }
  std::string out = files.back();
  files.pop_back();
  setMsgSeverity(L_SEVERITY_NONE);
  std::srand(1);  // pixAddGaussianNoise draws from rand()
  std::remove(out.c_str());
  for (size_t i = 0; i < files.size(); ++i) {
    PIX* page = pixRead(files[i].c_str());
    if (page == nullptr) {
      std::fprintf(stderr, "liasse-scan: cannot read %s\n", files[i].c_str());
      return 1;
    }
    PIX* grey = pixConvertTo8(page, 0);
    PIX* tilted = grey ? pixRotate(grey, degrees * static_cast<float>(M_PI) / 180.0f,
                                   L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0)
                       : nullptr;
    PIX* noisy = tilted ? pixAddGaussianNoise(tilted, noise) : nullptr;
    bool written = false;
    if (noisy != nullptr) {
      pixSetResolution(noisy, dpi, dpi);
      written = tiff ? pixWriteTiff(out.c_str(), noisy, IFF_TIFF_ZIP, i == 0 ? "w" : "a") == 0
                     : pixWriteJpeg(out.c_str(), noisy, quality, 0) == 0;
    }
    pixDestroy(&noisy);
    pixDestroy(&tilted);
    pixDestroy(&grey);
    pixDestroy(&page);
    if (!written) {
      std::fprintf(stderr, "liasse-scan: cannot write %s\n", out.c_str());
      return 1;
    }
  }
  return 0;
}
