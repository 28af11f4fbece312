// Reading liasse.toml tables with errors that name the file, line and key
// (TableReader), and the path, URL and secret checks the sections share.
// Internal to daemon/config/.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "daemon/config/config.h"

namespace liasse {
namespace config_internal {

namespace fs = std::filesystem;

// toml++ takes std::string_view, which this abseil build does not alias.
inline std::string_view Std(absl::string_view s) { return {s.data(), s.size()}; }

inline constexpr absl::string_view kDocTypes[] = {
    "invoice",  "credit_note", "receipt", "bank_statement", "payslip",
    "tax_notice", "contract",  "quote",   "other"};

inline bool IsDocType(absl::string_view s) {
  return std::find(std::begin(kDocTypes), std::end(kDocTypes), s) !=
         std::end(kDocTypes);
}

inline size_t EditDistance(absl::string_view a, absl::string_view b) {
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

inline bool LooksLikeInlineSecret(absl::string_view key) {
  return key == "password" || key == "api_key" || key == "token" ||
         key == "secret" || key == "client_secret" || key == "oauth2_token" || key == "apikey" ||
         key == "bearer";
}

// Resolves `path` against `base` unless it is absolute.
inline std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || base.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

// `path` lexically normal (no ".", "..", "//"), without a trailing '/'.
inline std::string NormalPath(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// True when `inner` is `outer` or lies below it (both NormalPath'd).
inline bool IsWithin(const std::string& inner, const std::string& outer) {
  if (inner == outer) return true;
  std::string prefix = outer == "/" ? outer : absl::StrCat(outer, "/");
  return absl::StartsWith(inner, prefix);
}


struct ParsedUrl {
  std::string scheme;
  std::string host;
  int port = 0;
};

inline std::optional<ParsedUrl> ParseUrl(absl::string_view url) {
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

  // For a reader of a table inside this one.
  const std::string& file() const { return file_; }
  std::vector<std::string>* errors() const { return errors_; }

 private:
  const toml::table& table_;
  std::string section_;
  const std::string& file_;
  std::vector<std::string>* errors_;
  std::set<std::string> used_;
};

inline void CheckSecretFile(TableReader& r, absl::string_view key,
                     const std::string& path) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    r.Error(key, absl::StrCat(path, ": no such file"));
  } else if (!S_ISREG(st.st_mode)) {
    r.Error(key, absl::StrCat(path, ": not a regular file"));
  }
}

inline void CheckEnvName(TableReader& r, absl::string_view key,
                  const std::string& name) {
  if (name.empty()) return;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      r.Error(key, "must be an environment variable name such as IMAP_PASSWORD");
      return;
    }
  }
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

}  // namespace config_internal
}  // namespace liasse
