#include "ocr/image_loader.h"

#include <leptonica/allheaders.h>
#include <libheif/heif.h>

#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "ocr/read_error.h"

namespace liasse {
namespace {

void QuietLeptonica() {
  static std::once_flag once;
  std::call_once(once, [] { setMsgSeverity(L_SEVERITY_NONE); });
}

const l_uint8* Data(absl::string_view bytes) {
  return reinterpret_cast<const l_uint8*>(bytes.data());
}

absl::Status CheckHeader(absl::string_view bytes, int64_t max_pixels) {
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  if (pixReadHeaderMem(Data(bytes), bytes.size(), &format, &w, &h, &bps, &spp,
                       &iscmap) != 0 ||
      w <= 0 || h <= 0) {
    return ReadError(ReadErrorCode::kCorrupt, "image header cannot be read");
  }
  if (static_cast<int64_t>(w) * h > max_pixels) {
    return ReadError(ReadErrorCode::kImageTooLarge,
                     absl::StrCat("image of ", w, "x", h,
                                  " pixels is over the limit of ", max_pixels));
  }
  return absl::OkStatus();
}

// RAII for libheif objects.
struct HeifContext {
  heif_context* ctx = heif_context_alloc();
  heif_image_handle* handle = nullptr;
  heif_image* image = nullptr;
  ~HeifContext() {
    if (image) heif_image_release(image);
    if (handle) heif_image_handle_release(handle);
    heif_context_free(ctx);
  }
};

absl::StatusOr<Pix*> LoadHeic(absl::string_view bytes, int64_t max_pixels) {
  HeifContext h;
  heif_context_set_maximum_image_size_limit(h.ctx, 1 << 15);
  heif_error err = heif_context_read_from_memory_without_copy(
      h.ctx, bytes.data(), bytes.size(), nullptr);
  if (err.code != heif_error_Ok) {
    return ReadError(ReadErrorCode::kCorrupt, absl::StrCat("HEIC: ", err.message));
  }
  err = heif_context_get_primary_image_handle(h.ctx, &h.handle);
  if (err.code != heif_error_Ok) {
    return ReadError(ReadErrorCode::kCorrupt, absl::StrCat("HEIC: ", err.message));
  }
  int64_t w = heif_image_handle_get_width(h.handle);
  int64_t ht = heif_image_handle_get_height(h.handle);
  if (w <= 0 || ht <= 0) return ReadError(ReadErrorCode::kCorrupt, "HEIC: no image");
  if (w * ht > max_pixels) {
    return ReadError(ReadErrorCode::kImageTooLarge,
                     absl::StrCat("image of ", w, "x", ht,
                                  " pixels is over the limit of ", max_pixels));
  }
  err = heif_decode_image(h.handle, &h.image, heif_colorspace_monochrome,
                          heif_chroma_monochrome, nullptr);
  if (err.code != heif_error_Ok) {
    return ReadError(ReadErrorCode::kCorrupt, absl::StrCat("HEIC: ", err.message));
  }
  int stride = 0;
  const uint8_t* plane =
      heif_image_get_plane_readonly(h.image, heif_channel_Y, &stride);
  if (!plane) return ReadError(ReadErrorCode::kCorrupt, "HEIC: no luma plane");
  Pix* pix = pixCreate(static_cast<l_int32>(w), static_cast<l_int32>(ht), 8);
  if (!pix) return ReadError(ReadErrorCode::kImageTooLarge, "out of memory");
  l_uint32* data = pixGetData(pix);
  l_int32 wpl = pixGetWpl(pix);
  for (int64_t y = 0; y < ht; ++y) {
    const uint8_t* row = plane + y * stride;
    l_uint32* line = data + y * wpl;
    for (int64_t x = 0; x < w; ++x) SET_DATA_BYTE(line, x, row[x]);
  }
  return pix;
}

}  // namespace

absl::StatusOr<int> ImagePageCount(absl::string_view bytes, ImageFormat format,
                                   int64_t max_pixels) {
  QuietLeptonica();
  if (format == ImageFormat::kHeic) return 1;
  if (absl::Status st = CheckHeader(bytes, max_pixels); !st.ok()) return st;
  if (format != ImageFormat::kTiff) return 1;
  FILE* f = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (!f) return ReadError(ReadErrorCode::kCorrupt, "TIFF cannot be opened");
  l_int32 n = 0;
  l_ok rc = tiffGetCount(f, &n);
  std::fclose(f);
  if (rc != 0 || n <= 0) return ReadError(ReadErrorCode::kCorrupt, "TIFF has no pages");
  return n;
}

absl::StatusOr<Pix*> LoadImagePage(absl::string_view bytes, ImageFormat format,
                                   int index, int64_t max_pixels) {
  QuietLeptonica();
  if (format == ImageFormat::kHeic) return LoadHeic(bytes, max_pixels);
  if (absl::Status st = CheckHeader(bytes, max_pixels); !st.ok()) return st;
  Pix* pix = format == ImageFormat::kTiff
                 ? pixReadMemTiff(Data(bytes), bytes.size(), index)
                 : pixReadMem(Data(bytes), bytes.size());
  if (!pix) {
    return ReadError(ReadErrorCode::kCorrupt,
                     absl::StrCat("image page ", index + 1, " cannot be decoded"));
  }
  // Each page of a TIFF has its own header: check what was decoded too.
  if (static_cast<int64_t>(pixGetWidth(pix)) * pixGetHeight(pix) > max_pixels) {
    pixDestroy(&pix);
    return ReadError(ReadErrorCode::kImageTooLarge, "image page over the pixel limit");
  }
  return pix;
}

}  // namespace liasse
