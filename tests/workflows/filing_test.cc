#include "workflows/filing.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

constexpr std::chrono::month_day kDecember31{std::chrono::December, day{31}};

Date D(int y, unsigned m, unsigned d) { return Date{year{y}, month{m}, day{d}}; }

OpenItem Statement(int64_t id, const std::string& period, const std::string& iban = "") {
  return {id, "bank_statement", period, iban, false};
}

TEST(ChooseItemTest, TheItemWhosePeriodContainsTheDate) {
  FilingChoice c = ChooseItem(DocType::kBankStatement, D(2026, 10, 31), "",
                              {Statement(1, "2026-09"), Statement(2, "2026-10")}, kDecember31);
  EXPECT_EQ(c.items, std::vector<int64_t>{2});
}

TEST(ChooseItemTest, AStatementDatedEarlyNextMonthFilesTheMonthBefore) {
  // Dated 2 November: October's statement (November is not expected yet).
  FilingChoice c = ChooseItem(DocType::kBankStatement, D(2026, 11, 2), "", {Statement(1, "2026-10")},
                              kDecember31);
  EXPECT_EQ(c.items, std::vector<int64_t>{1});
}

TEST(ChooseItemTest, TheAccountTellsStatementsApart) {
  const std::string a = "FR7630006000011234567890189", b = "FR7610107001011234567890129";
  FilingChoice c = ChooseItem(DocType::kBankStatement, D(2026, 10, 31), "fr76 3000 6000 0112 3456 7890 189",
                              {Statement(1, "2026-10", a), Statement(2, "2026-10", b)}, kDecember31);
  EXPECT_EQ(c.items, std::vector<int64_t>{1});
}

TEST(ChooseItemTest, TwoAccountsWithoutAnIbanIsAmbiguous) {
  FilingChoice c = ChooseItem(DocType::kBankStatement, D(2026, 10, 31), "",
                              {Statement(1, "2026-10", "FR76A"), Statement(2, "2026-10", "FR76B")},
                              kDecember31);
  EXPECT_TRUE(c.ambiguous());
}

TEST(ChooseItemTest, OtherTypesAndDebitItemsAreNotFiledByPeriod) {
  std::vector<OpenItem> open = {{1, "payslip", "2026-10", "", false},
                                {2, "receipt", "2026-10", "", true}};
  EXPECT_TRUE(ChooseItem(DocType::kBankStatement, D(2026, 10, 15), "", open, kDecember31).items.empty());
  EXPECT_TRUE(ChooseItem(DocType::kReceipt, D(2026, 10, 15), "", open, kDecember31).items.empty());
}

TEST(JustifiesADebitTest, PaidReceiptsAndPurchaseInvoicesOnly) {
  Fields paid;
  paid.total_incl_tax = Money{4520};
  EXPECT_TRUE(JustifiesADebit(DocType::kReceipt, paid));
  EXPECT_TRUE(JustifiesADebit(DocType::kInvoice, paid));
  EXPECT_FALSE(JustifiesADebit(DocType::kPayslip, paid));
  Fields sale = paid;
  sale.direction = Direction::kSale;
  EXPECT_FALSE(JustifiesADebit(DocType::kInvoice, sale));
  EXPECT_FALSE(JustifiesADebit(DocType::kReceipt, Fields()));  // no total
}

}  // namespace
}  // namespace liasse
