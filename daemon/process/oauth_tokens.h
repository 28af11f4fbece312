// OAuth2 access tokens for the [[oauth]] profiles, shared by the mailboxes
// and [smtp]: obtained with the profile's grant (mail/oauth_client), renewed
// when workflows/oauth_policy says so, and kept in STATE_DIR/oauth/NAME.json
// (0600, replaced atomically) so that a restart reuses a live token. When a
// person must act (consent revoked, secret expired, a fresh token refused by
// the mail server), the alert is called once for that episode. Tokens never
// reach a log, an error message or Status(). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/config/config.h"
#include "workflows/clock.h"
#include "workflows/oauth_policy.h"

namespace liasse {

struct TokenResponse;

struct OAuthProfileStatus {
  std::string name;
  std::string grant;
  bool has_token = false;
  absl::Time valid_until = absl::InfinitePast();
  absl::Time last_renewal = absl::InfinitePast();  // last successful call
  std::string last_error;                           // plain words; "" when the last call worked
  bool needs_person = false;
};

class OAuthTokens {
 public:
  // `alert(profile, plain)`: a person must act; `plain` is for staff (French).
  using Alert = std::function<void(const std::string& profile, const std::string& plain)>;

  // `dir` is created (0700) when the first token is saved.
  OAuthTokens(std::string dir, const Clock* clock, Alert alert);
  ~OAuthTokens();

  // At start and on each reload: profiles no longer named are dropped; a
  // profile whose settings changed starts again from its saved file.
  void SetProfiles(const std::vector<OAuthProfile>& profiles);

  // A token to present now, renewed first when due. Unavailable while none
  // can be had yet (the endpoint is down or called too recently),
  // FailedPrecondition when a person must act, NotFound for an unknown profile.
  absl::StatusOr<std::string> AccessToken(const std::string& profile);
  // A mail server refused `token` (`why`: its error, with the reason it
  // gave): the next AccessToken renews it — once; a renewed token refused
  // again raises the alert, quoting `why`.
  void Refused(const std::string& profile, const std::string& token, const std::string& why = "");
  // A mail server accepted the profile's token: the episode is over.
  void Accepted(const std::string& profile);

  std::vector<OAuthProfileStatus> Status() const;

  // What a person must do to sign in: open `verification_uri` and enter
  // `user_code` (device code), or open it and approve (authorization code).
  struct DevicePrompt {
    std::string verification_uri;
    std::string user_code;  // empty for authorization_code
    std::string message;    // the provider's own words, or how to forward the port
    absl::Time expires_at;
  };
  // Signs a device_code or authorization_code profile in, whichever its
  // grant is (the two functions below); `wait` as for LoginWithDeviceCode.
  absl::StatusOr<absl::Time> Login(const std::string& profile,
                                   const std::function<void(const DevicePrompt&)>& prompt,
                                   const std::function<bool(absl::Duration)>& wait);
  // Authorization code with PKCE (RFC 7636, S256) and a loopback redirect
  // (RFC 8252): `prompt` gets the address to open; the browser comes back to
  // 127.0.0.1:redirect_port within 10 minutes. `wait(0)` is asked every
  // 250 ms whether to go on. PermissionDenied when refused, InvalidArgument
  // when the answer's state is not this login's.
  absl::StatusOr<absl::Time> LoginWithAuthorizationCode(
      const std::string& profile, const std::function<void(const DevicePrompt&)>& prompt,
      const std::function<bool(absl::Duration)>& wait);
  // Signs a device_code profile in (RFC 8628): asks for a code, calls
  // `prompt` once, then polls the token endpoint, calling `wait(interval)`
  // between polls (false: the caller gave up: Cancelled). Keeps the tokens
  // and returns when the new token expires. FailedPrecondition for a profile
  // of another grant, PermissionDenied when the person or the provider
  // refused, DeadlineExceeded when the code expired first.
  absl::StatusOr<absl::Time> LoginWithDeviceCode(
      const std::string& profile, const std::function<void(const DevicePrompt&)>& prompt,
      const std::function<bool(absl::Duration)>& wait);

 private:
  struct Entry;
  std::shared_ptr<Entry> Find(const std::string& profile) const;
  void Renew(Entry* e);
  // The profile's settings; FailedPrecondition when `grant` is given and
  // the profile has another.
  absl::StatusOr<OAuthProfile> ProfileFor(const std::string& profile,
                                          const std::string& grant) const;
  // Keeps and saves the tokens a login obtained; when they expire.
  absl::StatusOr<absl::Time> KeepLogin(const std::string& profile, TokenResponse& r);
  // Records a successful call to the token endpoint (under e->mu).
  void Keep(Entry* e, TokenResponse& r, absl::Time now);
  void Save(const Entry& e);
  void Load(Entry* e);

  std::string dir_;
  const Clock* clock_;
  Alert alert_;
  mutable std::mutex mu_;  // guards entries_ (each entry has its own lock)
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace liasse
