// Raster images to Leptonica Pix: JPEG, PNG, TIFF (multi-page), BMP, WebP,
// PNM through Leptonica, HEIC phone photos through libheif. Dimensions are
// checked from the header before anything is decoded (decompression bombs).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct Pix;

namespace liasse {

enum class ImageFormat { kLeptonica, kTiff, kHeic };

// Pages in the image: > 1 only for multi-page TIFF. ReadErrors: corrupt,
// image_too_large.
absl::StatusOr<int> ImagePageCount(absl::string_view bytes, ImageFormat format,
                                   int64_t max_pixels);

// Decodes page `index`; the caller owns the Pix (pixDestroy). The Pix keeps
// the file's resolution, 0 when it has none.
absl::StatusOr<Pix*> LoadImagePage(absl::string_view bytes, ImageFormat format,
                                   int index, int64_t max_pixels);

}  // namespace liasse
