#include "workflows/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace liasse {
namespace {

constexpr size_t kMaxDisplayBytes = 200;

// Length of the valid UTF-8 sequence at s[i], 0 if invalid.
size_t Utf8Length(absl::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

}  // namespace

std::string SanitizeDisplayName(absl::string_view raw) {
  size_t slash = raw.find_last_of("/\\");
  if (slash != absl::string_view::npos) raw.remove_prefix(slash + 1);
  std::string clean;
  for (size_t i = 0; i < raw.size();) {
    size_t len = Utf8Length(raw, i);
    if (len == 0) {
      clean += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(raw[i]);
    bool control = len == 1 && (c < 0x20 || c == 0x7F);
    // C1 controls U+0080..U+009F and bidi overrides that disguise names.
    bool c1 = len == 2 && c == 0xC2 && static_cast<unsigned char>(raw[i + 1]) < 0xA0;
    bool bidi = len == 3 && c == 0xE2 && static_cast<unsigned char>(raw[i + 1]) == 0x80 &&
                (static_cast<unsigned char>(raw[i + 2]) >= 0xAA &&
                 static_cast<unsigned char>(raw[i + 2]) <= 0xAE);
    if (!control && !c1 && !bidi) clean.append(raw.data() + i, len);
    i += len;
  }
  std::string trimmed(absl::StripAsciiWhitespace(clean));
  if (trimmed.size() > kMaxDisplayBytes) {
    size_t dot = trimmed.rfind('.');
    std::string ext = dot != std::string::npos && trimmed.size() - dot <= 10
                          ? trimmed.substr(dot)
                          : "";
    size_t keep = kMaxDisplayBytes - ext.size();
    // Back up to a character boundary.
    while (keep > 0 && (static_cast<unsigned char>(trimmed[keep]) & 0xC0) == 0x80) --keep;
    trimmed = trimmed.substr(0, keep) + ext;
  }
  if (trimmed.empty() || trimmed == "." || trimmed == "..") return "document";
  return trimmed;
}

std::string SafeLocalName(absl::string_view raw) {
  std::string name = SanitizeDisplayName(raw);
  size_t first = name.find_first_not_of('.');
  if (first == std::string::npos) return "document";
  return name.substr(first);
}

std::string NumberedName(absl::string_view name, int n) {
  if (n <= 1) return std::string(name);
  size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos || dot == 0) return absl::StrCat(name, " (", n, ")");
  return absl::StrCat(name.substr(0, dot), " (", n, ")", name.substr(dot));
}

bool IsTemporaryFileName(absl::string_view name) {
  if (name.empty() || name[0] == '.') return true;
  if (absl::StartsWith(name, "~$") || absl::EndsWith(name, "~")) return true;
  for (absl::string_view suffix : {".part", ".tmp", ".crdownload", ".partial",
                                   ".swp", ".download", ".filepart"}) {
    if (absl::EndsWithIgnoreCase(name, suffix)) return true;
  }
  return false;
}

std::string AsciiSlug(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "inconnu" : out;
}

}  // namespace liasse
