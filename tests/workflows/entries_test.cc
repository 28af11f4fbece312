#include "workflows/entries.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/testing/tax_lines.h"

namespace liasse {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

using testing::Rate;

EntryDocument Purchase(int64_t total, std::vector<TaxLine> taxes) {
  EntryDocument d;
  d.id = 42;
  d.type = DocType::kInvoice;
  d.fields.supplier_name = "Fournitures Dupont SARL";
  d.fields.supplier_siren = "552 100 554";
  d.fields.invoice_number = "F-2026-118";
  d.fields.issue_date = std::chrono::year_month_day(year(2026), month(10), day(14));
  d.fields.currency = "EUR";
  d.fields.total_incl_tax = Money{total};
  d.fields.direction = Direction::kPurchase;
  d.fields.tax_breakdown = std::move(taxes);
  return d;
}

int64_t Debits(const Entry& e) {
  int64_t n = 0;
  for (const EntryLine& l : e.lines) n += l.debit.cents;
  return n;
}
int64_t Credits(const Entry& e) {
  int64_t n = 0;
  for (const EntryLine& l : e.lines) n += l.credit.cents;
  return n;
}

// account → (debit, credit) in cents; the auxiliary account after a slash.
std::map<std::string, std::pair<int64_t, int64_t>> Lines(const Entry& e) {
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  for (const EntryLine& l : e.lines) {
    auto& [d, c] = out[l.aux.empty() ? l.account : l.account + "/" + l.aux];
    d += l.debit.cents;
    c += l.credit.cents;
  }
  return out;
}

using LineMap = std::map<std::string, std::pair<int64_t, int64_t>>;

TEST(ProposeEntryTest, APurchaseAtOneRateCreditsTheSupplierForTheTotal) {
  EntryProposal p = ProposeEntry(Purchase(12000, {Rate(2000, 10000, 2000)}), AccountPlan{});
  ASSERT_TRUE(p.entry) << (p.review.empty() ? "" : p.review[0]);
  EXPECT_TRUE(p.review.empty());
  EXPECT_EQ(p.entry->journal, "HA");
  EXPECT_EQ(p.entry->piece_ref, "F-2026-118");
  EXPECT_EQ(p.entry->label, "Fournitures Dupont SARL F-2026-118");
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 12000}},
                                      {"607", {10000, 0}},
                                      {"44566", {2000, 0}}}));
}

TEST(ProposeEntryTest, ThreeRatesGiveOneBaseAndOneVatLinePerRate) {
  EntryProposal p = ProposeEntry(
      Purchase(13520, {Rate(2000, 5000, 1000), Rate(1000, 3000, 300), Rate(550, 4000, 220)}),
      AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(p.entry->lines.size(), 7u);  // supplier + 3 bases + 3 VAT
  EXPECT_EQ(Debits(*p.entry), 13520);
  EXPECT_EQ(Credits(*p.entry), 13520);
  int vat_lines = 0;
  for (const EntryLine& l : p.entry->lines) vat_lines += l.account == "44566";
  EXPECT_EQ(vat_lines, 3);
}

TEST(ProposeEntryTest, ACreditNoteIsTheInvoiceTheOtherWayRound) {
  EntryDocument by_type = Purchase(12000, {Rate(2000, 10000, 2000)});
  by_type.type = DocType::kCreditNote;
  EntryDocument negative = Purchase(-12000, {Rate(2000, -10000, -2000)});  // a 380 in minus
  LineMap want = {{"401/F552100554", {12000, 0}}, {"607", {0, 10000}}, {"44566", {0, 2000}}};
  for (const EntryDocument& d : {by_type, negative}) {
    EntryProposal p = ProposeEntry(d, AccountPlan{});
    ASSERT_TRUE(p.entry);
    EXPECT_EQ(Lines(*p.entry), want);
  }
}

TEST(ProposeEntryTest, ASaleDebitsTheCustomerAndCreditsRevenueAndCollectedVat) {
  EntryDocument d = Purchase(24000, {Rate(2000, 20000, 4000)});
  d.fields.direction = Direction::kSale;
  d.fields.buyer_name = "Garage Martin";
  d.fields.buyer_vat = "FR 40 303 265 045";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(p.entry->journal, "VT");
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"411/CFR40303265045", {24000, 0}},
                                      {"706", {0, 20000}},
                                      {"44571", {0, 4000}}}));
}

TEST(ProposeEntryTest, ReverseChargeBooksTheVatOwedAndDeductedBothWays) {
  // A cloud subscription invoiced from Ireland without VAT (category AE).
  EntryProposal p = ProposeEntry(Purchase(5000, {Rate(2000, 5000, 0, "AE")}), AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 5000}},
                                      {"607", {5000, 0}},
                                      {"445662", {1000, 0}},
                                      {"4452", {0, 1000}}}));
}

TEST(ProposeEntryTest, AReceiptWithATotalAndItsVatIsSplitWithoutARate) {
  EntryDocument d = Purchase(4520, {});
  d.type = DocType::kReceipt;
  d.fields.direction = Direction::kUnknown;  // tickets name no buyer
  d.fields.total_tax = Money{236};
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 4520}},
                                      {"606", {4284, 0}},
                                      {"44566", {236, 0}}}));
}

TEST(ProposeEntryTest, ACardSlipWithoutVatIsBookedForItsTotal) {
  EntryDocument d = Purchase(6000, {});
  d.type = DocType::kReceipt;
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 6000}}, {"606", {6000, 0}}}));
}

TEST(ProposeEntryTest, AOneCentRoundingGoesToTheRoundingAccount) {
  // Lines of 10.00 + 2.00, a total printed 12.01.
  EntryProposal p = ProposeEntry(Purchase(1201, {Rate(2000, 1000, 200)}), AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry)["658"], std::make_pair(int64_t{1}, int64_t{0}));
  EXPECT_EQ(Debits(*p.entry), Credits(*p.entry));
}

TEST(ProposeEntryTest, LinesThatDoNotMakeTheTotalAreForAPerson) {
  EntryProposal p = ProposeEntry(Purchase(12500, {Rate(2000, 10000, 2000)}), AccountPlan{});
  EXPECT_FALSE(p.entry);
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_EQ(p.review[0], "the lines add up to 120.00, the total is 125.00");
}

TEST(ProposeEntryTest, ARateWithoutAVatAccountIsForAPerson) {
  // Corsica's 13 %: no account in the default plan.
  EntryProposal p = ProposeEntry(Purchase(11300, {Rate(1300, 10000, 1300)}), AccountPlan{});
  EXPECT_FALSE(p.entry);
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_EQ(p.review[0], "no VAT account for 13 %");
}

TEST(ProposeEntryTest, AForeignCurrencyWaitsForTheAmountInEuros) {
  EntryDocument d = Purchase(12000, {Rate(2000, 10000, 2000)});
  d.fields.currency = "USD";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  EXPECT_FALSE(p.entry);
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "USD"));
}

TEST(ProposeEntryTest, AForeignCurrencyIsBookedForWhatTheBankDebitedInEuros) {
  // 120.00 USD (100.00 + 20.00 VAT), debited 110.01 EUR.
  EntryDocument d = Purchase(12000, {Rate(2000, 10000, 2000)});
  d.fields.currency = "USD";
  d.eur_total = Money{-11001};  // a debit, as the bank line says
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry) << p.review[0];
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 11001}},
                                      {"607", {9167, 0}},
                                      {"44566", {1834, 0}}}));
  for (const EntryLine& l : p.entry->lines) {
    EXPECT_EQ(l.currency, "USD");
    ASSERT_TRUE(l.foreign_amount);
  }
  EXPECT_EQ(p.entry->lines[0].foreign_amount, Money{12000});
  std::string fec = FormatFec({*p.entry});
  EXPECT_TRUE(absl::StrContains(fec, "\t0,00\t110,01\t\t\t\t120,00\tUSD\r\n")) << fec;
}

TEST(ProposeEntryTest, AForeignDocumentWithAZeroTotalIsForAPerson) {
  EntryDocument d = Purchase(0, {});
  d.fields.currency = "USD";
  d.eur_total = Money{-1000};
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  EXPECT_FALSE(p.entry);
  ASSERT_EQ(p.review.size(), 1u);
}

TEST(ProposeEntryTest, EquipmentAboveTheThresholdIsAFixedAssetForAPerson) {
  // A laptop for 1,200.00 excluding VAT, from a supplier staff book on 6063.
  EntryDocument d = Purchase(144000, {Rate(2000, 120000, 24000)});
  d.account = "6063";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 144000}},
                                      {"2183", {120000, 0}},
                                      {"44562", {24000, 0}}}));
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "asset register")) << p.review[0];
  // At 500.00 excluding VAT it is still a charge.
  d = Purchase(60000, {Rate(2000, 50000, 10000)});
  d.account = "6063";
  p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_TRUE(p.review.empty());
  EXPECT_EQ(Lines(*p.entry)["6063"], std::make_pair(int64_t{50000}, int64_t{0}));
}

TEST(ProposeEntryTest, TheNonDeductibleShareOfFuelVatIsPartOfTheCharge) {
  // Diesel for a passenger car: 80 % of its VAT is deductible.
  AccountPlan plan;
  plan.vat_deductible_share = {{"6061", 10000}, {"60622", 8000}, {"6251", 0}};
  EntryDocument d = Purchase(6000, {Rate(2000, 5000, 1000)});
  d.account = "606221";
  EntryProposal p = ProposeEntry(d, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 6000}},
                                      {"606221", {5200, 0}},
                                      {"44566", {800, 0}}}));
  // Lodging: none of it.
  d.account = "6251";
  p = ProposeEntry(d, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 6000}}, {"6251", {6000, 0}}}));
}

TEST(ProposeEntryTest, ASaleToTheDomFromMainlandFranceIsAnExportWithoutVat) {
  EntryDocument d = Purchase(50000, {Rate(0, 50000, 0, "G")});
  d.fields.direction = Direction::kSale;
  d.fields.buyer_name = "Ti Kaz SARL, Fort-de-France";
  d.fields.buyer_siren = "412 345 678";
  AccountPlan plan;
  plan.revenue_by_vat_category = {{"G", "7069"}};
  EntryProposal p = ProposeEntry(d, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_TRUE(p.review.empty());
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"411/C412345678", {50000, 0}}, {"7069", {0, 50000}}}));
}

TEST(ProposeEntryTest, AReceiptWithItsTotalAndOneRateIsSplitByThatRate) {
  EntryDocument d = Purchase(4520, {Rate(2000, 0, 0)});
  d.type = DocType::kReceipt;
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 4520}},
                                      {"606", {3767, 0}},
                                      {"44566", {753, 0}}}));
}

TEST(ProposeEntryTest, ADownPaymentInvoiceIsBookedOnAdvances) {
  EntryDocument d = Purchase(36000, {Rate(2000, 30000, 6000)});
  d.fields.type_code = "386";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_TRUE(p.review.empty());
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 36000}},
                                      {"4091", {30000, 0}},
                                      {"44566", {6000, 0}}}));
  d.fields.direction = Direction::kSale;
  d.fields.buyer_siren = "542065479";
  p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"411/C542065479", {36000, 0}},
                                      {"4191", {0, 30000}},
                                      {"44571", {0, 6000}}}));
}

TEST(ProposeEntryTest, TheFinalInvoiceAfterADownPaymentIsBookedInFullForAPersonToClear) {
  EntryDocument d = Purchase(120000, {Rate(2000, 100000, 20000)});
  d.fields.amount_due = Money{84000};  // 360.00 paid as a down payment
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry)["401/F552100554"], std::make_pair(int64_t{0}, int64_t{120000}));
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "360.00 already paid")) << p.review[0];
  d.fields.amount_due = Money{0};  // paid in full (by card): nothing to clear by hand
  EXPECT_TRUE(ProposeEntry(d, AccountPlan{}).review.empty());
}

TEST(ProposeEntryTest, ACorrectedInvoiceAsksToCancelTheOneItReplaces) {
  EntryDocument d = Purchase(12000, {Rate(2000, 10000, 2000)});
  d.fields.type_code = "384";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "384")) << p.review[0];
}

TEST(ProposeEntryTest, ASaleUnderVatOnPaymentWaitsOnThePendingAccount) {
  EntryDocument d = Purchase(24000, {Rate(2000, 20000, 4000)});
  d.fields.direction = Direction::kSale;
  d.fields.buyer_siren = "542065479";
  AccountPlan plan;
  plan.sales_vat_on_payment = true;
  EntryProposal p = ProposeEntry(d, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"411/C542065479", {24000, 0}},
                                      {"706", {0, 20000}},
                                      {"44574", {0, 4000}}}));
}

TEST(ProposeEntryTest, TheClientsOwnAccountsAreUsed) {
  AccountPlan plan;
  plan.purchases_journal = "AC";
  plan.suppliers = "40100000";
  plan.expense = "60610000";
  plan.vat_deductible = {{2000, "44566100"}};
  EntryProposal p = ProposeEntry(Purchase(12000, {Rate(2000, 10000, 2000)}), plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(p.entry->journal, "AC");
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"40100000/F552100554", {0, 12000}},
                                      {"60610000", {10000, 0}},
                                      {"44566100", {2000, 0}}}));
}

TEST(ProposeEntryTest, TheAccountStaffChoseForTheThirdPartyIsUsed) {
  EntryDocument d = Purchase(12000, {Rate(2000, 10000, 2000)});
  EXPECT_EQ(ThirdPartyAccount(d.type, d.fields), "F552100554");
  d.account = "6063000";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {0, 12000}},
                                      {"6063000", {10000, 0}},
                                      {"44566", {2000, 0}}}));
  d.fields.direction = Direction::kUnknown;
  EXPECT_EQ(ThirdPartyAccount(d.type, d.fields), "");  // an invoice must say
  d.type = DocType::kReceipt;
  EXPECT_EQ(ThirdPartyAccount(d.type, d.fields), "F552100554");  // a ticket is a purchase
  EXPECT_TRUE(IsAccountNumber("6063000"));
  EXPECT_FALSE(IsAccountNumber("606 3"));
  EXPECT_FALSE(IsAccountNumber(""));
}

TEST(AuxAccountTest, SirenThenVatThenName) {
  EXPECT_EQ(AuxAccount(Direction::kPurchase, "552100554", "FR40303265045", "X"), "F552100554");
  EXPECT_EQ(AuxAccount(Direction::kSale, "", "IE 6388047V", "Y"), "CIE6388047V");
  EXPECT_EQ(AuxAccount(Direction::kPurchase, "", "", "Boulangerie l'Épi d'or & Fils, Paris"),
            "FBOULANGERIELPIDOR");
  EXPECT_EQ(AuxAccount(Direction::kPurchase, "", "", ""), "FDIVERS");
  // A firm whose third parties are named: the name first, whatever is known.
  EXPECT_EQ(AuxAccount(Direction::kPurchase, "552100554", "", "Dupont SA", {"name"}), "FDUPONTSA");
  EXPECT_EQ(AuxAccount(Direction::kSale, "552100554", "FR96552100554", "Y", {"vat", "siren"}),
            "CFR96552100554");
  AccountPlan plan;
  plan.aux_from = {"name"};
  EntryProposal p = ProposeEntry(Purchase(12000, {Rate(2000, 10000, 2000)}), plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(p.entry->lines[0].aux, "FFOURNITURESDUPONT");
}

TEST(FormatFecTest, EighteenTabSeparatedColumnsNumberedPerEntryWithDecimalCommas) {
  EntryProposal a = ProposeEntry(Purchase(12000, {Rate(2000, 10000, 2000)}), AccountPlan{});
  EntryDocument other = Purchase(5000, {Rate(2000, 5000, 0, "AE")});
  other.fields.supplier_name = "Cloud\tLtd";  // a tab in a label never splits a field
  EntryProposal b = ProposeEntry(other, AccountPlan{});
  ASSERT_TRUE(a.entry && b.entry);
  std::string fec = FormatFec({*a.entry, *b.entry});
  std::vector<std::string> rows = absl::StrSplit(fec, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 1u + 3u + 4u);
  EXPECT_EQ(rows[0],
            "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\t"
            "CompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\t"
            "EcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise");
  for (const std::string& row : rows) {
    EXPECT_EQ(std::vector<std::string>(absl::StrSplit(row, '\t')).size(), 18u) << row;
  }
  EXPECT_EQ(rows[1],
            "HA\tAchats\t1\t20261014\t401\tFournisseurs\tF552100554\tFournitures Dupont SARL\t"
            "F-2026-118\t20261014\tFournitures Dupont SARL F-2026-118\t0,00\t120,00\t\t\t\t\t");
  EXPECT_TRUE(absl::StartsWith(rows[4], "HA\tAchats\t2\t")) << rows[4];
  EXPECT_TRUE(absl::StrContains(rows[4], "\tCloud Ltd F-2026-118\t")) << rows[4];
}

TEST(FormatQuadraTest, FixedWidthMovementLinesAfterTheThirdParties) {
  EntryProposal a = ProposeEntry(Purchase(12000, {Rate(2000, 10000, 2000)}), AccountPlan{});
  EntryDocument other = Purchase(2400, {Rate(2000, 2000, 400)});
  other.id = 43;
  other.fields.supplier_siren = "";
  other.fields.supplier_name = "Épicerie Générale";
  other.fields.invoice_number = "T-99";
  EntryProposal b = ProposeEntry(other, AccountPlan{});
  ASSERT_TRUE(a.entry && b.entry);
  std::map<std::string, std::string> codes;
  absl::StatusOr<std::string> q =
      FormatQuadra({*a.entry, *b.entry}, {{42, "00000042.pdf"}}, &codes);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(codes["F552100554"], "FFOURNIT");
  EXPECT_EQ(codes["FPICERIEGNRALE"], "FPICERIE");  // AuxAccount keeps ASCII letters only
  std::vector<std::string> rows = absl::StrSplit(*q, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 2u + 3u + 3u);
  EXPECT_TRUE(absl::StartsWith(rows[0], "CFFOURNITFournitures Dupont SARL       FFOURNI"));
  EXPECT_EQ(rows[0].substr(1 + 8 + 30 + 7 + 52, 8), "401     ");
  for (size_t i = 2; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].size(), 231u) << i;
    EXPECT_EQ(rows[i][0], 'M');
  }
  // The supplier's line: code, journal, folio, date, label, side, amount.
  const std::string& m = rows[2];
  EXPECT_EQ(m.substr(1, 8), "FFOURNIT");
  EXPECT_EQ(m.substr(9, 2), "HA");
  EXPECT_EQ(m.substr(11, 3), "000");
  EXPECT_EQ(m.substr(14, 6), "141026");
  EXPECT_EQ(m.substr(21, 20), "Fournitures Dupont S");
  EXPECT_EQ(m.substr(41, 2), "C+");
  EXPECT_EQ(m.substr(43, 12), "000000012000");
  EXPECT_EQ(m.substr(74, 5), "1    ");
  EXPECT_EQ(m.substr(107, 3), "EUR");
  EXPECT_EQ(m.substr(148, 10), "F-2026-118");
  EXPECT_EQ(m.substr(181, 12), "00000042.pdf");
  EXPECT_EQ(rows[3].substr(1, 8), "607     ");
  EXPECT_EQ(rows[3].substr(41, 14), "D+000000010000");
  // The second entry: Latin-9, numbered 2, no piece file.
  EXPECT_EQ(rows[5].substr(21, 20), "\xC9picerie G\xE9n\xE9rale T-");
  EXPECT_EQ(rows[5].substr(74, 5), "2    ");
  EXPECT_EQ(rows[5].substr(181, 12), std::string(12, ' '));
  // An account Quadra cannot hold.
  AccountPlan long_plan;
  long_plan.expense = "607000001";
  EntryProposal c = ProposeEntry(Purchase(12000, {Rate(2000, 10000, 2000)}), long_plan);
  EXPECT_FALSE(FormatQuadra({*c.entry}, {}, nullptr).ok());
}

TEST(FormatQuadraTest, CollidingThirdPartyCodesAreNumbered) {
  EntryDocument x = Purchase(1200, {Rate(2000, 1000, 200)});
  x.fields.supplier_name = "Carrefour Market";
  EntryDocument y = x;
  y.id = 43;
  y.fields.supplier_siren = "652 014 051";
  y.fields.supplier_name = "Carrefour City";
  std::map<std::string, std::string> codes;
  ASSERT_TRUE(FormatQuadra({*ProposeEntry(x, {}).entry, *ProposeEntry(y, {}).entry}, {}, &codes).ok());
  EXPECT_EQ(codes["F552100554"], "FCARREFO");
  EXPECT_EQ(codes["F652014051"], "FCARREF2");
}

FecLine Fec(std::string journal, std::string number, std::string account, std::string aux,
            std::string label, int64_t debit, int64_t credit) {
  return FecLine{std::move(journal), std::move(number), std::move(account), std::move(aux),
                 std::move(label), Money{debit}, Money{credit}};
}

TEST(LearnThirdPartiesTest, EachPartyOnceWithTheAccountMostOfItsEntriesUse) {
  std::vector<FecLine> lines = {
      Fec("AC", "1", "4010000", "FDUPONT", "FOURNITURES DUPONT", 0, 12000),
      Fec("AC", "1", "6063000", "", "", 10000, 0),
      Fec("AC", "1", "4456600", "", "", 2000, 0),
      Fec("AC", "2", "4010000", "FDUPONT", "FOURNITURES DUPONT", 0, 2400),
      Fec("AC", "2", "6063000", "", "", 2000, 0),
      Fec("AC", "2", "4456600", "", "", 400, 0),
      Fec("AC", "3", "4010000", "FDUPONT", "FOURNITURES DUPONT", 0, 600),
      Fec("AC", "3", "6064000", "", "", 500, 0),
      Fec("AC", "3", "4456600", "", "", 100, 0),
      Fec("VT", "1", "4110000", "CDURAND", "GARAGE DURAND", 24000, 0),
      Fec("VT", "1", "7060000", "", "", 0, 20000),
      Fec("VT", "1", "4457100", "", "", 0, 4000),
      Fec("BQ", "1", "4010000", "FDUPONT", "FOURNITURES DUPONT", 12000, 0),  // a payment
      Fec("BQ", "1", "5120000", "", "", 0, 12000),
  };
  EXPECT_EQ(LearnThirdParties(lines),
            (std::vector<KnownParty>{{"CDURAND", "GARAGE DURAND", "4110000", "7060000"},
                                     {"FDUPONT", "FOURNITURES DUPONT", "4010000", "6063000"}}));
}

TEST(FindKnownPartyTest, BySirenOrVatThenByNameOnTheRightSide) {
  std::vector<KnownParty> known = {
      {"F552100554", "DUPONT", "401", "6063"},
      {"FEPIDOR", "BOULANGERIE L'EPI D'OR", "401", "6061"},
      {"CEPIDOR", "Boulangerie l'Épi d'Or", "411", "706"},
      {"FCLOUD", "Cloud Ltd (IE6388047V)", "401", "6132"},
  };
  EntryDocument d = Purchase(1200, {});
  const KnownParty* p = FindKnownParty(d.type, d.fields, known);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->aux, "F552100554");  // its SIREN
  d.fields.supplier_siren = "";
  d.fields.supplier_vat = "FR 96 552100554";
  EXPECT_EQ(FindKnownParty(d.type, d.fields, known), p);  // the SIREN inside its VAT number
  d.fields.supplier_vat = "IE6388047V";
  ASSERT_NE(FindKnownParty(d.type, d.fields, known), nullptr);
  EXPECT_EQ(FindKnownParty(d.type, d.fields, known)->aux, "FCLOUD");
  d.fields.supplier_vat = "";
  d.fields.supplier_name = "BOULANGERIE L'ÉPI D'OR, SARL";
  ASSERT_NE(FindKnownParty(d.type, d.fields, known), nullptr);
  EXPECT_EQ(FindKnownParty(d.type, d.fields, known)->aux, "FEPIDOR");  // the supplier, not the customer
  d.fields.supplier_name = "Boulangerie du Port";
  EXPECT_EQ(FindKnownParty(d.type, d.fields, known), nullptr);
  EXPECT_EQ(CompanyNameKey("Boulangerie l'Épi d'Or SARL"), "BOULANGERIELEPIDOR");
  EXPECT_EQ(CompanyNameKey("SAS Œuvres & Cie"), "OEUVRESCIE");
}

TEST(FindKnownPartyTest, TheFirmsAuxiliaryAccountIsUsedInTheEntry) {
  EntryDocument d = Purchase(12000, {Rate(2000, 10000, 2000)});
  d.aux = "FDUPONT";
  d.aux_label = "FOURNITURES DUPONT";
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(p.entry->lines[0].aux, "FDUPONT");
  EXPECT_EQ(p.entry->lines[0].aux_label, "FOURNITURES DUPONT");
}

TEST(ToLatin9Test, FrenchTextAndTheEuroSignFitUnknownCharactersDoNot) {
  EXPECT_EQ(ToLatin9("Épicerie œuf 5 €"), "\xC9picerie \xBD" "uf 5 \xA4");
  EXPECT_EQ(ToLatin9("日本"), "??");
  EXPECT_EQ(ToLatin9(std::string("a\xFF" "b")), "a?b");
  EXPECT_EQ(FecFileName("552100554", std::chrono::year_month_day(year(2026), month(12), day(31))),
            "552100554FEC20261231.txt");
}

}  // namespace
}  // namespace liasse
