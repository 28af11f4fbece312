// OAuth2 access tokens for mailboxes: when one is renewed, and what a token
// endpoint's error means for the firm. Pure: daemon/mail/oauth_tokens does
// the HTTP and keeps the tokens.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace liasse {

// What is known of one profile's token and of the attempts to renew it.
struct TokenState {
  bool has_token = false;
  absl::Time obtained_at = absl::InfinitePast();  // when the endpoint issued it (our clock)
  absl::Time expires_at = absl::InfinitePast();
  absl::Time last_attempt = absl::InfinitePast();  // last call to the token endpoint
  int failures_in_row = 0;                          // failed calls since the last success
  bool rejected = false;  // a mail server refused the current token
};

enum class TokenAction {
  kUse,      // the token is good: use it
  kRenew,    // call the token endpoint now
  kWait,     // no usable token and too soon to call again: try later
};

struct TokenDecision {
  TokenAction action = TokenAction::kUse;
  // kWait: when a call is allowed again.
  absl::Time retry_at = absl::InfinitePast();
};

// A token is renewed at 80 % of its lifetime, at once when a server refused
// it, and never sooner than kMinRenewSpacing after the previous call; after
// failures the spacing doubles from kFailureBackoff up to kMaxBackoff.
inline constexpr double kRenewAtLifetimeShare = 0.8;
inline constexpr absl::Duration kMinRenewSpacing = absl::Seconds(1);
inline constexpr absl::Duration kFailureBackoff = absl::Seconds(5);
inline constexpr absl::Duration kMaxBackoff = absl::Minutes(10);

TokenDecision DecideToken(const TokenState& state, absl::Time now);

// The earliest time a call to the token endpoint is allowed.
absl::Time NextRenewalAllowed(const TokenState& state);

// A token endpoint's answer to a failed request (RFC 6749 §5.2 `error`,
// Microsoft's AADSTS codes in `error_description`), or a transport failure
// when `error` is empty and `http_status` is 0 or 5xx.
struct TokenError {
  int http_status = 0;
  std::string error;              // invalid_grant, invalid_client, ...
  std::string error_description;  // free text from the provider
};

struct TokenErrorMeaning {
  // Renewing again cannot help until a person acts (consent revoked,
  // secret expired, refresh token revoked, wrong client or scope).
  bool needs_person = false;
  // For staff, in French (escalation and digest): what happened and what to do.
  std::string plain;
};

// `grant` (the profile's) sharpens the words: with jwt_bearer, a refusal is
// about domain-wide delegation, not a login to redo.
TokenErrorMeaning ExplainTokenError(const TokenError& error, absl::string_view grant = "");

// A mail server's SASL error challenge (RFC 7628 §3.2.2; XOAUTH2 uses HTTP
// codes) in plain French: "400"/"invalid_request", "401"/"invalid_token",
// "403"/"insufficient_scope" (with the scope the server wants).
std::string SaslRefusalInPlainWords(absl::string_view status, absl::string_view scope);

// The error a profile gets when it needs a person to sign in first (a
// delegated grant with no refresh token yet).
inline constexpr char kLoginRequired[] = "login_required";

// Device login (RFC 8628 §3.5): after a token poll that did not succeed,
// whether to poll again and after how long. `authorization_pending` keeps
// the interval, `slow_down` adds 5 s, an unreachable or failing endpoint
// doubles it (at most a minute); anything else ends the login.
struct DevicePollDecision {
  bool again = false;
  absl::Duration interval;
};
DevicePollDecision AfterDevicePoll(const TokenError& error, absl::Duration interval);

}  // namespace liasse
