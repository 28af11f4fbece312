#include "workflows/bank_entries.h"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/tax_lines.h"

namespace liasse {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using LineMap = std::map<std::string, std::pair<int64_t, int64_t>>;

// account → (debit, credit) in cents; the auxiliary account after a slash.
LineMap Lines(const Entry& e) {
  LineMap out;
  for (const EntryLine& l : e.lines) {
    auto& [d, c] = out[l.aux.empty() ? l.account : l.account + "/" + l.aux];
    d += l.debit.cents;
    c += l.credit.cents;
  }
  return out;
}

std::chrono::year_month_day October(unsigned d) { return {year(2026), month(10), day(d)}; }

using testing::Rate;

// The entry of a supplier's invoice of `total` cents (401 credited).
Entry SupplierInvoice(int64_t document_id, int64_t total) {
  EntryDocument d;
  d.id = document_id;
  d.type = DocType::kInvoice;
  d.fields.supplier_name = "Fournitures Dupont SARL";
  d.fields.supplier_siren = "552100554";
  d.fields.invoice_number = "F-118";
  d.fields.issue_date = October(5);
  d.fields.currency = "EUR";
  d.fields.total_incl_tax = Money{total};
  d.fields.direction = Direction::kPurchase;
  d.fields.tax_breakdown = {Rate(2000, total * 100 / 120, total - total * 100 / 120)};
  EntryProposal p = ProposeEntry(d, AccountPlan{});
  EXPECT_TRUE(p.entry);
  return p.entry ? *p.entry : Entry{};
}

BankMovement Debit(int64_t id, int64_t cents, std::string label) {
  return {id, "FR76 3000 6000 0112 3456 7890 189", October(12), Money{-cents}, std::move(label)};
}

TEST(ProposeBankEntryTest, ThePaymentOfAnInvoiceDebitsItsSupplierAndCreditsTheBank) {
  Entry invoice = SupplierInvoice(7, 12000);
  SettledDocument settled{7, DocType::kInvoice, &invoice};
  EntryProposal p = ProposeBankEntry(Debit(3, 12000, "PRLV DUPONT"), &settled, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_TRUE(p.review.empty()) << p.review[0];
  EXPECT_EQ(p.entry->journal, "BQ");
  EXPECT_EQ(p.entry->bank_txn_id, 3);
  EXPECT_EQ(p.entry->document_id, 7);
  EXPECT_EQ(p.entry->piece_ref, "F-118");
  EXPECT_EQ(p.entry->label, "PRLV DUPONT");
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {12000, 0}}, {"512", {0, 12000}}}));
}

TEST(ProposeBankEntryTest, AMovementOfAConfiguredIbanGoesOnItsBankAccount) {
  AccountPlan plan;
  plan.bank_accounts = {{"FR7630006000011234567890189", "5121"}};
  plan.bank_labels = {{"frais", "627"}};
  EntryProposal p = ProposeBankEntry(Debit(3, 850, "FRAIS TENUE DE COMPTE"), nullptr, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"627", {850, 0}}, {"5121", {0, 850}}}));
}

TEST(ProposeBankEntryTest, TheLongestLabelRuleFoundInTheLabelWins) {
  AccountPlan plan;
  plan.bank_labels = {{"URSSAF", "431"}, {"PRLV URSSAF RETRAITE", "437"}, {"RETR", "999"}};
  EntryProposal p =
      ProposeBankEntry(Debit(3, 31200, "Prlv URSSAF retraite 10/2026"), nullptr, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_TRUE(p.review.empty());
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"437", {31200, 0}}, {"512", {0, 31200}}}));
}

TEST(ProposeBankEntryTest, ALabelRuleMatchesWholeWordsOnly) {
  AccountPlan plan;
  plan.bank_labels = {{"AGIOS", "6615"}};
  EntryProposal p = ProposeBankEntry(Debit(3, 1200, "CB MAGIOSHOP"), nullptr, plan);
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"471", {1200, 0}}, {"512", {0, 1200}}}));
}

TEST(ProposeBankEntryTest, AMovementNothingJustifiesIsProposedOnSuspenseForAPerson) {
  EntryProposal p = ProposeBankEntry(Debit(3, 6000, "CB SHELL A6"), nullptr, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"471", {6000, 0}}, {"512", {0, 6000}}}));
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "no document")) << p.review[0];
}

TEST(ProposeBankEntryTest, ACustomersPaymentDebitsTheBankAndCreditsTheCustomer) {
  EntryDocument sale;
  sale.id = 9;
  sale.type = DocType::kInvoice;
  sale.fields.buyer_name = "Garage Durand";
  sale.fields.buyer_siren = "542065479";
  sale.fields.invoice_number = "V-1";
  sale.fields.issue_date = October(2);
  sale.fields.total_incl_tax = Money{24000};
  sale.fields.direction = Direction::kSale;
  sale.fields.tax_breakdown = {Rate(2000, 20000, 4000)};
  EntryProposal booked = ProposeEntry(sale, AccountPlan{});
  ASSERT_TRUE(booked.entry);
  SettledDocument settled{9, DocType::kInvoice, &*booked.entry};
  BankMovement credit{4, "", October(20), Money{24000}, "VIR GARAGE DURAND"};
  EntryProposal p = ProposeBankEntry(credit, &settled, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"411/C542065479", {0, 24000}}, {"512", {24000, 0}}}));
}

TEST(ProposeBankEntryTest, APayslipsNetPayIsPaidFromSalariesDue) {
  SettledDocument payslip{5, DocType::kPayslip, nullptr};
  EntryProposal p = ProposeBankEntry(Debit(3, 182345, "VIR SALAIRE OCTOBRE"), &payslip,
                                     AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_TRUE(p.review.empty());
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"421", {182345, 0}}, {"512", {0, 182345}}}));
}

TEST(ProposeBankEntryTest, ADocumentWithoutEntryLeavesThePaymentOnSuspense) {
  SettledDocument other{5, DocType::kOther, nullptr};
  EntryProposal p = ProposeBankEntry(Debit(3, 5000, "CB FNAC"), &other, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"471", {5000, 0}}, {"512", {0, 5000}}}));
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "document 5")) << p.review[0];
}

TEST(ProposeBankEntryTest, APartPaymentAsksToClearTheDifference) {
  Entry invoice = SupplierInvoice(7, 12000);
  SettledDocument settled{7, DocType::kInvoice, &invoice};
  EntryProposal p = ProposeBankEntry(Debit(3, 10000, "PRLV DUPONT"), &settled, AccountPlan{});
  ASSERT_TRUE(p.entry);
  EXPECT_EQ(Lines(*p.entry), (LineMap{{"401/F552100554", {10000, 0}}, {"512", {0, 10000}}}));
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "paid 100.00 for a document of 120.00"))
      << p.review[0];
}

TEST(ProposeBankEntryTest, AZeroMovementMakesNoEntry) {
  EntryProposal p = ProposeBankEntry(Debit(3, 0, "INFO"), nullptr, AccountPlan{});
  EXPECT_FALSE(p.entry);
  EXPECT_EQ(p.review.size(), 1u);
}

TEST(LetterPaymentsTest, AnInvoiceAndItsPaymentShareOneCodeDatedThePayment) {
  std::vector<Entry> entries = {SupplierInvoice(30, 12000)};
  SettledDocument settled{30, DocType::kInvoice, &entries[0]};
  Entry payment = *ProposeBankEntry(Debit(3, 12000, "PRLV DUPONT"), &settled, AccountPlan{}).entry;
  entries.push_back(payment);
  LetterPayments(&entries);
  for (const Entry& e : entries) {
    int lettered = 0;
    for (const EntryLine& l : e.lines) {
      if (l.lettering.empty()) continue;
      ++lettered;
      EXPECT_EQ(l.account, "401");
      EXPECT_EQ(l.lettering, "AD");
      EXPECT_EQ(l.lettering_date, October(12));
    }
    EXPECT_EQ(lettered, 1);
  }
  std::string fec = FormatFec(entries);
  EXPECT_TRUE(absl::StrContains(fec, "\t0,00\t120,00\tAD\t20261012\t")) << fec;
  EXPECT_TRUE(absl::StrContains(fec, "\t120,00\t0,00\tAD\t20261012\t")) << fec;
}

TEST(LetterPaymentsTest, APartPaymentOrAPaymentOfAnotherPeriodIsNotLettered) {
  std::vector<Entry> entries = {SupplierInvoice(30, 12000)};
  SettledDocument settled{30, DocType::kInvoice, &entries[0]};
  entries.push_back(
      *ProposeBankEntry(Debit(3, 10000, "PRLV DUPONT"), &settled, AccountPlan{}).entry);
  Entry elsewhere = SupplierInvoice(31, 5000);
  SettledDocument other{31, DocType::kInvoice, &elsewhere};
  entries.push_back(*ProposeBankEntry(Debit(4, 5000, "PRLV DUPONT"), &other, AccountPlan{}).entry);
  LetterPayments(&entries);
  for (const Entry& e : entries) {
    for (const EntryLine& l : e.lines) EXPECT_EQ(l.lettering, "") << l.account;
  }
}

// A sale of `cents` to `customer` on `day` October, as document `id`.
Entry Sale(int64_t id, const std::string& customer, const std::string& siren, int64_t cents,
           unsigned day_of_month) {
  EntryDocument sale;
  sale.id = id;
  sale.type = DocType::kInvoice;
  sale.fields.buyer_name = customer;
  sale.fields.buyer_siren = siren;
  sale.fields.invoice_number = absl::StrCat("V-", id);
  sale.fields.issue_date = October(day_of_month);
  sale.fields.total_incl_tax = Money{cents};
  sale.fields.direction = Direction::kSale;
  sale.fields.tax_breakdown = {Rate(2000, cents * 100 / 120, cents - cents * 100 / 120)};
  EntryProposal p = ProposeEntry(sale, AccountPlan{});
  EXPECT_TRUE(p.entry);
  return p.entry ? *p.entry : Entry{};
}

TEST(MatchCreditsTest, ATransferNamingTheCustomerSettlesItsInvoiceOfThatAmount) {
  std::vector<Entry> entries = {Sale(9, "Garage Durand", "542065479", 24000, 2),
                                Sale(10, "Boucherie Leroy", "443061841", 24000, 3),
                                SupplierInvoice(11, 24000)};
  std::vector<BankMovement> credits = {{4, "", October(20), Money{24000}, "VIR GARAGE DURAND"}};
  std::vector<Match> matched = MatchCredits(credits, entries);
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0].debit_id, 4);
  EXPECT_EQ(matched[0].document_id, 9);
}

TEST(MatchCreditsTest, ACreditWhoseLabelNamesNoPartyOrIsTooLateSettlesNothing) {
  std::vector<Entry> entries = {Sale(9, "Garage Durand", "542065479", 24000, 2)};
  std::vector<BankMovement> anonymous = {{4, "", October(20), Money{24000}, "REMISE CHEQUES"}};
  EXPECT_TRUE(MatchCredits(anonymous, entries).empty());
  BankMovement late{5, "", {year(2027), month(3), day(1)}, Money{24000}, "VIR GARAGE DURAND"};
  EXPECT_TRUE(MatchCredits({late}, entries).empty());
}

TEST(LetterCodeTest, CountsInLettersWithoutZero) {
  EXPECT_EQ(LetterCode(1), "A");
  EXPECT_EQ(LetterCode(26), "Z");
  EXPECT_EQ(LetterCode(27), "AA");
  EXPECT_EQ(LetterCode(702), "ZZ");
  EXPECT_EQ(LetterCode(703), "AAA");
}

}  // namespace
}  // namespace liasse
