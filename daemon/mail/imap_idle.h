// IMAP IDLE (RFC 2177) on a connection of its own. libcurl has no IDLE: the
// connection is set up by curl (TLS or STARTTLS, login) with
// CURLOPT_CONNECT_ONLY, and the IDLE exchange is driven by hand with
// curl_easy_send / curl_easy_recv.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/mail/imap_connection.h"

namespace liasse {

class ImapIdler {
 public:
  static absl::StatusOr<std::unique_ptr<ImapIdler>> Open(const std::string& url,
                                                         const ImapCredentials& credentials);
  virtual ~ImapIdler() = default;

  // Whether the server announced IDLE in its capabilities.
  virtual bool supported() const = 0;
  // Selects `folder` and idles until the server reports new mail (true),
  // `max_wait` passes or `wake_fd` becomes readable (false). The caller
  // re-issues it; RFC 2177 wants a new IDLE at least every 29 minutes.
  // `seen_uidnext` is the UIDNEXT the caller's last search saw: mail that
  // arrived between that search and this SELECT is news at once (IDLE only
  // reports what arrives after it starts).
  virtual absl::StatusOr<bool> WaitForNews(const std::string& folder, int64_t seen_uidnext,
                                           absl::Duration max_wait, int wake_fd) = 0;
};

}  // namespace liasse
