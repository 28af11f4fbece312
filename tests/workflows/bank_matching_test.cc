// Which debits need a receipt, and which document justifies which debit.
#include "workflows/bank_matching.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "workflows/date.h"

namespace liasse {
namespace {

using namespace std::chrono;

TEST(MatchingTest, IgnoredLabelsAndMinimumAmount) {
  MatchOptions o;
  o.ignore_labels = {"URSSAF", "DGFIP", "FRAIS BANCAIRES"};
  BankTxn t;
  t.amount = Money{-31200};
  t.label = "PRLV SEPA URSSAF IDF";
  EXPECT_FALSE(NeedsReceipt(t, o));
  t.label = "CB CARREFOUR";
  EXPECT_TRUE(NeedsReceipt(t, o));
  t.amount = Money{-500};  // under min_amount (10 €)
  EXPECT_FALSE(NeedsReceipt(t, o));
  t.amount = Money{5000};  // a credit
  EXPECT_FALSE(NeedsReceipt(t, o));
}

TEST(MatchingTest, OneToOneByAmountDateAndName) {
  MatchOptions o;
  std::vector<MatchDebit> debits = {{1, 2026y / October / 12, Money{4520}, "CB CARREFOUR 11/10"},
                                    {2, 2026y / October / 13, Money{4520}, "CB SHELL STATION"},
                                    {3, 2026y / October / 20, Money{9999}, "CB AMAZON"}};
  std::vector<MatchDocument> docs = {{10, 2026y / October / 11, Money{4520}, "", "Carrefour Market"},
                                     {11, 2026y / October / 13, Money{4520}, "", "Shell"},
                                     {12, 2026y / December / 20, Money{9999}, "", "Amazon"}};
  std::vector<Match> m = MatchDebits(debits, docs, o);
  ASSERT_EQ(m.size(), 2u);  // Amazon's date is outside the window
  std::map<int64_t, int64_t> by_debit;
  for (const Match& x : m) by_debit[x.debit_id] = x.document_id;
  EXPECT_EQ(by_debit[1], 10);
  EXPECT_EQ(by_debit[2], 11);
}

TEST(MatchingTest, AmbiguousTiesAreLeftForAPersonAndFxHasTolerance) {
  MatchOptions o;
  // Two identical receipts for one debit, nothing tells them apart.
  std::vector<MatchDebit> debits = {{1, 2026y / October / 12, Money{2000}, "CB PARKING"}};
  std::vector<MatchDocument> twins = {{10, 2026y / October / 12, Money{2000}, "", "Indigo"},
                                      {11, 2026y / October / 12, Money{2000}, "", "Indigo"}};
  EXPECT_TRUE(MatchDebits(debits, twins, o).empty());
  // A receipt in dollars, charged 2 % more in euros: matched; in euros: not.
  std::vector<MatchDebit> card = {{1, 2026y / October / 12, Money{10200}, "CB HOTEL NYC"}};
  std::vector<MatchDocument> usd = {{20, 2026y / October / 10, Money{10000}, "USD", "Hotel NYC"}};
  EXPECT_EQ(MatchDebits(card, usd, o).size(), 1u);
  usd[0].currency = "EUR";
  EXPECT_TRUE(MatchDebits(card, usd, o).empty());
}

TEST(ConfirmingDebitTest, TheExactTotalInTheWindowWithTheNameOrTheDayInTheLabel) {
  MatchOptions o;
  MatchDocument ticket{0, 2026y / November / 5, Money{4520}, "", "CARREFOUR MARKET"};
  std::vector<MatchDebit> named = {{1, 2026y / November / 7, Money{4520}, "CB CARREFOUR MKT"},
                                   {2, 2026y / November / 7, Money{1999}, "CB CARREFOUR MKT"}};
  EXPECT_EQ(ConfirmingDebit(ticket, named, o), std::optional<int64_t>(1));
  // A truncated legal entity, but the purchase's day in the label.
  std::vector<MatchDebit> dated = {{3, 2026y / November / 8, Money{4520}, "CB CSF 05/11"}};
  EXPECT_EQ(ConfirmingDebit(ticket, dated, o), std::optional<int64_t>(3));
  // The amount alone proves nothing; nor does a day inside a longer number.
  std::vector<MatchDebit> anonymous = {{4, 2026y / November / 8, Money{4520}, "CB 4970 1105 XX"},
                                       {5, 2026y / November / 8, Money{4520}, "PAIEMENT 30511"}};
  EXPECT_EQ(ConfirmingDebit(ticket, anonymous, o), std::nullopt);
}

TEST(ConfirmingDebitTest, TwoFittingDebitsOrAForeignTotalOrAnOldDebitConfirmNothing) {
  MatchOptions o;
  MatchDocument ticket{0, 2026y / November / 5, Money{4520}, "", "CARREFOUR MARKET"};
  std::vector<MatchDebit> twins = {{1, 2026y / November / 6, Money{4520}, "CB CARREFOUR"},
                                   {2, 2026y / November / 9, Money{4520}, "CB CARREFOUR"}};
  EXPECT_EQ(ConfirmingDebit(ticket, twins, o), std::nullopt);
  std::vector<MatchDebit> one = {twins[0]};
  MatchDocument dollars = ticket;
  dollars.currency = "USD";
  EXPECT_EQ(ConfirmingDebit(dollars, one, o), std::nullopt);
  std::vector<MatchDebit> months_before = {{3, 2026y / August / 6, Money{4520}, "CB CARREFOUR"}};
  EXPECT_EQ(ConfirmingDebit(ticket, months_before, o), std::nullopt);
}

}  // namespace
}  // namespace liasse
