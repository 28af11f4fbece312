// Checksums and formats of the identifiers Liasse reads and is configured
// with: SIREN/SIRET (Luhn), VAT numbers, IBAN (ISO 13616 mod 97), e-mail
// addresses and domains. Pure functions on untrusted strings.
#pragma once

#include "absl/strings/string_view.h"
#include <optional>
#include <string>

namespace liasse {

// 9 digits passing Luhn. Spaces are not accepted: normalise first.
bool IsValidSiren(absl::string_view siren);
// 14 digits passing Luhn; La Poste (SIREN 356000000) SIRETs pass when their
// digit sum is a multiple of 5.
bool IsValidSiret(absl::string_view siret);
// French VAT: "FR" + 2-character key + SIREN; a numeric key must equal
// (12 + 3 * (SIREN mod 97)) mod 97.
bool IsValidFrenchVat(absl::string_view vat);
// The SIREN a valid French VAT number embeds (its last nine digits), or ""
// (`vat` as IsValidFrenchVat takes it: normalised).
std::string SirenOfFrenchVat(absl::string_view vat);
// Any EU-style VAT identifier: two-letter country prefix and 2–13 letters or
// digits; French ones are checked with their key.
bool IsValidVat(absl::string_view vat);
// IBAN with its mod-97 check, spaces allowed.
bool IsValidIban(absl::string_view iban);
// Removes spaces and upper-cases, for IBANs and VAT numbers.
std::string NormalizeIdentifier(absl::string_view text);
// The ASCII digits of `text`, in order ("FR 12-345" → "12345"; an amount
// as printed, "1 234,50" → "123450").
std::string DigitsOf(absl::string_view text);

// local@domain.tld, no spaces or control characters; deliberately simple.
bool IsPlausibleEmail(absl::string_view email);

// A sender as a firm writes it: "Cabinet Dupont <collecte@cabinet.fr>",
// "\"Dupont, Martin\" <a@b.fr>" or a bare address. The name may be any
// UTF-8 without control characters or angle brackets (quotes removed).
struct NamedAddress {
  std::string name;  // "" for a bare address
  std::string address;
};
std::optional<NamedAddress> ParseNamedAddress(absl::string_view text);
// A DNS name with at least one dot, letters/digits/hyphens per label.
bool IsPlausibleDomain(absl::string_view domain);
// gmail.com, outlook.fr, orange.fr...: shared by strangers, so never enough to
// identify a client.
bool IsPublicMailDomain(absl::string_view domain);

// True for "localhost", "::1" (bracketed or not) and the IPv4 addresses
// 127.0.0.0/8 written as four numbers — never for a name that merely
// starts with "127." such as 127.attacker.example.
bool IsLoopbackHost(absl::string_view host);
// The same for the host of a URL (scheme://[user@]host[:port]/…).
bool IsLoopbackUrl(absl::string_view url);

}  // namespace liasse
