// The daemon's configuration: one TOML file (or the embedded default), parsed
// and validated whole. Unknown keys are errors; secrets are only named by
// *_file / *_env keys and never read or logged here.
#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ocr/options.h"
#include "workflows/collection.h"
#include "workflows/entries.h"
#include "workflows/money.h"

namespace liasse {

struct DaemonSection {
  std::string state_dir = "var";
  std::string inbox_root = "var/inbox";
  // "unix:PATH" or "HOST:PORT"; TCP only with TLS and a token file.
  std::vector<std::string> listen = {"unix:var/liasse.sock"};
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string token_file;
  int workers = 0;  // 0 = number of cores
  std::string timezone = "Europe/Paris";
  std::string log_level = "info";
  int queue_limit = 1000;
  int max_attempts = 5;
};

struct ClassifySection {
  double llm_skip_confidence = 0.9;
  double min_ocr_confidence = 0.6;
};

struct LlmProvider {
  std::string name;
  std::string base_url;
  std::string model;
  std::string api_key_file;
  std::string api_key_env;
  int timeout_s = 60;
  int max_input_chars = 6000;
  std::string json_mode = "json_schema";  // json_schema | json_object | prompt
  // Unset: true for any host that is not loopback.
  std::optional<bool> redact;
  std::vector<std::string> doc_types;  // empty = every type
  // Sends the page image of a photo or scan with its OCR text (image_url
  // content parts), only when the text is not redacted: an image cannot be.
  bool vision = false;
};

// [[oauth]]: how Liasse obtains OAuth2 access tokens for a mailbox or for
// [smtp] (SASL XOAUTH2). URLs and scopes are filled from the provider's
// defaults when the file leaves them out.
struct OAuthProfile {
  std::string name;
  std::string provider;  // microsoft | google | custom
  std::string grant = "client_credentials";
  std::string tenant;    // microsoft: the directory (tenant) id or domain
  std::string client_id;
  std::string client_secret_file;
  std::string client_secret_env;
  std::vector<std::string> scopes;
  std::string token_url;
  std::string device_url;
  std::string auth_url;
  // authorization_code: the browser comes back to http://127.0.0.1:PORT/
  // (forwarded with ssh -L when the daemon's machine has no browser); 0 =
  // any free port.
  int redirect_port = 8765;
  // jwt_bearer: the service account's key file (JSON from the Google Cloud
  // console) and the mailbox it acts as (domain-wide delegation).
  std::string key_file;
  std::string subject;
};

struct Mailbox {
  std::string name;
  std::string url;  // imaps://host[:port]/ or imap:// (STARTTLS; plain only to loopback)
  std::string username;
  std::string password_file;
  std::string password_env;
  std::string oauth;  // an [[oauth]] profile's name, instead of a password
  std::vector<std::string> folders = {"INBOX"};
  int poll_seconds = 60;
  std::string processed_folder;
  int max_message_mb = 25;
};

struct SmtpSection {
  bool configured = false;
  std::string url;
  std::string username;
  std::string password_file;
  std::string password_env;
  std::string oauth;  // an [[oauth]] profile's name, instead of a password
  std::string from;
  std::string reply_to;
  int max_per_minute = 30;
};

struct RemindersSection {
  bool enabled = false;
  std::string start_period;  // YYYY-MM; empty = the month Liasse starts in
  // first_after_days, every_days, max_reminders, quiet_hours (parsed into
  // minutes of day here, once) and business_days_only: the policy's own
  // struct, handed to workflows/ as it is.
  ReminderSettings cadence;
  int grace_days = 10;
  std::string escalate_to;
  std::string digest_time = "08:30";
  std::string templates_dir;
  // A short thank-you when a client has sent everything a reminder asked
  // for. Not in DESIGN's table (added with collection); off by default.
  bool thank_you = false;
};

struct MatchingSection {
  Money min_amount{1000};
  int date_window_before_days = 30;  // date_window_days[0] = -before
  int date_window_after_days = 7;    // date_window_days[1]
  std::vector<std::string> ignore_labels = {
      "URSSAF", "DGFIP", "IMPOTS", "PRET", "ECHEANCE", "SALAIRE",
      "VIR INTERNE", "FRAIS BANCAIRES", "COTISATION CARTE", "COMMISSION"};
};

struct Expectation {
  std::string kind;   // a document type: bank_statement, payslip, invoice...
  std::string every;  // month | quarter | year
  int due_day = 5;
  std::string label;
  std::string iban;  // tells bank accounts apart; normalised
};

struct ClientConfig {
  std::string id;
  std::string name;
  std::vector<std::string> legal_names;
  std::string siren;
  std::string vat;
  std::vector<std::string> emails;
  std::vector<std::string> domains;
  std::string folder;  // resolved: absolute or relative to the working dir
  std::string after = "move";  // move | keep | delete
  int poll_seconds = 0;        // 0 = inotify; >0 = poll with a stability check
  std::string language = "fr";
  std::string manager;
  bool paused = false;
  bool llm = true;
  std::string fiscal_year_end = "12-31";
  std::string start_period;
  std::vector<Expectation> expects;
  // [accounting] with the client's own `accounting` table over it.
  AccountPlan accounting;
};

struct Config {
  std::string source;  // the file it came from, or "embedded default"
  DaemonSection daemon;
  OcrOptions ocr;
  ClassifySection classify;
  std::vector<LlmProvider> llm_providers;
  std::vector<OAuthProfile> oauth;
  std::vector<Mailbox> mailboxes;
  SmtpSection smtp;
  RemindersSection reminders;
  MatchingSection matching;
  AccountPlan accounting;  // [accounting]: the firm's accounts
  // Clients named by the config. When none are, every subfolder of
  // daemon.inbox_root is a client (see DiscoverFolderClients).
  std::vector<ClientConfig> clients;
};

// Parses TOML text. `source_name` names the file in errors, which read
// "FILE:LINE: KEY: what is wrong" (InvalidArgument).
absl::StatusOr<Config> ParseConfig(absl::string_view toml_text,
                                   const std::string& source_name);
// Reads and parses a file; NotFound / PermissionDenied when it cannot be read.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// [ocr] as the readers use it: with a page preview for vision models when a
// provider has vision = true.
inline constexpr int kVisionPreviewPx = 1280;
OcrOptions ReadingOptions(const Config& config);
// The configuration used when liassed runs without --config: state in ./var,
// client folders under ./var/inbox, socket ./var/liasse.sock, no mail.
Config EmbeddedDefaultConfig();

// Clients for an inbox root whose subfolders are clients: one per directory
// whose name is a valid client id (links are skipped). Sorted by id.
// `invalid_names`, when given, receives the folders skipped for their name.
std::vector<ClientConfig> DiscoverFolderClients(const std::string& inbox_root,
                                                std::vector<std::string>* invalid_names = nullptr);

// True when `id` can name a client: [a-z0-9][a-z0-9_-]{0,63}, not "unknown".
bool IsValidClientId(absl::string_view id);

// A secret named by a *_file key, surrounding whitespace removed.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// Secret and token files any user of the machine can read: one warning
// each (the daemon logs them at start and reload; --check-config prints them).
std::vector<std::string> ExposedSecretFiles(const Config& config);

// The part of the config a SIGHUP cannot change without a restart; empty
// when none differs, else the differing keys.
std::vector<std::string> KeysNeedingRestart(const Config& old_config,
                                            const Config& new_config);

}  // namespace liasse
