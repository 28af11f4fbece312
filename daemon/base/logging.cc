#include "daemon/base/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace liasse {

void InitLogging(const std::string& level) {
  static bool installed = [] {
    auto logger = spdlog::stderr_logger_mt("liassed");
    // journald stamps lines itself; a terminal wants the time.
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
      logger->set_pattern("%l %v");
    } else {
      logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    }
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return true;
  }();
  (void)installed;
  (void)SetLogLevel(level);
}

absl::Status SetLogLevel(const std::string& level) {
  spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat("log level ", level));
  }
  spdlog::set_level(lvl);
  return absl::OkStatus();
}

}  // namespace liasse
