#include "workflows/validate.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TaxLine VatLine(int64_t rate, int64_t base_cents, int64_t vat_cents) {
  TaxLine line;
  line.rate = rate;
  line.base = Money{base_cents};
  line.amount = Money{vat_cents};
  return line;
}

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

const Check* Find(const std::vector<Check>& checks, const std::string& code) {
  for (const Check& c : checks) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

ValidationInput FrenchInvoice() {
  ValidationInput in;
  in.doc_type = DocType::kInvoice;
  in.today = year_month_day{year(2026), month(11), day(28)};
  Fields& f = in.fields;
  f.supplier_name = "Boulangerie Martin";
  f.supplier_siren = "732829320";
  f.supplier_vat = "FR44732829320";
  f.buyer_siren = "552100554";
  f.invoice_number = "FA-1";
  f.issue_date = year_month_day{year(2026), month(11), day(20)};
  f.total_excl_tax = Money{120000};
  f.total_tax = Money{21100};
  f.total_incl_tax = Money{141100};
  f.tax_breakdown = {VatLine(2000, 100000, 20000), VatLine(550, 20000, 1100)};
  return in;
}

TEST(ValidateTest, ACorrectFrenchInvoicePassesEveryCheck) {
  auto checks = Validate(FrenchInvoice());
  EXPECT_FALSE(HasBlockingFailure(checks));
  for (const Check& c : checks) EXPECT_TRUE(c.ok) << c.code << ": " << c.message_en;
  EXPECT_NE(Find(checks, "totals_consistent"), nullptr);
  EXPECT_NE(Find(checks, "vat_rate"), nullptr);
  EXPECT_NE(Find(checks, "mandatory_mentions"), nullptr);
}

TEST(ValidateTest, AMinimumOrBasicWlEInvoiceIsNotACompleteInvoice) {
  for (const char* profile : {"urn:factur-x.eu:1p0:minimum", "urn:factur-x.eu:1p0:basicwl",
                              "urn:zugferd.de:2p0:minimum"}) {
    std::optional<Check> c = EInvoiceProfileCheck(profile);
    ASSERT_TRUE(c.has_value()) << profile;
    EXPECT_EQ(c->code, "einvoice_profile");
    EXPECT_FALSE(c->ok) << profile;
    EXPECT_EQ(c->severity, "warning");
  }
  for (const char* profile : {"urn:cen.eu:en16931:2017",
                              "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
                              "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"}) {
    std::optional<Check> c = EInvoiceProfileCheck(profile);
    ASSERT_TRUE(c.has_value()) << profile;
    EXPECT_TRUE(c->ok) << profile;
  }
  EXPECT_FALSE(EInvoiceProfileCheck("").has_value());
}

TEST(ValidateTest, TheBuyerSirenIsAskedOfFrenchBuyersOnly) {
  ValidationInput spanish = FrenchInvoice();
  spanish.fields.buyer_siren.clear();
  spanish.fields.buyer_vat = "ES B12345674";
  std::vector<Check> spanish_checks = Validate(spanish);
  const Check* abroad = Find(spanish_checks, "mandatory_mentions");
  ASSERT_NE(abroad, nullptr);
  EXPECT_TRUE(abroad->ok) << abroad->message_en;

  ValidationInput french = spanish;
  french.fields.buyer_vat.clear();  // a French business without its SIREN
  std::vector<Check> french_checks = Validate(french);
  const Check* missing = Find(french_checks, "mandatory_mentions");
  ASSERT_NE(missing, nullptr);
  EXPECT_FALSE(missing->ok);
  EXPECT_EQ(missing->message_en, "Missing mentions: SIREN acheteur / buyer SIREN");
}

TEST(ValidateTest, InconsistentTotalsBlock) {
  ValidationInput in = FrenchInvoice();
  in.fields.total_incl_tax = Money{141120};
  auto checks = Validate(in);
  EXPECT_FALSE(Find(checks, "totals_consistent")->ok);
  EXPECT_TRUE(HasBlockingFailure(checks));
  EXPECT_NE(Find(checks, "totals_consistent")->message_fr.find("≠"), std::string::npos);
}

TEST(ValidateTest, VatRatesAreThoseOfTheSellersCountry) {
  ValidationInput in = FrenchInvoice();
  in.fields.tax_breakdown = {VatLine(1900, 10000, 1900)};
  EXPECT_FALSE(Find(Validate(in), "vat_rate")->ok);  // 19 % is not French
  in.fields.supplier_vat = "DE123456789";
  in.fields.supplier_siren = "";
  EXPECT_TRUE(Find(Validate(in), "vat_rate")->ok);  // a German 19 % invoice passes
  in.fields.supplier_vat = "FR44732829320";
  in.fields.tax_breakdown = {VatLine(1300, 10000, 1300), VatLine(850, 1000, 85),
                             VatLine(210, 1000, 21)};
  EXPECT_TRUE(Find(Validate(in), "vat_rate")->ok);  // Corsica, overseas, press
}

TEST(ValidateTest, FutureDatesUnreadableScansAndBadIdentifiers) {
  ValidationInput in = FrenchInvoice();
  in.fields.issue_date = year_month_day{year(2027), month(1), day(15)};
  EXPECT_FALSE(Find(Validate(in), "date_plausible")->ok);
  in = FrenchInvoice();
  in.ocr_confidence = 0.41;
  EXPECT_FALSE(Find(Validate(in), "readable")->ok);
  in = FrenchInvoice();
  in.fields.iban = "FR7630006000011234567890180";
  EXPECT_FALSE(Find(Validate(in), "identifiers")->ok);
}

TEST(ValidateTest, MissingMentionsAreWarningsWithSimplifiedRulesUnder150) {
  ValidationInput in = FrenchInvoice();
  in.fields.buyer_siren = "";
  auto checks = Validate(in);
  const Check* mentions = Find(checks, "mandatory_mentions");
  EXPECT_FALSE(mentions->ok);
  EXPECT_EQ(mentions->severity, "warning");
  EXPECT_NE(mentions->message_en.find("buyer SIREN"), std::string::npos);
  EXPECT_FALSE(HasBlockingFailure(checks));
  in.fields.total_excl_tax = Money{9000};
  in.fields.total_tax = Money{1800};
  in.fields.total_incl_tax = Money{10800};
  in.fields.tax_breakdown = {VatLine(2000, 9000, 1800)};
  EXPECT_TRUE(Find(Validate(in), "mandatory_mentions")->ok);
}

TEST(ValidateTest, ReceiptsNeedAnAmountAndADate) {
  ValidationInput in;
  in.doc_type = DocType::kReceipt;
  in.today = year_month_day{year(2026), month(11), day(28)};
  EXPECT_FALSE(Find(Validate(in), "amount_and_date")->ok);
  in.fields.total_incl_tax = Money{1230};
  in.fields.issue_date = year_month_day{year(2026), month(11), day(27)};
  EXPECT_TRUE(Find(Validate(in), "amount_and_date")->ok);
  EXPECT_EQ(Find(Validate(in), "mandatory_mentions"), nullptr);
}

TEST(ValidateTest, DuplicateNeedsSameSupplierNumberAndTotal) {
  Fields mine = FrenchInvoice().fields;
  Fields other = mine;
  EXPECT_FALSE(DuplicateCheck(mine, {other}).ok);
  other.total_incl_tax = Money{1};
  EXPECT_TRUE(DuplicateCheck(mine, {other}).ok);  // same number, other amount
  other = mine;
  other.supplier_vat = "FR11999999998";
  other.supplier_siren = "999999998";
  EXPECT_TRUE(DuplicateCheck(mine, {other}).ok);  // another supplier's number
  EXPECT_TRUE(DuplicateCheck(mine, {}).ok);
}

}  // namespace
}  // namespace liasse

namespace liasse {
namespace {

Fields FrenchToFrench() {
  Fields f;
  f.supplier_vat = "FR44732829320";
  f.buyer_siren = "552100554";
  return f;
}

TEST(EInvoiceReformCheckTest, NatureDebitsAndDeliveryBetweenFrenchCompanies) {
  std::optional<Check> c =
      EInvoiceReformCheck(FrenchToFrench(), {"S1", "5", "ZI des Alouettes, 59000, Lille, FR"});
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->ok);
  EXPECT_EQ(c->message_en,
            "Nature of the operation: services (S1); option for VAT on debits; delivery address: "
            "ZI des Alouettes, 59000, Lille, FR.");
  c = EInvoiceReformCheck(FrenchToFrench(), {"B1", "", ""});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->message_en, "Nature of the operation: goods (B1).");  // debits: services only
  c = EInvoiceReformCheck(FrenchToFrench(), {"", "", ""});
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->severity, "warning");
}

TEST(EInvoiceReformCheckTest, NotForAForeignPartyOrAConsumer) {
  Fields foreign = FrenchToFrench();
  foreign.buyer_siren = "";
  foreign.buyer_vat = "ESB12345678";
  EXPECT_FALSE(EInvoiceReformCheck(foreign, {"", "", ""}).has_value());
  Fields consumer = FrenchToFrench();
  consumer.buyer_siren = "";
  EXPECT_FALSE(EInvoiceReformCheck(consumer, {"", "", ""}).has_value());
}

}  // namespace
}  // namespace liasse

namespace liasse {
namespace {

TEST(PrintedSingleRateTest, TheOneRateThatMakesTheTotalsAndIsPrinted) {
  std::optional<TaxLine> t = PrintedSingleRate(Money{10000}, Money{2000}, "TVA 20,00 % 20,00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->rate, 2000);
  EXPECT_EQ(t->base, Money{10000});
  EXPECT_EQ(t->amount, Money{2000});
  EXPECT_EQ(PrintedSingleRate(Money{10000}, Money{550}, "TVA 5,5% : 5,50")->rate, 550);
  EXPECT_EQ(PrintedSingleRate(Money{10000}, Money{850}, "T.V.A. 8.5 %")->rate, 850);
  // Not printed (120 is not 20 %), not a French rate, no VAT.
  EXPECT_FALSE(PrintedSingleRate(Money{10000}, Money{2000}, "Total 120 %").has_value());
  EXPECT_FALSE(PrintedSingleRate(Money{10000}, Money{2000}, "Total TTC 120,00").has_value());
  EXPECT_FALSE(PrintedSingleRate(Money{10000}, Money{1900}, "MwSt 19 %").has_value());
  EXPECT_FALSE(PrintedSingleRate(Money{10000}, Money{0}, "0 %").has_value());
}

}  // namespace
}  // namespace liasse
