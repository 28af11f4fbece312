// libcurl's process-wide set-up, shared by IMAP, SMTP and the LLM client.
#pragma once

namespace liasse {

// curl_global_init, once per process (it is not thread-safe); every user of
// curl calls it before its first handle.
void InitCurlOnce();

}  // namespace liasse
