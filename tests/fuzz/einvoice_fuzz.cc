// libFuzzer target: e-invoice XML (Factur-X / ZUGFeRD CII, UBL) as embedded
// in a client's PDF or sent alone.
#include <cstddef>
#include <cstdint>

#include "ocr/einvoice.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)liasse::ParseEInvoiceXml(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
