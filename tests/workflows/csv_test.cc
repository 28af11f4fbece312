#include "workflows/csv.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TEST(CsvCellTest, PlainTextIsLeftAsItIs) { EXPECT_EQ(CsvCell("Boulangerie Martin"), "Boulangerie Martin"); }

TEST(CsvCellTest, SeparatorsQuotesAndLineBreaksAreQuoted) {
  EXPECT_EQ(CsvCell("a;b"), "\"a;b\"");
  EXPECT_EQ(CsvCell("dit \"oui\""), "\"dit \"\"oui\"\"\"");
  EXPECT_EQ(CsvCell("l1\nl2"), "\"l1\nl2\"");
}

TEST(CsvCellTest, FormulasAreDefused) {
  EXPECT_EQ(CsvCell("=HYPERLINK(\"http://x\",\"clic\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\"");
  EXPECT_EQ(CsvCell("+33 1 23"), "'+33 1 23");  // a phone number kept as text
  EXPECT_EQ(CsvCell("-1+2"), "'-1+2");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("\tx"), "'\tx");
}

TEST(CsvCellTest, SignedNumbersStayNumbers) {
  EXPECT_EQ(CsvCell("-12.50"), "-12.50");
  EXPECT_EQ(CsvCell("+3"), "+3");
}

}  // namespace
}  // namespace liasse
