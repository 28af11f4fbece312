// The end of an OAuth2 authorization-code login (RFC 8252 §7.3): the
// browser is sent back to http://127.0.0.1:PORT/?code=...&state=..., where
// this one-shot listener takes the answer and shows the person a page.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace liasse {

struct RedirectAnswer {
  std::string code;   // empty when the provider sent an error
  std::string state;
  std::string error;  // e.g. access_denied
};

class LoopbackRedirect {
 public:
  // Listens on 127.0.0.1:`port` (0: any free port). Unavailable when the
  // port is taken.
  static absl::StatusOr<LoopbackRedirect> Listen(int port);
  LoopbackRedirect(LoopbackRedirect&& o) noexcept : fd_(o.fd_), port_(o.port_) { o.fd_ = -1; }
  LoopbackRedirect& operator=(LoopbackRedirect&&) = delete;
  LoopbackRedirect(const LoopbackRedirect&) = delete;
  ~LoopbackRedirect();

  int port() const { return port_; }
  std::string redirect_uri() const;

  // Serves requests until one carries `code` or `error` (others get a 404),
  // checking `keep_waiting()` every 250 ms (false: Cancelled) until
  // `deadline` (DeadlineExceeded; measured on the system clock).
  absl::StatusOr<RedirectAnswer> Wait(absl::Time deadline,
                                      const std::function<bool()>& keep_waiting);

 private:
  LoopbackRedirect(int fd, int port) : fd_(fd), port_(port) {}
  int fd_;
  int port_;
};

}  // namespace liasse
