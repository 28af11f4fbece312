// libFuzzer target: a hostile e-mail (the MIME parser sees every message a
// client or a stranger sends to a collection mailbox).
#include <cstddef>
#include <cstdint>

#include "daemon/mail/mail_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)liasse::ParseMailMessage(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
