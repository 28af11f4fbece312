#include "ocr/read_error.h"

#include <array>

#include "absl/strings/cord.h"
#include "workflows/enum_names.h"

namespace liasse {
namespace {

constexpr char kPayloadUrl[] = "type.liasse/read_error";

constexpr NameTable<ReadErrorCode, 9> kNames = {{
    {ReadErrorCode::kEncrypted, "encrypted"}, {ReadErrorCode::kCorrupt, "corrupt"},
    {ReadErrorCode::kUnsupportedType, "unsupported_type"},
    {ReadErrorCode::kTooLarge, "too_large"}, {ReadErrorCode::kTooManyPages, "too_many_pages"},
    {ReadErrorCode::kImageTooLarge, "image_too_large"}, {ReadErrorCode::kTimeout, "timeout"},
    {ReadErrorCode::kCrashed, "crashed"}, {ReadErrorCode::kNoText, "no_text"},
}};

}  // namespace

absl::string_view ReadErrorName(ReadErrorCode code) { return NameIn(kNames, code, "corrupt"); }

std::optional<ReadErrorCode> ParseReadErrorName(absl::string_view name) {
  return ValueIn(kNames, name);
}

absl::Status ReadError(ReadErrorCode code, absl::string_view message) {
  absl::StatusCode canonical = absl::StatusCode::kInvalidArgument;
  switch (code) {
    case ReadErrorCode::kTimeout:
      canonical = absl::StatusCode::kDeadlineExceeded;
      break;
    case ReadErrorCode::kCrashed:
      canonical = absl::StatusCode::kAborted;
      break;
    case ReadErrorCode::kTooLarge:
    case ReadErrorCode::kTooManyPages:
    case ReadErrorCode::kImageTooLarge:
      canonical = absl::StatusCode::kResourceExhausted;
      break;
    case ReadErrorCode::kEncrypted:
    case ReadErrorCode::kNoText:
      canonical = absl::StatusCode::kFailedPrecondition;
      break;
    case ReadErrorCode::kCorrupt:
    case ReadErrorCode::kUnsupportedType:
      canonical = absl::StatusCode::kInvalidArgument;
      break;
  }
  absl::Status status(canonical, message);
  status.SetPayload(kPayloadUrl, absl::Cord(ReadErrorName(code)));
  return status;
}

std::optional<ReadErrorCode> GetReadErrorCode(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  return ParseReadErrorName(std::string(*payload));
}

}  // namespace liasse
