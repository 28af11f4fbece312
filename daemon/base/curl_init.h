// libcurl's process-wide set-up, shared by IMAP, SMTP, OAuth and the LLM
// client, and a body sink with a size cap.
#pragma once

#include <cstddef>
#include <string>

namespace liasse {

// CURLOPT_LOGIN_OPTIONS for a bearer token (IMAP and SMTP): SASL
// OAUTHBEARER (RFC 7628) when the server offers it, else XOAUTH2 (Microsoft
// offers only XOAUTH2; Gmail and dovecot both). Never a password mechanism.
inline constexpr char kBearerMechanisms[] = "AUTH=OAUTHBEARER;AUTH=XOAUTH2";

// An HTTP answer's body, refused past `max_bytes` (the transfer then fails
// with CURLE_WRITE_ERROR and `too_large` is set).
struct CappedBody {
  explicit CappedBody(size_t max) : max_bytes(max) {}
  size_t max_bytes;
  std::string body;
  bool too_large = false;
};
// A CURLOPT_WRITEFUNCTION for a CappedBody* given as CURLOPT_WRITEDATA.
size_t AppendToCappedBody(char* data, size_t size, size_t n, void* capped_body);

// curl_global_init, once per process (it is not thread-safe); every user of
// curl calls it before its first handle.
void InitCurlOnce();

}  // namespace liasse
