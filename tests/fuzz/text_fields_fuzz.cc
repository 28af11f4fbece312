// libFuzzer target: the field rules on the text of a document (text layer or
// OCR): amounts, dates, numbers, classification.
#include <cstddef>
#include <cstdint>

#include "workflows/text_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)liasse::ExtractFieldsFromText(text);
  (void)liasse::ClassifyText(text);
  return 0;
}
