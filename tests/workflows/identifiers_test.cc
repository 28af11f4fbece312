#include "workflows/identifiers.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TEST(IdentifiersTest, AcceptsSirenPassingLuhn) {
  EXPECT_TRUE(IsValidSiren("732829320"));
  EXPECT_TRUE(IsValidSiren("552100554"));  // a well-known SIREN
  EXPECT_FALSE(IsValidSiren("732829321"));
  EXPECT_FALSE(IsValidSiren("73282932"));
  EXPECT_FALSE(IsValidSiren("73282932a"));
}

TEST(IdentifiersTest, LaPosteSiretsPassByDigitSum) {
  EXPECT_TRUE(IsValidSiret("35600000049837"));   // sum 3+5+6+4+9+8+3+7 = 45
  EXPECT_FALSE(IsValidSiret("35600000049838"));  // sum 46
  EXPECT_TRUE(IsValidSiret("73282932000074"));   // Luhn
  EXPECT_FALSE(IsValidSiret("73282932000075"));
}

TEST(IdentifiersTest, FrenchVatKeyMatchesSiren) {
  EXPECT_TRUE(IsValidFrenchVat("FR44732829320"));
  EXPECT_FALSE(IsValidFrenchVat("FR45732829320"));
  EXPECT_FALSE(IsValidFrenchVat("FR44732829321"));  // SIREN fails Luhn
  EXPECT_TRUE(IsValidVat("DE123456789"));
  EXPECT_FALSE(IsValidVat("de123456789"));
  EXPECT_FALSE(IsValidVat("D1"));
}

TEST(IdentifiersTest, DigitsOfKeepsOnlyAsciiDigitsInOrder) {
  EXPECT_EQ(DigitsOf("FR 12-345"), "12345");
  EXPECT_EQ(DigitsOf("1 234,50 €"), "123450");
  EXPECT_EQ(DigitsOf("TOTAL"), "");
}

TEST(IdentifiersTest, IbanMod97) {
  EXPECT_TRUE(IsValidIban("FR76 3000 6000 0112 3456 7890 189"));
  EXPECT_TRUE(IsValidIban("DE89370400440532013000"));
  EXPECT_FALSE(IsValidIban("DE89370400440532013001"));
  EXPECT_FALSE(IsValidIban("FR76"));
}

TEST(IdentifiersTest, PublicMailDomainsAreRecognised) {
  EXPECT_TRUE(IsPublicMailDomain("gmail.com"));
  EXPECT_TRUE(IsPublicMailDomain("Orange.FR"));
  EXPECT_FALSE(IsPublicMailDomain("boulangerie-martin.fr"));
}

TEST(IdentifiersTest, EmailAndDomainShapes) {
  EXPECT_TRUE(IsPlausibleEmail("paul.martin+factures@boulangerie.fr"));
  EXPECT_FALSE(IsPlausibleEmail("paul martin@boulangerie.fr"));
  EXPECT_FALSE(IsPlausibleEmail("@boulangerie.fr"));
  EXPECT_FALSE(IsPlausibleEmail("paul@localhost"));
  EXPECT_TRUE(IsPlausibleDomain("a-b.example.fr"));
  EXPECT_FALSE(IsPlausibleDomain("-ab.example.fr"));
  EXPECT_FALSE(IsPlausibleDomain("ab..fr"));
}

TEST(ParseNamedAddressTest, TakesADisplayNameOrABareAddress) {
  std::optional<NamedAddress> a = ParseNamedAddress(" Cabinet Dupré <collecte@cabinet.fr> ");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "Cabinet Dupré");
  EXPECT_EQ(a->address, "collecte@cabinet.fr");
  std::optional<NamedAddress> quoted = ParseNamedAddress("\"Dupont, Martin\" <a@b.fr>");
  ASSERT_TRUE(quoted.has_value());
  EXPECT_EQ(quoted->name, "Dupont, Martin");
  std::optional<NamedAddress> bare = ParseNamedAddress("collecte@cabinet.fr");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->name, "");
}

TEST(ParseNamedAddressTest, RefusesWhatIsNotOneSender) {
  EXPECT_FALSE(ParseNamedAddress("Cabinet Dupont").has_value());
  EXPECT_FALSE(ParseNamedAddress("Cabinet <collecte>").has_value());
  EXPECT_FALSE(ParseNamedAddress("Cabinet\r\nBcc: x@y.fr <a@b.fr>").has_value());
  EXPECT_FALSE(ParseNamedAddress("a <b> <c@d.fr>").has_value());
}

TEST(IsLoopbackTest, OnlyTheLoopbackAddressesAndLocalhost) {
  for (const char* host : {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"127.attacker.example", "127.0.0.1.nip.io", "1127.0.0.1", "127.0.0.256",
                           "128.0.0.1", "localhost.attacker.example", "", "::2"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(IsLoopbackTest, TheHostOfAUrl) {
  EXPECT_TRUE(IsLoopbackUrl("http://127.0.0.1:11434/v1"));
  EXPECT_TRUE(IsLoopbackUrl("imap://user@localhost:143/INBOX"));
  EXPECT_TRUE(IsLoopbackUrl("http://[::1]:8080/v1"));
  EXPECT_FALSE(IsLoopbackUrl("imap://127.attacker.example/INBOX"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.0.0.1@attacker.example/v1"));
  EXPECT_FALSE(IsLoopbackUrl("https://api.example.com/v1?x=127.0.0.1"));
}

}  // namespace
}  // namespace liasse
