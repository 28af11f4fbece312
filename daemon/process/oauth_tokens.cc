#include "daemon/process/oauth_tokens.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/base/fs_util.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "daemon/mail/loopback_redirect.h"
#include "daemon/mail/oauth_client.h"
#include "daemon/process/jwt_assertion.h"

namespace liasse {

struct OAuthTokens::Entry {
  std::mutex mu;  // one renewal at a time per profile
  OAuthProfile profile;
  TokenState state;
  std::string access_token;
  std::string refresh_token;
  absl::Time last_renewal = absl::InfinitePast();
  // The token endpoint's last failure: plain words, and whether a person
  // must act (the alert was raised once; a renewal ends the episode).
  std::string last_error;
  bool needs_person = false;
  bool alerted = false;
  // Mail servers refusing tokens: renewals made because of a refusal since
  // a server last accepted one, and whether that needs a person (alerted
  // once; a server accepting a token ends the episode).
  int refusal_renewals = 0;
  bool refused_for_good = false;
  std::string refusal_reason;
  bool refusal_alerted = false;
};

namespace {

using nlohmann::json;

constexpr char kRefusedForGood[] =
    "le serveur de messagerie refuse les jetons de l'application : vérifiez les droits de "
    "l'application sur la boîte, le nom d'utilisateur et (Microsoft 365) que SMTP AUTH est "
    "activé pour la boîte";

int64_t Unix(absl::Time t) { return t == absl::InfinitePast() ? 0 : absl::ToUnixSeconds(t); }
absl::Time FromUnix(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return absl::InfinitePast();
  }
  return absl::FromUnixSeconds(it->get<int64_t>());
}

bool SameSettings(const OAuthProfile& a, const OAuthProfile& b) {
  return a.provider == b.provider && a.grant == b.grant && a.tenant == b.tenant &&
         a.client_id == b.client_id && a.scopes == b.scopes && a.token_url == b.token_url &&
         a.subject == b.subject && a.key_file == b.key_file;
}

// Writes `text` to DIR/NAME through a 0600 temporary file, synced and
// renamed over the old one: a crash leaves the old file or the new one.
absl::Status WriteFileAtomically(const std::string& dir, const std::string& name,
                                 const std::string& text) {
  if (absl::Status st = MakeDirs(dir, 0700); !st.ok()) return st;
  std::string tmp = absl::StrCat(dir, "/.", name, ".tmp");
  ::unlink(tmp.c_str());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return ErrnoStatus(errno, tmp);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, tmp);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, tmp);
  fd.Reset();
  std::string path = absl::StrCat(dir, "/", name);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(errno, path);
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.valid()) ::fsync(d.get());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ClientSecret(const OAuthProfile& p) {
  if (!p.client_secret_file.empty()) return ReadSecretFile(p.client_secret_file);
  if (!p.client_secret_env.empty()) {
    const char* v = std::getenv(p.client_secret_env.c_str());
    if (v == nullptr || *v == '\0') {
      return absl::FailedPreconditionError(
          absl::StrCat("la variable d'environnement ", p.client_secret_env, " n'est pas définie"));
    }
    return std::string(v);
  }
  return std::string();
}

// `bytes` random bytes, base64url without padding (RFC 7636 §4.1: a
// 32-byte verifier gives the recommended 43 characters).
absl::StatusOr<std::string> RandomToken(int bytes) {
  std::string raw(static_cast<size_t>(bytes), '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), bytes) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return absl::WebSafeBase64Escape(raw);
}

// RFC 7636 §4.2: BASE64URL(SHA256(verifier)).
std::string S256(const std::string& verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

// RFC 3986 percent-encoding of a query value (upper-case hex, §2.1).
std::string Escape(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// A login step the endpoint refused: PermissionDenied when a person must
// act, else Unavailable (try again later); in plain words either way.
absl::Status LoginFailure(const TokenError& error) {
  TokenErrorMeaning m = ExplainTokenError(error);
  return m.needs_person ? absl::PermissionDeniedError(m.plain) : absl::UnavailableError(m.plain);
}

}  // namespace

OAuthTokens::OAuthTokens(std::string dir, const Clock* clock, Alert alert)
    : dir_(std::move(dir)), clock_(clock), alert_(std::move(alert)) {}

OAuthTokens::~OAuthTokens() = default;

void OAuthTokens::SetProfiles(const std::vector<OAuthProfile>& profiles) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::shared_ptr<Entry>> next;
  for (const OAuthProfile& p : profiles) {
    auto old = entries_.find(p.name);
    if (old != entries_.end() && SameSettings(old->second->profile, p)) {
      std::lock_guard<std::mutex> entry_lock(old->second->mu);
      old->second->profile = p;  // secrets' file names may have changed
      next[p.name] = old->second;
      continue;
    }
    auto e = std::make_shared<Entry>();
    e->profile = p;
    Load(e.get());
    next[p.name] = std::move(e);
  }
  entries_ = std::move(next);
}

std::shared_ptr<OAuthTokens::Entry> OAuthTokens::Find(const std::string& profile) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(profile);
  return it == entries_.end() ? nullptr : it->second;
}

absl::StatusOr<std::string> OAuthTokens::AccessToken(const std::string& profile) {
  std::shared_ptr<Entry> e = Find(profile);
  if (!e) return absl::NotFoundError(absl::StrCat("no [[oauth]] profile named ", profile));
  std::lock_guard<std::mutex> lock(e->mu);
  absl::Time now = clock_->Now();
  TokenDecision d = DecideToken(e->state, now);
  if (d.action == TokenAction::kRenew) {
    Renew(e.get());
    d = DecideToken(e->state, now);
  }
  if (d.action == TokenAction::kUse) return e->access_token;
  std::string why = absl::StrCat("OAuth ", profile, ": ",
                                 e->last_error.empty() ? "no token yet" : e->last_error);
  if (e->needs_person) return absl::FailedPreconditionError(why);
  return absl::UnavailableError(why);
}

void OAuthTokens::Keep(Entry* e, TokenResponse& r, absl::Time now) {
  bool after_refusal = e->state.rejected;
  e->access_token = std::move(r.access_token);
  // A rotated refresh token replaces the old one here, and Save() below
  // writes it before anything uses it.
  if (!r.refresh_token.empty()) e->refresh_token = std::move(r.refresh_token);
  e->state.has_token = true;
  e->state.obtained_at = now;
  e->state.expires_at = now + r.expires_in;
  e->state.failures_in_row = 0;
  e->state.rejected = false;
  if (after_refusal) ++e->refusal_renewals;
  e->last_renewal = now;
  e->last_error.clear();
  e->needs_person = false;
  e->alerted = false;
  spdlog::info("event=oauth_renewed profile={} valid_s={}", e->profile.name,
               absl::ToInt64Seconds(r.expires_in));
}

void OAuthTokens::Renew(Entry* e) {
  const OAuthProfile& p = e->profile;
  absl::Time now = clock_->Now();
  e->state.last_attempt = now;
  TokenResponse r;
  absl::StatusOr<std::string> secret = ClientSecret(p);
  if (!secret.ok()) {
    r.error.error = "invalid_client";
    r.error.error_description = std::string(secret.status().message());
  } else if (p.grant == "jwt_bearer") {
    absl::StatusOr<ServiceAccountKey> key = ReadServiceAccountKey(p.key_file);
    absl::StatusOr<std::string> assertion =
        key.ok() ? SignJwtAssertion(*key, p.subject, p.token_url, p.scopes, now) : key.status();
    if (!assertion.ok()) {
      r.error.error = "invalid_client";
      r.error.error_description = std::string(assertion.status().message());
    } else {
      r = RequestToken(p.token_url, {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                     {"assertion", *assertion}});
    }
  } else if (p.grant != "client_credentials" && e->refresh_token.empty()) {
    r.error.error = kLoginRequired;
  } else {
    FormFields form;
    if (p.grant == "client_credentials") {
      form = {{"grant_type", "client_credentials"}, {"client_id", p.client_id}};
    } else {
      form = {{"grant_type", "refresh_token"},
              {"refresh_token", e->refresh_token},
              {"client_id", p.client_id}};
    }
    if (!secret->empty()) form.push_back({"client_secret", *secret});
    if (!p.scopes.empty()) form.push_back({"scope", absl::StrJoin(p.scopes, " ")});
    r = RequestToken(p.token_url, form);
  }
  if (r.ok) {
    Keep(e, r, now);
  } else {
    ++e->state.failures_in_row;
    TokenErrorMeaning m = ExplainTokenError(r.error, p.grant);
    e->last_error = m.plain;
    e->needs_person = m.needs_person;
    spdlog::warn("event=oauth_failed profile={} http={} error={} needs_person={} description=\"{}\"",
                 p.name, r.error.http_status, r.error.error, m.needs_person,
                 r.error.error_description);
    if (m.needs_person && !e->alerted && alert_) {
      e->alerted = true;
      alert_(p.name, m.plain);
    }
  }
  Save(*e);
}

absl::StatusOr<absl::Time> OAuthTokens::Login(
    const std::string& profile, const std::function<void(const DevicePrompt&)>& prompt,
    const std::function<bool(absl::Duration)>& wait) {
  absl::StatusOr<OAuthProfile> p = ProfileFor(profile, "");
  if (!p.ok()) return p.status();
  if (p->grant == "authorization_code") return LoginWithAuthorizationCode(profile, prompt, wait);
  return LoginWithDeviceCode(profile, prompt, wait);
}

absl::StatusOr<OAuthProfile> OAuthTokens::ProfileFor(const std::string& profile,
                                                     const std::string& grant) const {
  std::shared_ptr<Entry> e = Find(profile);
  if (!e) return absl::NotFoundError(absl::StrCat("no [[oauth]] profile named ", profile));
  std::lock_guard<std::mutex> lock(e->mu);
  if (!grant.empty() && e->profile.grant != grant) {
    return absl::FailedPreconditionError(absl::StrCat("profile ", profile, " uses grant ",
                                                      e->profile.grant, ": it needs no login"));
  }
  return e->profile;
}

absl::StatusOr<absl::Time> OAuthTokens::KeepLogin(const std::string& profile, TokenResponse& r) {
  std::shared_ptr<Entry> e = Find(profile);
  if (!e) return absl::NotFoundError(absl::StrCat("no [[oauth]] profile named ", profile));
  std::lock_guard<std::mutex> lock(e->mu);
  Keep(e.get(), r, clock_->Now());
  e->state.last_attempt = clock_->Now();
  Save(*e);
  return e->state.expires_at;
}

absl::StatusOr<absl::Time> OAuthTokens::LoginWithAuthorizationCode(
    const std::string& profile, const std::function<void(const DevicePrompt&)>& prompt,
    const std::function<bool(absl::Duration)>& wait) {
  absl::StatusOr<OAuthProfile> found = ProfileFor(profile, "authorization_code");
  if (!found.ok()) return found.status();
  const OAuthProfile& p = *found;
  absl::StatusOr<std::string> secret = ClientSecret(p);
  if (!secret.ok()) return secret.status();
  absl::StatusOr<std::string> verifier = RandomToken(32);
  absl::StatusOr<std::string> state = RandomToken(16);
  if (!verifier.ok()) return verifier.status();
  if (!state.ok()) return state.status();
  absl::StatusOr<LoopbackRedirect> redirect = LoopbackRedirect::Listen(p.redirect_port);
  if (!redirect.ok()) return redirect.status();
  std::string uri = absl::StrCat(
      p.auth_url, absl::StrContains(p.auth_url, "?") ? "&" : "?", "response_type=code",
      "&client_id=", Escape(p.client_id), "&redirect_uri=", Escape(redirect->redirect_uri()),
      "&scope=", Escape(absl::StrJoin(p.scopes, " ")), "&state=", Escape(*state),
      "&code_challenge=", S256(*verifier), "&code_challenge_method=S256",
      // Google returns a refresh token only with these two.
      "&access_type=offline&prompt=consent");
  absl::Duration allowed = absl::Minutes(10);
  prompt({uri, "",
          absl::StrCat("Le navigateur revient ensuite sur ", redirect->redirect_uri(),
                       " : si la machine du démon n'a pas de navigateur, ouvrez d'abord un tunnel "
                       "depuis votre poste (ssh -L ", redirect->port(), ":127.0.0.1:",
                       redirect->port(), " MACHINE_DU_DEMON) puis ouvrez l'adresse chez vous."),
          clock_->Now() + allowed});
  absl::StatusOr<RedirectAnswer> answer =
      redirect->Wait(absl::Now() + allowed, [&] { return wait(absl::ZeroDuration()); });
  if (!answer.ok()) return answer.status();
  if (answer->state != *state) {
    return absl::InvalidArgumentError("the sign-in answer is not this login's (state differs)");
  }
  if (!answer->error.empty()) {
    return absl::PermissionDeniedError(ExplainTokenError({400, answer->error, ""}).plain);
  }
  FormFields form = {{"grant_type", "authorization_code"},
                     {"code", answer->code},
                     {"redirect_uri", redirect->redirect_uri()},
                     {"client_id", p.client_id},
                     {"code_verifier", *verifier}};
  if (!secret->empty()) form.push_back({"client_secret", *secret});
  TokenResponse r = RequestToken(p.token_url, form);
  if (!r.ok) {
    return LoginFailure(r.error);
  }
  return KeepLogin(profile, r);
}

absl::StatusOr<absl::Time> OAuthTokens::LoginWithDeviceCode(
    const std::string& profile, const std::function<void(const DevicePrompt&)>& prompt,
    const std::function<bool(absl::Duration)>& wait) {
  absl::StatusOr<OAuthProfile> found = ProfileFor(profile, "device_code");
  if (!found.ok()) return found.status();
  const OAuthProfile& p = *found;
  absl::StatusOr<std::string> secret = ClientSecret(p);
  if (!secret.ok()) return secret.status();
  FormFields ask = {{"client_id", p.client_id}};
  if (!p.scopes.empty()) ask.push_back({"scope", absl::StrJoin(p.scopes, " ")});
  DeviceCodeResponse code = RequestDeviceCode(p.device_url, ask);
  if (!code.ok) {
    return LoginFailure(code.error);
  }
  absl::Time expires_at = clock_->Now() + code.expires_in;
  prompt({code.verification_uri, code.user_code, code.message, expires_at});
  FormFields poll = {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                     {"device_code", code.device_code},
                     {"client_id", p.client_id}};
  if (!secret->empty()) poll.push_back({"client_secret", *secret});
  absl::Duration interval = code.interval;
  while (true) {
    if (clock_->Now() >= expires_at) {
      return absl::DeadlineExceededError("le code a expiré avant d'être saisi : relancez liasse oauth login");
    }
    if (!wait(interval)) return absl::CancelledError("login abandoned");
    TokenResponse r = RequestToken(p.token_url, poll);
    if (r.ok) return KeepLogin(profile, r);
    DevicePollDecision next = AfterDevicePoll(r.error, interval);
    if (!next.again) {
      TokenErrorMeaning m = ExplainTokenError(r.error);
      if (r.error.error == "expired_token") return absl::DeadlineExceededError(m.plain);
      return absl::PermissionDeniedError(m.plain);
    }
    interval = next.interval;
  }
}

void OAuthTokens::Refused(const std::string& profile, const std::string& token,
                          const std::string& why) {
  std::shared_ptr<Entry> e = Find(profile);
  if (!e) return;
  std::lock_guard<std::mutex> lock(e->mu);
  if (token != e->access_token) return;  // already replaced
  if (e->refusal_renewals == 0) {
    e->state.rejected = true;
    spdlog::warn("event=oauth_token_refused profile={} renew=true error=\"{}\"", profile, why);
    return;
  }
  // A token obtained because an earlier one was refused is refused too:
  // renewing again will not help (the application lacks the mailbox right,
  // SMTP AUTH is off for the mailbox, the user name is wrong...).
  e->refused_for_good = true;
  e->refusal_reason = why.empty() ? kRefusedForGood : absl::StrCat(kRefusedForGood, " (", why, ")");
  spdlog::warn("event=oauth_token_refused profile={} renew=false error=\"{}\"", profile, why);
  if (!e->refusal_alerted && alert_) {
    e->refusal_alerted = true;
    alert_(profile, e->refusal_reason);
  }
}

void OAuthTokens::Accepted(const std::string& profile) {
  std::shared_ptr<Entry> e = Find(profile);
  if (!e) return;
  std::lock_guard<std::mutex> lock(e->mu);
  e->refusal_renewals = 0;
  e->refused_for_good = false;
  e->refusal_alerted = false;
}

std::vector<OAuthProfileStatus> OAuthTokens::Status() const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, e] : entries_) entries.push_back(e);
  }
  std::vector<OAuthProfileStatus> out;
  for (const auto& e : entries) {
    std::lock_guard<std::mutex> lock(e->mu);
    OAuthProfileStatus s;
    s.name = e->profile.name;
    s.grant = e->profile.grant;
    s.has_token = e->state.has_token;
    s.valid_until = e->state.expires_at;
    s.last_renewal = e->last_renewal;
    s.last_error = e->refused_for_good && e->last_error.empty() ? e->refusal_reason : e->last_error;
    s.needs_person = e->needs_person || e->refused_for_good;
    out.push_back(std::move(s));
  }
  return out;
}

void OAuthTokens::Save(const Entry& e) {
  json j = {{"access_token", e.access_token},
            {"refresh_token", e.refresh_token},
            {"obtained_at", Unix(e.state.obtained_at)},
            {"expires_at", Unix(e.state.expires_at)},
            {"last_renewal", Unix(e.last_renewal)},
            {"last_error", e.last_error},
            {"needs_person", e.needs_person},
            {"settings", {{"client_id", e.profile.client_id}, {"token_url", e.profile.token_url}}}};
  if (absl::Status st = WriteFileAtomically(dir_, e.profile.name + ".json", j.dump());
      !st.ok()) {
    spdlog::error("event=oauth_save_failed profile={} error=\"{}\"", e.profile.name, st.ToString());
  }
}

void OAuthTokens::Load(Entry* e) {
  std::string path = absl::StrCat(dir_, "/", e->profile.name, ".json");
  absl::StatusOr<std::string> text = ReadSecretFile(path);
  if (!text.ok()) return;  // none yet
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) {
    spdlog::warn("event=oauth_file_unreadable profile={} path={}", e->profile.name, path);
    return;
  }
  // Tokens of another application or endpoint are not this profile's.
  const json& settings = j.value("settings", json::object());
  if (settings.value("client_id", "") != e->profile.client_id ||
      settings.value("token_url", "") != e->profile.token_url) {
    return;
  }
  e->access_token = j.value("access_token", "");
  e->refresh_token = j.value("refresh_token", "");
  e->state.has_token = !e->access_token.empty();
  e->state.obtained_at = FromUnix(j, "obtained_at");
  e->state.expires_at = FromUnix(j, "expires_at");
  e->last_renewal = FromUnix(j, "last_renewal");
  e->last_error = j.value("last_error", "");
  e->needs_person = j.value("needs_person", false);
}

}  // namespace liasse
