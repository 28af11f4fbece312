#include "workflows/routing.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace liasse {

Route RouteSender(absl::string_view from_raw, const std::vector<std::string>& recipients,
                  const std::vector<ClientIdentity>& clients) {
  Route route;
  std::string from = absl::AsciiStrToLower(from_raw);
  for (const std::string& rcpt : recipients) {
    size_t plus = rcpt.find('+');
    size_t at = rcpt.find('@');
    if (plus == std::string::npos || at == std::string::npos || plus > at) continue;
    std::string tag = absl::AsciiStrToLower(rcpt.substr(plus + 1, at - plus - 1));
    for (const ClientIdentity& c : clients) {
      if (c.id == tag) {
        route.client_id = c.id;
        route.by_plus_address = true;
        route.candidates = {c.id};
        return route;
      }
    }
  }
  size_t at = from.rfind('@');
  std::string domain = at == std::string::npos ? "" : from.substr(at + 1);
  for (const ClientIdentity& c : clients) {
    bool match = std::find(c.emails.begin(), c.emails.end(), from) != c.emails.end();
    if (!match && !domain.empty()) {
      match = std::find(c.domains.begin(), c.domains.end(), domain) != c.domains.end();
    }
    if (match) route.candidates.push_back(c.id);
  }
  if (route.candidates.size() == 1) route.client_id = route.candidates.front();
  return route;
}

}  // namespace liasse
