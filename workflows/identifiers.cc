#include "workflows/identifiers.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace liasse {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool LuhnValid(absl::string_view digits) {
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

}  // namespace

bool IsValidSiren(absl::string_view siren) {
  return siren.size() == 9 && AllDigits(siren) && LuhnValid(siren);
}

bool IsValidSiret(absl::string_view siret) {
  if (siret.size() != 14 || !AllDigits(siret)) return false;
  if (siret.substr(0, 9) == "356000000") {
    int sum = 0;
    for (char c : siret) sum += c - '0';
    return sum % 5 == 0;
  }
  return LuhnValid(siret);
}

std::string NormalizeIdentifier(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '-' || c == '.') continue;
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string DigitsOf(absl::string_view text) {
  std::string digits;
  for (char c : text) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  return digits;
}

std::string SirenOfFrenchVat(absl::string_view vat) {
  return IsValidFrenchVat(vat) ? std::string(vat.substr(4)) : std::string();
}

bool IsValidFrenchVat(absl::string_view vat) {
  if (vat.size() != 13 || vat.substr(0, 2) != "FR") return false;
  absl::string_view key = vat.substr(2, 2);
  absl::string_view siren = vat.substr(4);
  if (!IsValidSiren(siren)) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  if (!AllDigits(key)) return true;  // old-style alphabetic keys: format only
  long long n = 0;
  for (char c : siren) n = n * 10 + (c - '0');
  int expected = static_cast<int>((12 + 3 * (n % 97)) % 97);
  return (key[0] - '0') * 10 + (key[1] - '0') == expected;
}

bool IsValidVat(absl::string_view vat) {
  if (vat.size() < 4 || vat.size() > 15) return false;
  if (!absl::ascii_isupper(static_cast<unsigned char>(vat[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(vat[1]))) {
    return false;
  }
  if (vat.substr(0, 2) == "FR") return IsValidFrenchVat(vat);
  for (char c : vat.substr(2)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        !absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool IsValidIban(absl::string_view text) {
  std::string iban = NormalizeIdentifier(text);
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (!absl::ascii_isupper(static_cast<unsigned char>(iban[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(iban[1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(iban[2])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(iban[3]))) {
    return false;
  }
  std::string rearranged = iban.substr(4) + iban.substr(0, 4);
  int remainder = 0;
  for (char c : rearranged) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      int v = c - 'A' + 10;
      remainder = (remainder * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool IsPlausibleDomain(absl::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  if (domain.find('.') == absl::string_view::npos) return false;
  size_t label_len = 0;
  char prev = '.';
  for (char c : domain) {
    if (c == '.') {
      if (label_len == 0 || prev == '-') return false;
      label_len = 0;
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
               c == '-') {
      if (label_len == 0 && c == '-') return false;
      if (++label_len > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label_len > 0 && prev != '-';
}

bool IsPlausibleEmail(absl::string_view email) {
  size_t at = email.rfind('@');
  if (at == absl::string_view::npos || at == 0 || email.size() > 254) {
    return false;
  }
  for (char c : email.substr(0, at)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '<' || c == '>' || c == ',' ||
        c == '"' || c == '@') {
      return false;
    }
  }
  return IsPlausibleDomain(email.substr(at + 1));
}

std::optional<NamedAddress> ParseNamedAddress(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (!absl::EndsWith(text, ">")) {
    if (!IsPlausibleEmail(text)) return std::nullopt;
    return NamedAddress{"", std::string(text)};
  }
  size_t open = text.rfind('<');
  if (open == absl::string_view::npos) return std::nullopt;
  absl::string_view address = text.substr(open + 1, text.size() - open - 2);
  absl::string_view name = absl::StripAsciiWhitespace(text.substr(0, open));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < ' ' || u == 0x7f || c == '<' || c == '>' || c == '"') return std::nullopt;
  }
  if (!IsPlausibleEmail(address)) return std::nullopt;
  return NamedAddress{std::string(name), std::string(address)};
}

bool IsPublicMailDomain(absl::string_view domain) {
  static constexpr std::array<absl::string_view, 34> kPublic = {
      "gmail.com",     "googlemail.com", "outlook.com",  "outlook.fr",
      "hotmail.com",   "hotmail.fr",     "live.com",     "live.fr",
      "msn.com",       "yahoo.com",      "yahoo.fr",     "ymail.com",
      "icloud.com",    "me.com",         "mac.com",      "aol.com",
      "orange.fr",     "wanadoo.fr",     "free.fr",      "sfr.fr",
      "neuf.fr",       "laposte.net",    "bbox.fr",      "numericable.fr",
      "gmx.fr",        "gmx.com",        "gmx.de",       "web.de",
      "t-online.de",   "protonmail.com", "proton.me",    "mail.com",
      "yandex.com",    "zoho.com",
  };
  std::string lower = absl::AsciiStrToLower(domain);
  for (absl::string_view d : kPublic) {
    if (lower == d) return true;
  }
  return false;
}

bool IsLoopbackHost(absl::string_view host) {
  std::string h = absl::AsciiStrToLower(host);
  if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost."
  if (h == "localhost" || h == "::1") return true;
  std::vector<absl::string_view> parts = absl::StrSplit(h, '.');
  if (parts.size() != 4) return false;
  for (absl::string_view p : parts) {
    if (p.empty() || p.size() > 3) return false;
    for (char c : p) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
    int v = 0;
    if (!absl::SimpleAtoi(p, &v) || v > 255) return false;
  }
  return parts[0] == "127";
}

bool IsLoopbackUrl(absl::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != absl::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  size_t at = url.rfind('@');
  if (at != absl::string_view::npos) url.remove_prefix(at + 1);
  if (absl::StartsWith(url, "[")) {
    size_t close = url.find(']');
    if (close == absl::string_view::npos) return false;
    return IsLoopbackHost(url.substr(0, close + 1));
  }
  return IsLoopbackHost(url.substr(0, url.find(':')));
}

}  // namespace liasse
