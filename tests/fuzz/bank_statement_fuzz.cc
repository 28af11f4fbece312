// libFuzzer target: bank statement files (CSV, OFX SGML/XML, CFONB 120,
// CAMT.053) and the text layer of PDF statements. The first byte picks the
// format the parser is told (detection, or each explicit format), so every
// parser sees every input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ocr/bank_statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kFormats[] = {"", "csv", "ofx", "cfonb120", "camt053",
                                         "csv:date=1,label=2,amount=3"};
  constexpr size_t kCount = sizeof(kFormats) / sizeof(kFormats[0]);
  absl::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % (kCount + 1) == kCount) {
    (void)liasse::ParseStatementText(bytes);
  } else {
    (void)liasse::ParseBankStatement(bytes, kFormats[data[0] % (kCount + 1)]);
  }
  return 0;
}
