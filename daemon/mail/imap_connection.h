// One IMAP session over libcurl (connection reused between commands):
// imaps:// is TLS from the start; imap:// requires STARTTLS except to a
// loopback host, where plain is allowed (test servers). Never falls back to
// plain elsewhere. Authentication by password or XOAUTH2 bearer token.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace liasse {

struct ImapFolderInfo {
  int64_t uidvalidity = 0;
  int64_t uidnext = 0;            // 0 when the server did not say
  bool keywords_allowed = false;  // PERMANENTFLAGS contains \*
};

struct ImapCredentials {
  std::string username;
  std::string password;      // or
  std::string bearer_token;  // XOAUTH2
};

class ImapConnection {
 public:
  // `url` is the [[mailbox]] url (scheme, host, port; its path is ignored).
  static absl::StatusOr<std::unique_ptr<ImapConnection>> Open(
      const std::string& url, const ImapCredentials& credentials);
  virtual ~ImapConnection() = default;

  // PermissionDenied on a login failure, Unavailable when the server cannot
  // be reached (retry later), NotFound for a missing folder.
  virtual absl::StatusOr<ImapFolderInfo> Select(const std::string& folder) = 0;
  // UIDs above `after_uid` not yet carrying the $LiasseProcessed keyword.
  virtual absl::StatusOr<std::vector<int64_t>> NewUids(const std::string& folder,
                                                       int64_t after_uid) = 0;
  virtual absl::StatusOr<int64_t> MessageSize(const std::string& folder, int64_t uid) = 0;
  // The whole message; ResourceExhausted past `max_bytes` (nothing more is read).
  virtual absl::StatusOr<std::string> Fetch(const std::string& folder, int64_t uid,
                                            int64_t max_bytes) = 0;
  virtual absl::Status AddProcessedKeyword(const std::string& folder, int64_t uid) = 0;
  virtual absl::Status MoveTo(const std::string& folder, int64_t uid,
                              const std::string& target) = 0;
};

inline constexpr char kProcessedKeyword[] = "$LiasseProcessed";

class SaslErrorCapture;
// PermissionDenied "IMAP login refused", with the server's reason when it
// gave one (a bearer token's SASL error challenge).
absl::Status LoginRefused(const SaslErrorCapture& sasl);

// Sets login, TLS policy (imaps://, or STARTTLS required on imap:// except to
// loopback) and timeouts on a curl easy handle (a CURL*) for `url`.
void SetImapSessionOptions(void* curl, const std::string& url,
                           const ImapCredentials& credentials);

}  // namespace liasse
