// spdlog to stderr (journald picks it up). One line per event, key=value
// fields such as client=acme doc=42; never secrets or document contents.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace liasse {

// Installs the stderr logger as spdlog's default. Idempotent.
void InitLogging(const std::string& level);
// trace | debug | info | warn | error | critical | off.
absl::Status SetLogLevel(const std::string& level);

}  // namespace liasse
