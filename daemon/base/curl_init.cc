#include "daemon/base/curl_init.h"

#include <curl/curl.h>

#include <mutex>

namespace liasse {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendToCappedBody(char* data, size_t size, size_t n, void* user) {
  auto* b = static_cast<CappedBody*>(user);
  if (b->body.size() + size * n > b->max_bytes) {
    b->too_large = true;
    return 0;
  }
  b->body.append(data, size * n);
  return size * n;
}

}  // namespace liasse
