// RFC 7523 JWT bearer assertions, as Google's service accounts use them
// (domain-wide delegation: the service account acts as `subject`): a key
// file from the Google Cloud console, and a short-lived RS256 assertion
// signed with its private key (OpenSSL).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace liasse {

struct ServiceAccountKey {
  std::string client_email;  // the assertion's issuer
  std::string private_key;   // PEM (PKCS#8)
};

// InvalidArgument naming what is missing; never quotes the key.
absl::StatusOr<ServiceAccountKey> ReadServiceAccountKey(const std::string& path);

// header.claims.signature, base64url: iss = the key's client_email, sub =
// `subject`, aud = `audience` (the token URL), scope, iat = `now`, exp =
// `now` + 1 h (Google's maximum).
absl::StatusOr<std::string> SignJwtAssertion(const ServiceAccountKey& key,
                                             const std::string& subject,
                                             const std::string& audience,
                                             const std::vector<std::string>& scopes,
                                             absl::Time now);

}  // namespace liasse
