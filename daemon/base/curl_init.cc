#include "daemon/base/curl_init.h"

#include <curl/curl.h>

#include <mutex>

namespace liasse {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace liasse
