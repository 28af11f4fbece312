// The sections of liasse.toml, one reader each.
#include "daemon/config/sections.h"

#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace config_internal {

namespace fs = std::filesystem;

void ParseDaemon(TableReader& r, const std::string& base, DaemonSection* d) {
  if (r.String("state_dir", &d->state_dir) && d->state_dir.empty()) {
    r.Error("state_dir", "must not be empty");
  }
  if (r.String("inbox_root", &d->inbox_root) && d->inbox_root.empty()) {
    r.Error("inbox_root", "must not be empty");
  }
  d->state_dir = Resolve(base, d->state_dir);
  d->inbox_root = Resolve(base, d->inbox_root);
  if (r.Has("listen")) {
    const toml::node* node = r.Use("listen");
    std::vector<std::string> listen;
    if (node->is_string()) {
      listen.push_back(*node->value<std::string>());
    } else if (!r.StringList("listen", &listen)) {
      r.Error("listen", "must be a string or a list of strings");
    }
    if (listen.empty() && node->is_array()) {
      r.Error("listen", "needs at least one listener");
    }
    if (!listen.empty()) d->listen = listen;
  }
  r.String("tls_cert_file", &d->tls_cert_file);
  r.String("tls_key_file", &d->tls_key_file);
  r.String("token_file", &d->token_file);
  d->tls_cert_file = Resolve(base, d->tls_cert_file);
  d->tls_key_file = Resolve(base, d->tls_key_file);
  d->token_file = Resolve(base, d->token_file);
  bool has_tcp = false;
  for (std::string& l : d->listen) {
    if (absl::StartsWith(l, "unix:")) {
      std::string path = l.substr(5);
      if (path.empty()) r.Error("listen", "unix: needs a socket path");
      l = absl::StrCat("unix:", Resolve(base, path));
      continue;
    }
    size_t colon = l.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(l.substr(colon + 1), &port) || port < 0 ||
        port > 65535) {
      r.Error("listen", absl::StrCat("\"", l,
                                     "\" is neither unix:PATH nor HOST:PORT"));
      continue;
    }
    has_tcp = true;
  }
  if (has_tcp) {
    if (d->tls_cert_file.empty() || d->tls_key_file.empty()) {
      r.Error("listen",
              "a TCP listener needs tls_cert_file and tls_key_file (plain TCP "
              "is never offered)");
    }
    if (d->token_file.empty()) {
      r.Error("listen", "a TCP listener needs token_file (bearer tokens)");
    }
  }
  if (d->tls_cert_file.empty() != d->tls_key_file.empty()) {
    r.Error(d->tls_cert_file.empty() ? "tls_key_file" : "tls_cert_file",
            "tls_cert_file and tls_key_file go together");
  }
  CheckSecretFile(r, "tls_cert_file", d->tls_cert_file);
  CheckSecretFile(r, "tls_key_file", d->tls_key_file);
  CheckSecretFile(r, "token_file", d->token_file);
  r.Int("workers", 0, 256, &d->workers);
  if (r.String("timezone", &d->timezone)) {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(d->timezone, &tz)) {
      r.Error("timezone", absl::StrCat("unknown time zone \"", d->timezone,
                                       "\" (e.g. Europe/Paris)"));
    }
  }
  if (r.String("log_level", &d->log_level)) {
    static const std::set<std::string> kLevels = {
        "trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!kLevels.count(d->log_level)) {
      r.Error("log_level",
              "must be one of trace, debug, info, warn, error, critical, off");
    }
  }
  r.Int("queue_limit", 1, 1'000'000, &d->queue_limit);
  r.Int("max_attempts", 1, 100, &d->max_attempts);
  r.RejectUnknownKeys();
}

void ParseOcr(TableReader& r, OcrOptions* o) {
  if (r.StringList("languages", &o->languages)) {
    if (o->languages.empty()) r.Error("languages", "needs at least one language");
    for (const std::string& lang : o->languages) {
      if (!IsTesseractLanguageCode(lang)) {
        r.Error("languages", absl::StrCat("\"", lang,
                                          "\" is not a Tesseract language code "
                                          "such as \"fra\""));
      }
    }
  }
  r.Int("dpi", 70, 1200, &o->dpi);
  r.Int("max_file_mb", int64_t{1}, int64_t{4096}, &o->max_file_mb);
  r.Int("max_pages", 1, 100000, &o->max_pages);
  r.Int("max_pixels", int64_t{1'000'000}, int64_t{10'000'000'000},
        &o->max_pixels);
  r.Int("timeout_s", 1, 3600, &o->timeout_s);
  r.RejectUnknownKeys();
}

void ParseClassify(TableReader& r, ClassifySection* c) {
  r.Fraction("llm_skip_confidence", &c->llm_skip_confidence);
  r.Fraction("min_ocr_confidence", &c->min_ocr_confidence);
  r.RejectUnknownKeys();
}

void ParseProvider(TableReader& r, const std::string& base, LlmProvider* p) {
  if (!r.String("name", &p->name) || p->name.empty()) {
    r.Error("name", "every provider needs a name");
  }
  if (!r.String("base_url", &p->base_url)) {
    r.Error("base_url", "is required (e.g. http://127.0.0.1:11434/v1)");
  } else {
    auto url = ParseUrl(p->base_url);
    if (!url || (url->scheme != "http" && url->scheme != "https")) {
      r.Error("base_url", "must be an http:// or https:// URL");
    }
  }
  if (!r.String("model", &p->model) || p->model.empty()) {
    r.Error("model", "is required");
  }
  r.String("api_key_file", &p->api_key_file);
  p->api_key_file = Resolve(base, p->api_key_file);
  r.String("api_key_env", &p->api_key_env);
  if (!p->api_key_file.empty() && !p->api_key_env.empty()) {
    r.Error("api_key_env", "set api_key_file or api_key_env, not both");
  }
  CheckSecretFile(r, "api_key_file", p->api_key_file);
  CheckEnvName(r, "api_key_env", p->api_key_env);
  r.Int("timeout_s", 1, 600, &p->timeout_s);
  r.Int("max_input_chars", 200, 1'000'000, &p->max_input_chars);
  if (r.String("json_mode", &p->json_mode) && p->json_mode != "json_schema" &&
      p->json_mode != "json_object" && p->json_mode != "prompt") {
    r.Error("json_mode", "must be json_schema, json_object or prompt");
  }
  bool redact = false;
  if (r.Bool("redact", &redact)) {
    p->redact = redact;
  } else if (auto url = ParseUrl(p->base_url)) {
    // Text leaving the machine is redacted unless the firm says otherwise.
    p->redact = !IsLoopbackHost(url->host);
  }
  if (r.StringList("doc_types", &p->doc_types)) {
    for (const std::string& t : p->doc_types) {
      if (!IsDocType(t)) {
        r.Error("doc_types", absl::StrCat("unknown document type \"", t, "\""));
      }
    }
  }
  r.Bool("vision", &p->vision);
  if (p->vision && p->redact.value_or(false)) {
    r.Error("vision", "an image cannot be redacted: vision needs redact = false (or a loopback base_url)");
  }
  r.RejectUnknownKeys();
}

namespace {

// oauth2_token_file held a token that expired within the hour; profiles
// renew their tokens.
void RejectOldTokenFile(TableReader& r) {
  if (!r.Has("oauth2_token_file")) return;
  std::string ignored;
  r.String("oauth2_token_file", &ignored);
  r.Error("oauth2_token_file",
          "was replaced by [[oauth]] profiles, which renew their tokens: add an [[oauth]] table "
          "(name, provider, grant, client_id, ...) and set oauth = \"NAME\" here");
}

// https://, or http:// to this machine (test and on-premises servers).
bool IsTokenEndpointUrl(const std::string& text) {
  auto url = ParseUrl(text);
  return url && (url->scheme == "https" || (url->scheme == "http" && IsLoopbackHost(url->host)));
}

}  // namespace

void ParseOAuth(TableReader& r, const std::string& base, OAuthProfile* p) {
  if (!r.String("name", &p->name) || p->name.empty()) {
    r.Error("name", "every [[oauth]] profile needs a name");
  } else if (!IsValidClientId(p->name)) {
    r.Error("name", "must be lower-case letters, digits, - or _ (it names the token file)");
  }
  if (!r.String("provider", &p->provider)) {
    r.Error("provider", "is required: microsoft, google or custom");
  } else if (p->provider != "microsoft" && p->provider != "google" && p->provider != "custom") {
    r.Error("provider", "must be microsoft, google or custom");
  }
  r.String("grant", &p->grant);
  if (p->grant != "client_credentials" && p->grant != "device_code" &&
      p->grant != "authorization_code" && p->grant != "jwt_bearer") {
    r.Error("grant", "must be client_credentials, device_code, authorization_code or jwt_bearer");
  }
  r.String("key_file", &p->key_file);
  r.String("subject", &p->subject);
  p->key_file = Resolve(base, p->key_file);
  CheckSecretFile(r, "key_file", p->key_file);
  if (p->grant == "jwt_bearer") {
    if (p->key_file.empty()) r.Error("key_file", "jwt_bearer needs the service account's key file");
    if (!IsPlausibleEmail(p->subject)) {
      r.Error("subject", "jwt_bearer needs the mailbox the service account acts as, e.g. collecte@cabinet.fr");
    }
    if (p->provider == "microsoft") r.Error("grant", "jwt_bearer is Google's service-account grant");
  }
  r.Int("redirect_port", 0, 65535, &p->redirect_port);
  r.String("tenant", &p->tenant);
  if ((!r.String("client_id", &p->client_id) || p->client_id.empty()) && p->grant != "jwt_bearer") {
    r.Error("client_id", "is required (the application's id at the provider)");
  }
  r.String("client_secret_file", &p->client_secret_file);
  r.String("client_secret_env", &p->client_secret_env);
  p->client_secret_file = Resolve(base, p->client_secret_file);
  if (!p->client_secret_file.empty() && !p->client_secret_env.empty()) {
    r.Error("client_secret_env", "set client_secret_file or client_secret_env, not both");
  }
  if (p->grant == "client_credentials" && p->client_secret_file.empty() &&
      p->client_secret_env.empty()) {
    r.Error("client_secret_file", "client_credentials needs the application's secret "
                                  "(client_secret_file or client_secret_env)");
  }
  CheckSecretFile(r, "client_secret_file", p->client_secret_file);
  CheckEnvName(r, "client_secret_env", p->client_secret_env);
  r.StringList("scopes", &p->scopes);
  const std::pair<const char*, std::string*> urls[] = {
      {"token_url", &p->token_url}, {"device_url", &p->device_url}, {"auth_url", &p->auth_url}};
  for (const auto& [key, out] : urls) {
    if (r.String(key, out) && !IsTokenEndpointUrl(*out)) {
      r.Error(key, "must be an https:// address (http:// only to this machine)");
    }
  }
  if (p->grant == "device_code" && p->provider == "google") {
    r.Error("grant", "Google does not allow the Gmail scope through the device flow");
  }
  if (p->provider == "microsoft") {
    if (p->tenant.empty()) {
      r.Error("tenant", "is required for microsoft: the directory (tenant) id or the firm's domain");
    } else if (p->tenant.find_first_of("/?#@ ") != std::string::npos) {
      r.Error("tenant", "must be a tenant id or domain");
    }
    std::string root = absl::StrCat("https://login.microsoftonline.com/", p->tenant, "/oauth2/v2.0/");
    if (p->token_url.empty()) p->token_url = root + "token";
    if (p->device_url.empty()) p->device_url = root + "devicecode";
    if (p->auth_url.empty()) p->auth_url = root + "authorize";
    if (p->scopes.empty()) {
      // App-only tokens carry the application's permissions (IMAP.AccessAsApp,
      // SMTP.SendAsApp); delegated ones need the person's, and a refresh token.
      p->scopes = p->grant == "client_credentials"
                      ? std::vector<std::string>{"https://outlook.office365.com/.default"}
                      : std::vector<std::string>{"https://outlook.office.com/IMAP.AccessAsUser.All",
                                                 "https://outlook.office.com/SMTP.Send",
                                                 "offline_access"};
    }
  } else if (p->provider == "google") {
    if (p->grant == "client_credentials") {
      r.Error("grant", "google has no client_credentials grant for Gmail");
    }
    if (p->token_url.empty()) p->token_url = "https://oauth2.googleapis.com/token";
    if (p->device_url.empty()) p->device_url = "https://oauth2.googleapis.com/device/code";
    if (p->auth_url.empty()) p->auth_url = "https://accounts.google.com/o/oauth2/v2/auth";
    if (p->scopes.empty()) p->scopes = {"https://mail.google.com/"};
  } else if (p->provider == "custom" && p->token_url.empty()) {
    r.Error("token_url", "is required for a custom provider");
  }
  if (p->provider == "custom" && p->grant == "device_code" && p->device_url.empty()) {
    r.Error("device_url", "is required for device_code with a custom provider");
  }
  if (p->provider == "custom" && p->grant == "authorization_code" && p->auth_url.empty()) {
    r.Error("auth_url", "is required for authorization_code with a custom provider");
  }
  r.RejectUnknownKeys();
}

void ParseMailbox(TableReader& r, const std::string& base, Mailbox* m) {
  if (!r.String("name", &m->name) || m->name.empty()) {
    r.Error("name", "every mailbox needs a name");
  }
  if (!r.String("url", &m->url)) {
    r.Error("url", "is required (e.g. imaps://imap.example.fr/INBOX)");
  } else {
    auto url = ParseUrl(m->url);
    if (!url || (url->scheme != "imaps" && url->scheme != "imap")) {
      r.Error("url",
              "must be imaps://HOST[:PORT]/ (TLS) or imap://HOST[:PORT]/ "
              "(STARTTLS, required)");
    }
  }
  if (!r.String("username", &m->username) || m->username.empty()) {
    r.Error("username", "is required");
  }
  r.String("password_file", &m->password_file);
  r.String("password_env", &m->password_env);
  r.String("oauth", &m->oauth);
  RejectOldTokenFile(r);
  m->password_file = Resolve(base, m->password_file);
  int secrets = !m->password_file.empty() + !m->password_env.empty() + !m->oauth.empty();
  if (secrets == 0) {
    r.Error("password_file", "a mailbox needs password_file, password_env or oauth");
  } else if (secrets > 1) {
    r.Error("password_env", "set only one of password_file, password_env, oauth");
  }
  CheckSecretFile(r, "password_file", m->password_file);
  CheckEnvName(r, "password_env", m->password_env);
  if (r.StringList("folders", &m->folders) && m->folders.empty()) {
    r.Error("folders", "needs at least one folder");
  }
  r.Int("poll_seconds", 5, 86400, &m->poll_seconds);
  r.String("processed_folder", &m->processed_folder);
  r.Int("max_message_mb", 1, 1024, &m->max_message_mb);
  r.RejectUnknownKeys();
}

void ParseSmtp(TableReader& r, const std::string& base, SmtpSection* s) {
  s->configured = true;
  if (!r.String("url", &s->url)) {
    r.Error("url", "is required (e.g. smtps://smtp.example.fr)");
  } else {
    auto url = ParseUrl(s->url);
    if (!url || (url->scheme != "smtps" && url->scheme != "smtp")) {
      r.Error("url",
              "must be smtps://HOST[:PORT] (TLS) or smtp://HOST[:PORT] "
              "(STARTTLS, required)");
    }
  }
  r.String("username", &s->username);
  r.String("password_file", &s->password_file);
  r.String("password_env", &s->password_env);
  r.String("oauth", &s->oauth);
  RejectOldTokenFile(r);
  s->password_file = Resolve(base, s->password_file);
  if (!s->password_file.empty() + !s->password_env.empty() + !s->oauth.empty() > 1) {
    r.Error("password_env", "set one of password_file, password_env, oauth");
  }
  if (!s->oauth.empty() && s->username.empty()) {
    r.Error("username", "is required with oauth (the mailbox the token is for)");
  }
  CheckSecretFile(r, "password_file", s->password_file);
  CheckEnvName(r, "password_env", s->password_env);
  if (!r.String("from", &s->from) || !ParseNamedAddress(s->from).has_value()) {
    r.Error("from", "needs the sender, e.g. \"Cabinet Dupont <collecte@cabinet.fr>\" or collecte@cabinet.fr");
  }
  if (r.String("reply_to", &s->reply_to) && !IsPlausibleEmail(s->reply_to)) {
    r.Error("reply_to", "is not an e-mail address");
  }
  r.Int("max_per_minute", 1, 10000, &s->max_per_minute);
  r.RejectUnknownKeys();
}

void ParseReminders(TableReader& r, const std::string& base,
                    RemindersSection* m) {
  r.Bool("enabled", &m->enabled);
  if (r.String("start_period", &m->start_period) &&
      !ParseYearMonth(m->start_period).ok()) {
    r.Error("start_period", "must be YYYY-MM");
  }
  r.Int("first_after_days", 0, 365, &m->cadence.first_after_days);
  r.Int("every_days", 1, 365, &m->cadence.every_days);
  r.Int("max_reminders", 0, 100, &m->cadence.max_reminders);
  r.Int("grace_days", 0, 365, &m->grace_days);
  std::string quiet_hours;
  if (r.String("quiet_hours", &quiet_hours) && !ParseQuietHours(quiet_hours, &m->cadence).ok()) {
    r.Error("quiet_hours", "must be HH:MM-HH:MM, e.g. 19:00-08:00, or \"\"");
  }
  r.Bool("business_days_only", &m->cadence.business_days_only);
  if (r.String("escalate_to", &m->escalate_to) &&
      !IsPlausibleEmail(m->escalate_to)) {
    r.Error("escalate_to", "is not an e-mail address");
  }
  if (r.String("digest_time", &m->digest_time) &&
      !ParseClockTime(m->digest_time).ok()) {
    r.Error("digest_time", "must be HH:MM");
  }
  r.String("templates_dir", &m->templates_dir);
  m->templates_dir = Resolve(base, m->templates_dir);
  r.Bool("thank_you", &m->thank_you);
  r.RejectUnknownKeys();
}

namespace {

// A non-negative amount in euros: an integer (10) or a decimal string
// ("10.50").
void Euros(TableReader& r, const char* key, Money* out) {
  const toml::node* node = r.Use(key);
  if (!node) return;
  absl::StatusOr<Money> amount = absl::InvalidArgumentError("");
  if (node->is_integer()) {
    amount = Money{*node->value<int64_t>() * 100};
  } else if (node->is_string()) {
    amount = ParseDecimalMoney(*node->value<std::string>());
  }
  if (!amount.ok() || amount->cents < 0) {
    r.Error(key, "must be a non-negative amount in euros: 10 or \"10.50\"");
  } else {
    *out = *amount;
  }
}

}  // namespace

void ParseMatching(TableReader& r, MatchingSection* m) {
  Euros(r, "min_amount", &m->min_amount);
  if (const toml::node* node = r.Use("date_window_days")) {
    const toml::array* arr = node->as_array();
    if (!arr || arr->size() != 2 || !(*arr)[0].is_integer() ||
        !(*arr)[1].is_integer() || *(*arr)[0].value<int64_t>() > 0 ||
        *(*arr)[1].value<int64_t>() < 0 ||
        *(*arr)[0].value<int64_t>() < -366 ||
        *(*arr)[1].value<int64_t>() > 366) {
      r.Error("date_window_days",
              "must be [BEFORE, AFTER] with BEFORE <= 0 <= AFTER, e.g. [-30, 7]");
    } else {
      m->date_window_before_days =
          static_cast<int>(-*(*arr)[0].value<int64_t>());
      m->date_window_after_days = static_cast<int>(*(*arr)[1].value<int64_t>());
    }
  }
  r.StringList("ignore_labels", &m->ignore_labels);
  r.RejectUnknownKeys();
}

namespace {

void Account(TableReader& r, const char* key, std::string* out) {
  std::string value;
  if (!r.String(key, &value)) return;
  if (!IsAccountNumber(value)) {
    r.Error(key, "must be an account number: letters and digits, at most 20");
    return;
  }
  *out = value;
}

// A table { NAME = "ACCOUNT", ... }; `key_ok` checks each name.
bool AccountTable(TableReader& r, const char* key, const char* example,
                  const std::function<bool(const std::string&)>& key_ok,
                  std::map<std::string, std::string>* out) {
  const toml::node* node = r.Use(key);
  if (!node) return false;
  const toml::table* t = node->as_table();
  std::map<std::string, std::string> values;
  bool ok = t != nullptr;
  if (t) {
    for (const auto& [name, value] : *t) {
      std::optional<std::string> account = value.value<std::string>();
      if (!value.is_string() || !IsAccountNumber(*account) || !key_ok(std::string(name.str()))) {
        ok = false;
        break;
      }
      values[std::string(name.str())] = *account;
    }
  }
  if (!ok) {
    r.Error(key, absl::StrCat("must be a table of account numbers, e.g. ", example));
    return false;
  }
  *out = std::move(values);
  return true;
}

// { "20" = "44566", "5.5" = "44566" }: rates in percent.
void VatAccounts(TableReader& r, const char* key, std::map<int64_t, std::string>* out) {
  std::map<std::string, std::string> by_text;
  auto is_rate = [](const std::string& text) {
    absl::StatusOr<int64_t> rate = ParseScaledDecimal(text, 2);
    return rate.ok() && *rate >= 0 && *rate <= 10000;
  };
  if (!AccountTable(r, key, "{ \"20\" = \"44566\", \"5.5\" = \"44566\" }", is_rate, &by_text)) {
    return;
  }
  out->clear();
  for (const auto& [text, account] : by_text) (*out)[*ParseScaledDecimal(text, 2)] = account;
}

}  // namespace

void ParseAccounting(TableReader& r, AccountPlan* plan) {
  if (const toml::node* node = r.Use("journals")) {
    const toml::table* t = node->as_table();
    if (!t) {
      r.Error("journals", "must be a table, e.g. { purchases = \"HA\", sales = \"VT\" }");
    } else {
      TableReader jr(*t, "[accounting] journals", r.file(), r.errors());
      Account(jr, "purchases", &plan->purchases_journal);
      Account(jr, "sales", &plan->sales_journal);
      Account(jr, "bank", &plan->bank_journal);
      jr.RejectUnknownKeys();
    }
  }
  if (r.StringList("aux_from", &plan->aux_from)) {
    bool ok = !plan->aux_from.empty();
    for (const std::string& source : plan->aux_from) {
      ok = ok && (source == "siren" || source == "vat" || source == "name");
    }
    if (!ok) r.Error("aux_from", "must list siren, vat and/or name, e.g. [\"siren\", \"name\"]");
  }
  Account(r, "suppliers", &plan->suppliers);
  Account(r, "customers", &plan->customers);
  Account(r, "expense", &plan->expense);
  Account(r, "revenue", &plan->revenue);
  Account(r, "reverse_charge_due", &plan->vat_reverse_charge_due);
  Account(r, "reverse_charge_deductible", &plan->vat_reverse_charge_deductible);
  Account(r, "rounding_charge", &plan->rounding_charge);
  Account(r, "rounding_product", &plan->rounding_product);
  VatAccounts(r, "vat_deductible", &plan->vat_deductible);
  VatAccounts(r, "vat_collected", &plan->vat_collected);
  AccountTable(r, "expense_by_type", "{ receipt = \"606\", invoice = \"607\" }",
               [](const std::string& type) { return IsDocType(type); }, &plan->expense_by_type);
  Account(r, "down_payments_paid", &plan->down_payments_paid);
  Account(r, "down_payments_received", &plan->down_payments_received);
  r.Bool("sales_vat_on_payment", &plan->sales_vat_on_payment);
  Account(r, "vat_collected_pending", &plan->vat_collected_pending);
  Account(r, "vat_fixed_assets", &plan->vat_fixed_assets);
  Account(r, "fixed_assets", &plan->fixed_assets);
  if (r.StringList("small_equipment", &plan->small_equipment)) {
    for (const std::string& prefix : plan->small_equipment) {
      if (!IsAccountNumber(prefix)) {
        r.Error("small_equipment", "must list account numbers (prefixes), e.g. [\"6063\"]");
      }
    }
  }
  Euros(r, "fixed_asset_threshold", &plan->fixed_asset_threshold);
  r.Bool("bank_entries", &plan->bank_entries);
  Account(r, "bank", &plan->bank);
  Account(r, "salaries", &plan->salaries);
  Account(r, "suspense", &plan->suspense);
  std::map<std::string, std::string> by_iban;
  if (AccountTable(r, "bank_accounts", "{ \"FR7630001007941234567890185\" = \"5121\" }",
                   [](const std::string& iban) { return IsValidIban(NormalizeIdentifier(iban)); },
                   &by_iban)) {
    plan->bank_accounts.clear();
    for (const auto& [iban, account] : by_iban) {
      plan->bank_accounts[NormalizeIdentifier(iban)] = account;
    }
  }
  AccountTable(r, "bank_labels", "{ \"FRAIS\" = \"627\", \"URSSAF\" = \"431\" }",
               [](const std::string& words) { return !words.empty(); }, &plan->bank_labels);
  AccountTable(r, "revenue_by_vat_category", "{ G = \"7069\", K = \"7079\" }",
               [](const std::string& category) {
                 static const std::set<std::string> kCategories = {"S", "Z", "E", "AE", "K",
                                                                  "G", "O", "L", "M"};
                 return kCategories.count(category) > 0;
               },
               &plan->revenue_by_vat_category);
  if (const toml::node* node = r.Use("vat_deductible_share")) {
    const toml::table* t = node->as_table();
    std::map<std::string, int64_t> shares;
    bool ok = t != nullptr;
    if (t) {
      for (const auto& [name, value] : *t) {
        std::optional<double> percent = value.value<double>();
        std::string prefix(name.str());
        if (!IsAccountNumber(prefix) || !percent || *percent < 0 || *percent > 100) {
          ok = false;
          break;
        }
        shares[prefix] = static_cast<int64_t>(std::llround(*percent * 100));
      }
    }
    if (!ok) {
      r.Error("vat_deductible_share",
              "must be a table of account prefixes and percents, e.g. { \"60622\" = 80, "
              "\"6251\" = 0 }");
    } else {
      plan->vat_deductible_share = std::move(shares);
    }
  }
  r.RejectUnknownKeys();
}

void ParseExpectation(TableReader& r, Expectation* e) {
  if (!r.String("kind", &e->kind) || !IsDocType(e->kind)) {
    r.Error("kind", "must be a document type such as bank_statement or payslip");
  }
  if (!r.String("every", &e->every) ||
      (e->every != "month" && e->every != "quarter" && e->every != "year")) {
    r.Error("every", "must be month, quarter or year");
  }
  r.Int("due_day", 1, 31, &e->due_day);
  r.String("label", &e->label);
  if (r.String("iban", &e->iban)) {
    e->iban = NormalizeIdentifier(e->iban);
    if (!IsValidIban(e->iban)) r.Error("iban", "is not a valid IBAN");
  }
  r.RejectUnknownKeys();
}

void ParseClient(TableReader& r, const std::string& file, const AccountPlan& accounting,
                 const std::string& inbox_root, const toml::table& table,
                 std::vector<std::string>* errors, ClientConfig* c) {
  if (!r.String("id", &c->id) || !IsValidClientId(c->id)) {
    r.Error("id",
            "must be lower-case letters, digits, '-' or '_' (at most 64), and "
            "not \"unknown\"");
  }
  r.String("name", &c->name);
  if (c->name.empty()) c->name = c->id;
  r.StringList("legal_names", &c->legal_names);
  if (r.String("siren", &c->siren) && !IsValidSiren(c->siren)) {
    r.Error("siren", "is not a valid SIREN (9 digits, Luhn check)");
  }
  if (r.String("vat", &c->vat)) {
    c->vat = NormalizeIdentifier(c->vat);
    if (!IsValidVat(c->vat)) r.Error("vat", "is not a valid VAT number");
  }
  if (r.StringList("emails", &c->emails)) {
    for (std::string& e : c->emails) {
      e = absl::AsciiStrToLower(e);
      if (!IsPlausibleEmail(e)) {
        r.Error("emails", absl::StrCat("\"", e, "\" is not an e-mail address"));
      }
    }
  }
  if (r.StringList("domains", &c->domains)) {
    for (std::string& d : c->domains) {
      d = absl::AsciiStrToLower(d);
      if (!IsPlausibleDomain(d)) {
        r.Error("domains", absl::StrCat("\"", d, "\" is not a domain"));
      } else if (IsPublicMailDomain(d)) {
        r.Error("domains",
                absl::StrCat("\"", d,
                             "\" is a public mail domain shared by strangers: "
                             "list the client's addresses in emails instead"));
      }
    }
  }
  r.String("folder", &c->folder);
  if (!c->folder.empty()) {
    fs::path raw(c->folder);
    if (raw.is_absolute() && NormalPath(c->folder) == "/") {
      r.Error("folder", "must not be / (the whole machine)");
    } else if (!raw.is_absolute() &&
               !IsWithin(NormalPath(Resolve(inbox_root, c->folder)), NormalPath(inbox_root))) {
      r.Error("folder", "a relative folder may not climb out of inbox_root");
    }
  }
  c->folder = c->folder.empty() ? Resolve(inbox_root, c->id)
                                : Resolve(inbox_root, c->folder);
  if (r.String("after", &c->after) && c->after != "move" &&
      c->after != "keep" && c->after != "delete") {
    r.Error("after", "must be move, keep or delete");
  }
  r.Int("poll_seconds", 0, 86400, &c->poll_seconds);
  if (r.String("language", &c->language) && c->language != "fr" &&
      c->language != "en") {
    r.Error("language", "must be fr or en");
  }
  if (r.String("manager", &c->manager) && !IsPlausibleEmail(c->manager)) {
    r.Error("manager", "is not an e-mail address");
  }
  r.Bool("paused", &c->paused);
  r.Bool("llm", &c->llm);
  if (r.String("fiscal_year_end", &c->fiscal_year_end) &&
      !ParseMonthDay(c->fiscal_year_end).ok()) {
    r.Error("fiscal_year_end", "must be MM-DD, e.g. 12-31");
  }
  if (r.String("start_period", &c->start_period) &&
      !ParseYearMonth(c->start_period).ok()) {
    r.Error("start_period", "must be YYYY-MM");
  }
  if (const toml::node* node = r.Use("expects")) {
    const toml::array* arr = node->as_array();
    if (!arr) {
      r.Error("expects", "must be a list of { kind, every, ... } tables");
    } else {
      int i = 0;
      for (const toml::node& item : *arr) {
        ++i;
        const toml::table* t = item.as_table();
        if (!t) {
          r.Error("expects", "must be a list of { kind, every, ... } tables");
          continue;
        }
        TableReader er(*t,
                       absl::StrCat("[[client]] \"", c->id, "\" expects[", i,
                                    "]"),
                       file, errors);
        Expectation e;
        ParseExpectation(er, &e);
        c->expects.push_back(std::move(e));
      }
    }
  }
  c->accounting = accounting;
  if (const toml::node* node = r.Use("accounting")) {
    if (const toml::table* t = node->as_table()) {
      TableReader ar(*t, absl::StrCat("[[client]] \"", c->id, "\" accounting"), file, errors);
      ParseAccounting(ar, &c->accounting);
    } else {
      r.Error("accounting", "must be a table, e.g. { suppliers = \"4010000\" }");
    }
  }
  (void)table;
  r.RejectUnknownKeys();
}

}  // namespace config_internal
}  // namespace liasse
