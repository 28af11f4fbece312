#include "daemon/config/config.h"

#include "daemon/config/sections.h"

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

namespace fs = std::filesystem;
using namespace config_internal;  // TableReader, the section readers, path checks

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
  ForEachTable(top, "oauth", [&](const toml::table& t, int i) {
    TableReader orr(t, absl::StrCat("[[oauth]] #", i), source_name, &errors);
    OAuthProfile p;
    ParseOAuth(orr, base, &p);
    config.oauth.push_back(std::move(p));
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
  section("accounting",
          [&](TableReader& r) { ParseAccounting(r, &config.accounting); });
  ForEachTable(top, "client", [&](const toml::table& t, int i) {
    TableReader cr(t, absl::StrCat("[[client]] #", i), source_name, &errors);
    ClientConfig c;
    ParseClient(cr, source_name, config.accounting, config.daemon.inbox_root, t, &errors, &c);
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
  for (const OAuthProfile& p : config.oauth) {
    if (!p.name.empty() && !names.insert(p.name).second) {
      errors.push_back(absl::StrCat(source_name, ": [[oauth]] name: \"", p.name,
                                    "\" is used twice"));
    }
  }
  auto check_profile = [&](const std::string& where, const std::string& name) {
    if (!name.empty() && names.count(name) == 0) {
      errors.push_back(absl::StrCat(source_name, ": ", where, " oauth: no [[oauth]] profile named \"",
                                    name, "\""));
    }
  };
  for (const Mailbox& m : config.mailboxes) check_profile(absl::StrCat("[[mailbox]] ", m.name), m.oauth);
  check_profile("[smtp]", config.smtp.oauth);
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
  // Folders as "path/", sorted: a folder and every folder below it are then
  // neighbours, so overlaps are found in O(n log n) (firms have thousands).
  std::vector<std::pair<std::string, size_t>> folders;
  for (size_t i = 0; i < config.clients.size(); ++i) {
    const ClientConfig& c = config.clients[i];
    const std::string folder = NormalPath(c.folder);
    if (folder.empty()) continue;
    // Inside the state dir only through an inbox root kept there.
    if (IsWithin(state, folder) || (IsWithin(folder, state) && !IsWithin(folder, inbox))) {
      errors.push_back(absl::StrCat(source_name, ": [[client]] ", c.id, " folder: \"", folder,
                                    "\" overlaps state_dir \"", state, "\""));
    }
    folders.emplace_back(folder == "/" ? folder : folder + "/", i);
  }
  std::sort(folders.begin(), folders.end());
  std::vector<std::pair<size_t, size_t>> overlaps;  // (later, earlier) in config order
  for (size_t a = 0; a < folders.size(); ++a) {
    for (size_t b = a + 1;
         b < folders.size() && absl::StartsWith(folders[b].first, folders[a].first); ++b) {
      overlaps.emplace_back(std::max(folders[a].second, folders[b].second),
                            std::min(folders[a].second, folders[b].second));
    }
  }
  std::sort(overlaps.begin(), overlaps.end());
  for (const auto& [i, j] : overlaps) {
    errors.push_back(absl::StrCat(source_name, ": [[client]] ", config.clients[i].id,
                                  " folder: \"", NormalPath(config.clients[i].folder),
                                  "\" overlaps the folder of ", config.clients[j].id, " (\"",
                                  NormalPath(config.clients[j].folder),
                                  "\"): one file would belong to two clients"));
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
  }
  for (const OAuthProfile& p : config.oauth) {
    files.push_back({absl::StrCat("[[oauth]] ", p.name, " client_secret_file"), p.client_secret_file});
    files.push_back({absl::StrCat("[[oauth]] ", p.name, " key_file"), p.key_file});
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

OcrOptions ReadingOptions(const Config& config) {
  OcrOptions o = config.ocr;
  for (const LlmProvider& p : config.llm_providers) {
    if (p.vision) o.preview_px = kVisionPreviewPx;
  }
  return o;
}

}  // namespace liasse
