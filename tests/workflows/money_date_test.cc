#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "workflows/date.h"
#include "workflows/document_status.h"
#include "workflows/money.h"

namespace liasse {
namespace {

TEST(MoneyTest, ParsesDecimalsToCents) {
  EXPECT_EQ(ParseDecimalMoney("12").value(), Money{1200});
  EXPECT_EQ(ParseDecimalMoney("12.5").value(), Money{1250});
  EXPECT_EQ(ParseDecimalMoney("-1234.56").value(), Money{-123456});
  EXPECT_EQ(ParseDecimalMoney("0.07").value(), Money{7});
  EXPECT_FALSE(ParseDecimalMoney("1.234").ok());
  EXPECT_FALSE(ParseDecimalMoney("1,50").ok());
  EXPECT_FALSE(ParseDecimalMoney("12.").ok());
  EXPECT_FALSE(ParseDecimalMoney("").ok());
  EXPECT_FALSE(ParseDecimalMoney("99999999999999999999").ok());
}

TEST(MoneyTest, FormatsWithTwoDecimals) {
  EXPECT_EQ(FormatDecimal(Money{52987}), "529.87");
  EXPECT_EQ(FormatDecimal(Money{-7}), "-0.07");
  EXPECT_EQ(FormatDecimal(Money{0}), "0.00");
}

TEST(DateTest, ParsesIsoDatesAndRejectsImpossibleOnes) {
  auto d = ParseIsoDate("2024-02-29");
  ASSERT_OK(d);
  EXPECT_EQ(FormatIsoDate(*d), "2024-02-29");
  EXPECT_FALSE(ParseIsoDate("2026-02-29").ok());
  EXPECT_FALSE(ParseIsoDate("2026-13-01").ok());
  EXPECT_FALSE(ParseIsoDate("28/11/2026").ok());
}

TEST(DateTest, ParsesPeriodsDaysAndClockTimes) {
  EXPECT_EQ(FormatYearMonth(ParseYearMonth("2026-11").value()), "2026-11");
  EXPECT_FALSE(ParseYearMonth("2026-00").ok());
  EXPECT_OK(ParseMonthDay("02-29"));
  EXPECT_FALSE(ParseMonthDay("02-30").ok());
  EXPECT_EQ(ParseClockTime("08:30").value(), 510);
  EXPECT_FALSE(ParseClockTime("24:00").ok());
}

TEST(DocumentStatusTest, NamesRoundTrip) {
  for (DocumentStatus s : kAllDocumentStatuses) {
    EXPECT_EQ(ParseDocumentStatus(DocumentStatusName(s)), s);
  }
  EXPECT_EQ(DocumentStatusName(DocumentStatus::kNeedsReview), "needs_review");
  EXPECT_FALSE(ParseDocumentStatus("pending").has_value());
  EXPECT_TRUE(IsFinal(DocumentStatus::kQuarantined));
  EXPECT_FALSE(IsFinal(DocumentStatus::kExtracted));
}

}  // namespace
}  // namespace liasse
