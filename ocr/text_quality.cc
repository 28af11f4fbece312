#include "ocr/text_quality.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace liasse {
namespace {

// Decodes one UTF-8 code point; returns 0xFFFD on malformed input.
uint32_t NextCodePoint(absl::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *i += len;
  return cp;
}

bool IsLetterOrDigit(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 'A' && cp <= 'Z');
  }
  // Latin-1 supplement and Latin Extended letters (accents), Greek, Cyrillic.
  return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
         (cp >= 0x370 && cp <= 0x4FF);
}

}  // namespace

TextLayerVerdict JudgeTextLayer(absl::string_view text, bool page_has_images) {
  size_t visible = 0, alnum = 0, bad = 0, control = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = NextCodePoint(text, &i);
    if (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r' || cp == 0xA0) {
      continue;
    }
    ++visible;
    if (cp == 0xFFFD || (cp >= 0xE000 && cp <= 0xF8FF)) {
      ++bad;  // replacement characters, private-use glyphs: unmapped fonts
    } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
      ++control;
    } else if (IsLetterOrDigit(cp)) {
      ++alnum;
    }
  }
  TextLayerVerdict v;
  if (visible < 20) {
    v.reason = absl::StrCat("only ", visible, " characters");
    return v;
  }
  double bad_ratio = static_cast<double>(bad + control) / visible;
  if (bad_ratio > 0.1) {
    v.reason = absl::StrCat(bad + control, " of ", visible,
                            " characters unmapped or control");
    return v;
  }
  double alnum_ratio = static_cast<double>(alnum) / visible;
  // Real text is mostly letters and digits; invisible OCR junk laid over a
  // scan by cheap scanners is often punctuation soup.
  if (alnum_ratio < 0.5) {
    v.reason = absl::StrCat("only ", static_cast<int>(alnum_ratio * 100),
                            "% letters or digits");
    return v;
  }
  // A scanned page with a thin layer (a stamp, a page number) is mostly
  // image: trust the layer only when it carries real text.
  if (page_has_images && visible < 200) {
    v.reason = absl::StrCat("scanned page with only ", visible,
                            " characters of text layer");
    return v;
  }
  v.usable = true;
  return v;
}

std::string TidyText(absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::string out;
    bool space = false;
    for (char c : line) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        space = !out.empty();
        continue;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
    lines.push_back(std::move(out));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  std::string joined;
  int blank_run = 0;
  for (size_t i = first; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      if (++blank_run > 1) continue;  // at most one blank line in a row
    } else {
      blank_run = 0;
    }
    if (!joined.empty() || i > first) joined.push_back('\n');
    joined += lines[i];
  }
  return joined;
}

}  // namespace liasse
