#include "daemon/config/config.h"

#include <sys/stat.h>

#include <tuple>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "workflows/date.h"
#include "workflows/identifiers.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

// toml++ takes std::string_view, which this abseil build does not alias.
std::string_view Std(absl::string_view s) { return {s.data(), s.size()}; }

constexpr absl::string_view kDocTypes[] = {
    "invoice",  "credit_note", "receipt", "bank_statement", "payslip",
    "tax_notice", "contract",  "quote",   "other"};

bool IsDocType(absl::string_view s) {
  return std::find(std::begin(kDocTypes), std::end(kDocTypes), s) !=
         std::end(kDocTypes);
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool LooksLikeInlineSecret(absl::string_view key) {
  return key == "password" || key == "api_key" || key == "token" ||
         key == "secret" || key == "oauth2_token" || key == "apikey" ||
         key == "bearer";
}

// Resolves `path` against `base` unless it is absolute.
std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || base.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

// `path` lexically normal (no ".", "..", "//"), without a trailing '/'.
std::string NormalPath(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// True when `inner` is `outer` or lies below it (both NormalPath'd).
bool IsWithin(const std::string& inner, const std::string& outer) {
  if (inner == outer) return true;
  std::string prefix = outer == "/" ? outer : absl::StrCat(outer, "/");
  return absl::StartsWith(inner, prefix);
}


struct ParsedUrl {
  std::string scheme;
  std::string host;
  int port = 0;
};

std::optional<ParsedUrl> ParseUrl(absl::string_view url) {
  size_t sep = url.find("://");
  if (sep == absl::string_view::npos || sep == 0) return std::nullopt;
  ParsedUrl out;
  out.scheme = absl::AsciiStrToLower(url.substr(0, sep));
  absl::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != absl::string_view::npos) return std::nullopt;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(0, close + 1));
    authority.remove_prefix(close + 1);
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    authority.remove_prefix(colon == absl::string_view::npos ? authority.size()
                                                            : colon);
  }
  if (!authority.empty()) {
    if (authority[0] != ':' ||
        !absl::SimpleAtoi(authority.substr(1), &out.port) || out.port < 1 ||
        out.port > 65535) {
      return std::nullopt;
    }
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

// Reads the keys of one TOML table, remembers which were used, and reports
// every problem as "FILE:LINE: SECTION KEY: message".
class TableReader {
 public:
  TableReader(const toml::table& table, std::string section,
              const std::string& file, std::vector<std::string>* errors)
      : table_(table), section_(std::move(section)), file_(file),
        errors_(errors) {}

  void Error(absl::string_view key, absl::string_view message) {
    const toml::node* node = table_.get(Std(key));
    int line = node ? static_cast<int>(node->source().begin.line)
                    : static_cast<int>(table_.source().begin.line);
    errors_->push_back(absl::StrCat(
        file_, ":", line, ": ", section_,
        section_.empty() || key.empty() ? "" : " ", key, ": ", message));
  }

  bool Has(absl::string_view key) const { return table_.contains(Std(key)); }

  // Each getter leaves *out unchanged when the key is absent.
  bool String(absl::string_view key, std::string* out) {
    const toml::node* node = Use(key);
    if (!node) return false;
    if (auto v = node->value<std::string>(); v && node->is_string()) {
      *out = *v;
      return true;
    }
    Error(key, "must be a string");
    return false;
  }

  bool StringList(absl::string_view key, std::vector<std::string>* out) {
    const toml::node* node = Use(key);
    if (!node) return false;
    const toml::array* arr = node->as_array();
    if (!arr) {
      Error(key, "must be a list of strings");
      return false;
    }
    std::vector<std::string> values;
    for (const toml::node& item : *arr) {
      if (!item.is_string()) {
        Error(key, "must be a list of strings");
        return false;
      }
      values.push_back(*item.value<std::string>());
    }
    *out = std::move(values);
    return true;
  }

  bool Int(absl::string_view key, int64_t min, int64_t max, int64_t* out) {
    const toml::node* node = Use(key);
    if (!node) return false;
    if (!node->is_integer()) {
      Error(key, "must be an integer");
      return false;
    }
    int64_t v = *node->value<int64_t>();
    if (v < min || v > max) {
      Error(key, absl::StrCat("must be between ", min, " and ", max));
      return false;
    }
    *out = v;
    return true;
  }

  bool Int(absl::string_view key, int min, int max, int* out) {
    int64_t v = 0;
    if (!Int(key, int64_t{min}, int64_t{max}, &v)) return false;
    *out = static_cast<int>(v);
    return true;
  }

  bool Fraction(absl::string_view key, double* out) {
    const toml::node* node = Use(key);
    if (!node) return false;
    if (!node->is_number()) {
      Error(key, "must be a number between 0 and 1");
      return false;
    }
    double v = *node->value<double>();
    if (!(v >= 0.0 && v <= 1.0)) {
      Error(key, "must be a number between 0 and 1");
      return false;
    }
    *out = v;
    return true;
  }

  bool Bool(absl::string_view key, bool* out) {
    const toml::node* node = Use(key);
    if (!node) return false;
    if (!node->is_boolean()) {
      Error(key, "must be true or false");
      return false;
    }
    *out = *node->value<bool>();
    return true;
  }

  const toml::node* Use(absl::string_view key) {
    used_.insert(std::string(key));
    return table_.get(Std(key));
  }

  // Reports every key of the table that no getter asked for.
  void RejectUnknownKeys() {
    for (const auto& [key, node] : table_) {
      std::string name(key.str());
      if (used_.count(name)) continue;
      if (LooksLikeInlineSecret(name)) {
        Error(name,
              "secrets are never written in the config: use the *_file or "
              "*_env key instead");
        continue;
      }
      std::string hint;
      for (const std::string& known : used_) {
        if (EditDistance(name, known) <= 2) {
          hint = absl::StrCat(" (did you mean \"", known, "\"?)");
          break;
        }
      }
      Error(name, absl::StrCat("unknown key", hint));
    }
  }

 private:
  const toml::table& table_;
  std::string section_;
  const std::string& file_;
  std::vector<std::string>* errors_;
  std::set<std::string> used_;
};

void CheckSecretFile(TableReader& r, absl::string_view key,
                     const std::string& path) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    r.Error(key, absl::StrCat(path, ": no such file"));
  } else if (!S_ISREG(st.st_mode)) {
    r.Error(key, absl::StrCat(path, ": not a regular file"));
  }
}

void CheckEnvName(TableReader& r, absl::string_view key,
                  const std::string& name) {
  if (name.empty()) return;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      r.Error(key, "must be an environment variable name such as IMAP_PASSWORD");
      return;
    }
  }
}

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
  r.String("oauth2_token_file", &m->oauth2_token_file);
  m->password_file = Resolve(base, m->password_file);
  m->oauth2_token_file = Resolve(base, m->oauth2_token_file);
  int secrets = !m->password_file.empty() + !m->password_env.empty() +
                !m->oauth2_token_file.empty();
  if (secrets == 0) {
    r.Error("password_file",
            "a mailbox needs password_file, password_env or oauth2_token_file");
  } else if (secrets > 1) {
    r.Error("password_env",
            "set only one of password_file, password_env, oauth2_token_file");
  }
  CheckSecretFile(r, "password_file", m->password_file);
  CheckSecretFile(r, "oauth2_token_file", m->oauth2_token_file);
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
  s->password_file = Resolve(base, s->password_file);
  if (!s->password_file.empty() && !s->password_env.empty()) {
    r.Error("password_env", "set password_file or password_env, not both");
  }
  CheckSecretFile(r, "password_file", s->password_file);
  CheckEnvName(r, "password_env", s->password_env);
  if (!r.String("from", &s->from) || !IsPlausibleEmail(s->from)) {
    r.Error("from", "needs the sender address, e.g. collecte@cabinet.fr");
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

void ParseMatching(TableReader& r, MatchingSection* m) {
  if (const toml::node* node = r.Use("min_amount")) {
    absl::StatusOr<Money> amount = absl::InvalidArgumentError("");
    if (node->is_integer()) {
      amount = Money{*node->value<int64_t>() * 100};
    } else if (node->is_string()) {
      amount = ParseDecimalMoney(*node->value<std::string>());
    }
    if (!amount.ok() || amount->cents < 0) {
      r.Error("min_amount",
              "must be a non-negative amount in euros: 10 or \"10.50\"");
    } else {
      m->min_amount = *amount;
    }
  }
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

void ParseClient(TableReader& r, const std::string& file,
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
  (void)table;
  r.RejectUnknownKeys();
}

// Walks an array-of-tables key ("client", "mailbox") and calls fn per table.
template <typename Fn>
void ForEachTable(TableReader& top, absl::string_view key, Fn fn) {
  const toml::node* node = top.Use(key);
  if (!node) return;
  const toml::array* arr = node->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    top.Error(key, absl::StrCat("must be written as [[", key, "]] tables"));
    return;
  }
  int i = 0;
  for (const toml::node& item : *arr) fn(*item.as_table(), ++i);
}

}  // namespace

bool IsValidClientId(absl::string_view id) {
  if (id.empty() || id.size() > 64 || id == "unknown") return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '-' || c == '_'));
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<Config> ParseConfig(absl::string_view toml_text,
                                   const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(Std(toml_text), source_name);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ":", e.source().begin.line, ":",
                     e.source().begin.column, ": ",
                     std::string(e.description())));
  }
  Config config;
  config.source = source_name;
  std::string base;
  if (!source_name.empty()) {
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(source_name), ec);
    base = ec ? "" : abs.parent_path().string();
  }
  std::vector<std::string> errors;
  TableReader top(root, "", source_name, &errors);

  auto section = [&](absl::string_view key, auto fn) {
    const toml::node* node = top.Use(key);
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) {
      top.Error(key, absl::StrCat("must be a [", key, "] table"));
      return;
    }
    TableReader r(*t, absl::StrCat("[", key, "]"), source_name, &errors);
    fn(r);
  };

  section("daemon", [&](TableReader& r) { ParseDaemon(r, base, &config.daemon); });
  if (!top.Has("daemon")) {
    config.daemon.state_dir = Resolve(base, config.daemon.state_dir);
    config.daemon.inbox_root = Resolve(base, config.daemon.inbox_root);
    for (std::string& l : config.daemon.listen) {
      l = absl::StrCat("unix:", Resolve(base, l.substr(5)));
    }
  }
  section("ocr", [&](TableReader& r) { ParseOcr(r, &config.ocr); });
  section("classify",
          [&](TableReader& r) { ParseClassify(r, &config.classify); });
  section("llm", [&](TableReader& r) {
    ForEachTable(r, "provider", [&](const toml::table& t, int i) {
      TableReader pr(t, absl::StrCat("[[llm.provider]] #", i), source_name,
                     &errors);
      LlmProvider p;
      ParseProvider(pr, base, &p);
      config.llm_providers.push_back(std::move(p));
    });
    r.RejectUnknownKeys();
  });
  ForEachTable(top, "mailbox", [&](const toml::table& t, int i) {
    TableReader mr(t, absl::StrCat("[[mailbox]] #", i), source_name, &errors);
    Mailbox m;
    ParseMailbox(mr, base, &m);
    config.mailboxes.push_back(std::move(m));
  });
  section("smtp", [&](TableReader& r) { ParseSmtp(r, base, &config.smtp); });
  section("reminders",
          [&](TableReader& r) { ParseReminders(r, base, &config.reminders); });
  section("matching",
          [&](TableReader& r) { ParseMatching(r, &config.matching); });
  ForEachTable(top, "client", [&](const toml::table& t, int i) {
    TableReader cr(t, absl::StrCat("[[client]] #", i), source_name, &errors);
    ClientConfig c;
    ParseClient(cr, source_name, config.daemon.inbox_root, t, &errors, &c);
    config.clients.push_back(std::move(c));
  });
  top.RejectUnknownKeys();

  // Cross-section rules.
  std::set<std::string> names;
  for (const LlmProvider& p : config.llm_providers) {
    if (!p.name.empty() && !names.insert(p.name).second) {
      errors.push_back(absl::StrCat(source_name, ": [[llm.provider]] name: \"",
                                    p.name, "\" is used twice"));
    }
  }
  names.clear();
  for (const Mailbox& m : config.mailboxes) {
    if (!m.name.empty() && !names.insert(m.name).second) {
      errors.push_back(absl::StrCat(source_name, ": [[mailbox]] name: \"",
                                    m.name, "\" is used twice"));
    }
  }
  names.clear();
  for (const ClientConfig& c : config.clients) {
    if (!c.id.empty() && !names.insert(c.id).second) {
      errors.push_back(absl::StrCat(source_name, ": [[client]] id: \"", c.id,
                                    "\" is used twice"));
    }
  }
  // Layouts that would make the daemon move its own files or one client's
  // files into another's (inbox_root inside state_dir stays allowed: the
  // embedded default does it).
  const std::string state = NormalPath(config.daemon.state_dir);
  const std::string inbox = NormalPath(config.daemon.inbox_root);
  if (!state.empty() && !inbox.empty() && IsWithin(state, inbox)) {
    errors.push_back(absl::StrCat(source_name, ": [daemon] state_dir: \"", state,
                                  "\" is inside inbox_root \"", inbox,
                                  "\": the archive would be taken for a client folder"));
  }
  for (size_t i = 0; i < config.clients.size(); ++i) {
    const ClientConfig& c = config.clients[i];
    const std::string folder = NormalPath(c.folder);
    if (folder.empty()) continue;
    // Inside the state dir only through an inbox root kept there.
    if (IsWithin(state, folder) || (IsWithin(folder, state) && !IsWithin(folder, inbox))) {
      errors.push_back(absl::StrCat(source_name, ": [[client]] ", c.id, " folder: \"", folder,
                                    "\" overlaps state_dir \"", state, "\""));
    }
    for (size_t j = 0; j < i; ++j) {
      const std::string other = NormalPath(config.clients[j].folder);
      if (IsWithin(folder, other) || IsWithin(other, folder)) {
        errors.push_back(absl::StrCat(source_name, ": [[client]] ", c.id, " folder: \"", folder,
                                      "\" overlaps the folder of ", config.clients[j].id, " (\"",
                                      other, "\"): one file would belong to two clients"));
      }
    }
  }
  if (config.reminders.enabled && !config.smtp.configured) {
    errors.push_back(absl::StrCat(
        source_name,
        ": [reminders] enabled: reminders need an [smtp] section to send"));
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such config file"));
  }
  if (!fs::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a file (a config is one TOML file)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be read"));
  if (text.str().size() > 4 * 1024 * 1024) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than 4 MiB"));
  }
  return ParseConfig(text.str(), path);
}

Config EmbeddedDefaultConfig() {
  Config config;
  config.source = "embedded default";
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  std::string base = ec ? "" : cwd.string();
  config.daemon.state_dir = Resolve(base, "var");
  config.daemon.inbox_root = Resolve(base, "var/inbox");
  config.daemon.listen = {absl::StrCat("unix:", Resolve(base, "var/liasse.sock"))};
  return config;
}

std::vector<ClientConfig> DiscoverFolderClients(const std::string& inbox_root,
                                                std::vector<std::string>* invalid_names) {
  std::vector<ClientConfig> clients;
  std::error_code ec;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(inbox_root, ec)) {
    // A link is never a client folder: it would make the daemon read and
    // move files wherever it points (links are never followed).
    std::error_code type_ec;
    if (!fs::is_directory(entry.symlink_status(type_ec))) continue;
    std::string id = entry.path().filename().string();
    if (!IsValidClientId(id)) {
      if (invalid_names && !id.empty() && id[0] != '.') invalid_names->push_back(id);
      continue;
    }
    ClientConfig c;
    c.id = id;
    c.name = id;
    c.folder = entry.path().string();
    clients.push_back(std::move(c));
  }
  std::sort(clients.begin(), clients.end(),
            [](const ClientConfig& a, const ClientConfig& b) { return a.id < b.id; });
  return clients;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream s;
  s << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(s.str()));
}

std::vector<std::string> ExposedSecretFiles(const Config& config) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"[daemon] token_file", config.daemon.token_file},
      {"[smtp] password_file", config.smtp.password_file}};
  for (const LlmProvider& p : config.llm_providers) {
    files.push_back({absl::StrCat("[[llm.provider]] ", p.name, " api_key_file"), p.api_key_file});
  }
  for (const Mailbox& m : config.mailboxes) {
    files.push_back({absl::StrCat("[[mailbox]] ", m.name, " password_file"), m.password_file});
    files.push_back({absl::StrCat("[[mailbox]] ", m.name, " oauth2_token_file"),
                     m.oauth2_token_file});
  }
  std::vector<std::string> warnings;
  for (const auto& [key, path] : files) {
    struct stat st;
    if (path.empty() || ::stat(path.c_str(), &st) != 0) continue;
    if (st.st_mode & S_IROTH) {
      warnings.push_back(absl::StrCat(key, ": ", path,
                                      " is readable by every user of the machine (chmod o-r)"));
    }
  }
  return warnings;
}

std::vector<std::string> KeysNeedingRestart(const Config& a, const Config& b) {
  std::vector<std::string> keys;
  if (a.daemon.state_dir != b.daemon.state_dir) keys.push_back("daemon.state_dir");
  if (a.daemon.listen != b.daemon.listen) keys.push_back("daemon.listen");
  if (a.daemon.tls_cert_file != b.daemon.tls_cert_file) {
    keys.push_back("daemon.tls_cert_file");
  }
  if (a.daemon.tls_key_file != b.daemon.tls_key_file) {
    keys.push_back("daemon.tls_key_file");
  }
  if (a.daemon.workers != b.daemon.workers) keys.push_back("daemon.workers");
  auto provider_tuple = [](const LlmProvider& p) {
    return std::tie(p.name, p.base_url, p.model, p.api_key_file, p.api_key_env, p.timeout_s,
                    p.max_input_chars, p.json_mode, p.redact, p.doc_types);
  };
  bool same_llm = a.llm_providers.size() == b.llm_providers.size();
  for (size_t i = 0; same_llm && i < a.llm_providers.size(); ++i) {
    same_llm = provider_tuple(a.llm_providers[i]) == provider_tuple(b.llm_providers[i]);
  }
  if (!same_llm) keys.push_back("llm.provider");
  // Read once by the extraction pool, intake and pipeline.
  if (a.daemon.max_attempts != b.daemon.max_attempts) keys.push_back("daemon.max_attempts");
  auto ocr = [](const OcrOptions& o) {
    return std::tie(o.languages, o.dpi, o.max_file_mb, o.max_pages, o.max_pixels, o.timeout_s);
  };
  if (ocr(a.ocr) != ocr(b.ocr)) keys.push_back("ocr");
  if (a.classify.llm_skip_confidence != b.classify.llm_skip_confidence ||
      a.classify.min_ocr_confidence != b.classify.min_ocr_confidence) {
    keys.push_back("classify");
  }
  return keys;
}

}  // namespace liasse
