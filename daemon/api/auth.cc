#include "daemon/api/auth.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace liasse {
namespace {

// "Bearer abc" → "abc"; "" when the scheme is not Bearer.
absl::string_view BearerToken(absl::string_view value) {
  if (!absl::StartsWithIgnoreCase(value, "bearer ")) return "";
  return absl::StripAsciiWhitespace(value.substr(7));
}

std::string Sha256(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

class BearerTokenProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit BearerTokenProcessor(std::shared_ptr<TokenTable> tokens)
      : tokens_(std::move(tokens)) {}

  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* /*context*/,
                       OutputMetadata* /*consumed_auth_metadata*/,
                       OutputMetadata* /*response_metadata*/) override {
    auto it = auth_metadata.find("authorization");
    if (it == auth_metadata.end()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "missing authorization: Bearer <token>");
    }
    absl::string_view value(it->second.data(), it->second.size());
    if (!tokens_->Lookup(BearerToken(value)).ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token");
    }
    // The metadata stays in the call: handlers read the role from it.
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<TokenTable> tokens_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<TokenTable>> TokenTable::Load(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("token file ", path, ": cannot be read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<std::shared_ptr<TokenTable>> TokenTable::Parse(
    absl::string_view text, const std::string& source) {
  auto table = std::make_shared<TokenTable>();
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ":", line_no, ": expected \"ROLE TOKEN\" (read or admin)"));
    }
    Role role;
    if (parts[0] == "read") {
      role = Role::kRead;
    } else if (parts[0] == "admin") {
      role = Role::kAdmin;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ":", line_no, ": role must be read or admin"));
    }
    if (parts[1].size() < 16) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ":", line_no, ": token shorter than 16 characters"));
    }
    table->entries_.push_back({Sha256(parts[1]), role});
  }
  if (table->entries_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no tokens (lines of \"ROLE TOKEN\")"));
  }
  return table;
}

size_t TokenTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void TokenTable::Replace(const TokenTable& fresh) {
  std::vector<Entry> entries;
  {
    std::lock_guard<std::mutex> lock(fresh.mu_);
    entries = fresh.entries_;
  }
  std::lock_guard<std::mutex> lock(mu_);
  entries_ = std::move(entries);
}

absl::StatusOr<Role> TokenTable::Lookup(absl::string_view token) const {
  std::string digest = Sha256(token);
  std::lock_guard<std::mutex> lock(mu_);
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {
    // Digests have a fixed length, so CRYPTO_memcmp's time does not depend on
    // where the token differs.
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) {
      found = &e;
    }
  }
  if (!found) return absl::NotFoundError("token");
  return found->role;
}

std::shared_ptr<grpc::AuthMetadataProcessor> NewBearerTokenProcessor(
    std::shared_ptr<TokenTable> tokens) {
  return std::make_shared<BearerTokenProcessor>(std::move(tokens));
}

absl::Status CheckRole(const grpc::ServerContext& context,
                       const TokenTable* tokens, Role needed) {
  // Only the TLS listener has IP peers; unix-socket callers passed the
  // socket's file mode and in-process callers are this process.
  std::string peer = context.peer();
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return absl::OkStatus();
  }
  // The role is looked up per call from the call's own metadata: gRPC's auth
  // context belongs to the connection, so properties set on it would mix
  // the roles of different calls sharing a connection.
  auto it = context.client_metadata().find("authorization");
  if (tokens == nullptr || it == context.client_metadata().end()) {
    return absl::UnauthenticatedError("missing authorization: Bearer <token>");
  }
  absl::StatusOr<Role> role = tokens->Lookup(
      BearerToken(absl::string_view(it->second.data(), it->second.size())));
  if (!role.ok()) return absl::UnauthenticatedError("unknown token");
  if (needed == Role::kAdmin && *role != Role::kAdmin) {
    return absl::PermissionDeniedError("this call needs an admin token");
  }
  return absl::OkStatus();
}

}  // namespace liasse
