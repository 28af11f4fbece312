// Access control of the API. The unix socket is guarded by its file mode and
// every caller on it is an admin; TCP callers (TLS only) present
// "authorization: Bearer <token>", each token carrying a role.
#pragma once

#include "absl/strings/string_view.h"
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace grpc {
class AuthMetadataProcessor;
class ServerContext;
}  // namespace grpc

namespace liasse {

enum class Role { kRead, kAdmin };

// Tokens by role, loaded from a token file: one "ROLE TOKEN" pair per line
// (ROLE is read or admin), '#' comments and blank lines ignored. Tokens must
// be at least 16 characters. Thread-safe; replaced as a whole on reload.
class TokenTable {
 public:
  static absl::StatusOr<std::shared_ptr<TokenTable>> Load(
      const std::string& path);
  static absl::StatusOr<std::shared_ptr<TokenTable>> Parse(
      absl::string_view text, const std::string& source);

  // The role of `token`, compared in constant time; NotFound when unknown.
  absl::StatusOr<Role> Lookup(absl::string_view token) const;
  size_t size() const;
  // Takes the tokens of `fresh` instead of its own (SIGHUP): a token removed
  // from the file fails from the next call on, a new one works.
  void Replace(const TokenTable& fresh);

 private:
  struct Entry {
    std::string digest;  // SHA-256 of the token
    Role role;
  };
  mutable std::mutex mu_;
  std::vector<Entry> entries_;  // guarded by mu_
};

// Rejects TCP calls without a known bearer token (UNAUTHENTICATED) before
// any service sees them, health and reflection included.
std::shared_ptr<grpc::AuthMetadataProcessor> NewBearerTokenProcessor(
    std::shared_ptr<TokenTable> tokens);

// OK when the caller holds `needed`; UNAUTHENTICATED or PERMISSION_DENIED
// otherwise. Unix-socket and in-process callers are admins; TCP callers have
// the role of their bearer token in `tokens` (null: no TCP callers allowed).
absl::Status CheckRole(const grpc::ServerContext& context,
                       const TokenTable* tokens, Role needed);

}  // namespace liasse
