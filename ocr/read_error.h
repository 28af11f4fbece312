// Typed reasons a document cannot be read. They travel inside absl::Status
// (as a payload) so that callers can tell `encrypted` from `corrupt` without
// parsing messages, and the pipeline can decide: quarantine, retry or review.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace liasse {

enum class ReadErrorCode {
  kEncrypted,        // a user password is required
  kCorrupt,          // damaged or truncated file
  kUnsupportedType,  // decided from the bytes, not the name
  kTooLarge,         // file over [ocr] max_file_mb
  kTooManyPages,     // over [ocr] max_pages
  kImageTooLarge,    // a page image over [ocr] max_pixels (decompression bomb)
  kTimeout,          // over [ocr] timeout_s
  kCrashed,          // the extraction helper died on it
  kNoText,           // nothing readable
};

// "encrypted", "corrupt", "unsupported_type", "too_large", "too_many_pages",
// "image_too_large", "timeout", "crashed", "no_text".
absl::string_view ReadErrorName(ReadErrorCode code);
std::optional<ReadErrorCode> ParseReadErrorName(absl::string_view name);

// A Status carrying `code`; its canonical code follows what callers should
// do (timeout → DEADLINE_EXCEEDED, crashed → ABORTED, the rest are
// INVALID_ARGUMENT / FAILED_PRECONDITION / RESOURCE_EXHAUSTED).
absl::Status ReadError(ReadErrorCode code, absl::string_view message);
// The typed code of a status made by ReadError, if any.
std::optional<ReadErrorCode> GetReadErrorCode(const absl::Status& status);

}  // namespace liasse
