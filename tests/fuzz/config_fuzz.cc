// libFuzzer target: the TOML config an admin writes (every error must come
// back as a Status naming file, line and key — never a crash).
#include <cstddef>
#include <cstdint>

#include "daemon/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)liasse::ParseConfig(absl::string_view(reinterpret_cast<const char*>(data), size),
                            "/etc/liasse/fuzz.toml");
  return 0;
}
