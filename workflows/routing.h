// Which client an e-mail belongs to. `From` decides (Reply-To never does):
// the client's configured addresses, then its own domains; a plus-address of
// the collection mailbox (collecte+CLIENTID@…) among the recipients settles
// it outright. Several candidates and no plus-address: nobody decides here.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace liasse {

struct ClientIdentity {
  std::string id;
  std::vector<std::string> emails;   // lower-case
  std::vector<std::string> domains;  // lower-case, never public mail domains
};

struct Route {
  std::string client_id;                // "" when unknown or ambiguous
  std::vector<std::string> candidates;  // every client the sender matches
  bool by_plus_address = false;
};

Route RouteSender(absl::string_view from, const std::vector<std::string>& recipients,
                  const std::vector<ClientIdentity>& clients);

}  // namespace liasse
