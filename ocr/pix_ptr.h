// Ownership of Leptonica images inside ocr/ (.cc files only: Leptonica stays
// out of the public headers).
#pragma once

#include <leptonica/allheaders.h>

#include <memory>

namespace liasse {

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

}  // namespace liasse
