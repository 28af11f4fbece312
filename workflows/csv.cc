#include "workflows/csv.h"

#include "absl/strings/ascii.h"

namespace liasse {
namespace {

// "-12.50", "+3", "-0,5" are numbers (as this program writes amounts);
// "-1+2", "+33 1 23" or "=1" are not.
bool IsPlainNumber(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool digit = false;
  bool separator = false;
  for (char c : s) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if ((c == '.' || c == ',') && digit && !separator) {
      separator = true;
    } else {
      return false;
    }
  }
  return digit && s.back() != '.' && s.back() != ',';
}

}  // namespace

std::string CsvCell(absl::string_view text) {
  std::string s(text);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                     s[0] == '\r') &&
      !IsPlainNumber(s)) {
    s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(";\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace liasse
