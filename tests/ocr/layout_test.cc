// LayoutRows: the lines of Tesseract's blocks put back on the rows they were
// printed on.
#include "ocr/layout.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TEST(LayoutRowsTest, ALabelBlockAndAnAmountBlockShareTheirRows) {
  // Block 1 (labels) then block 2 (amounts), as Tesseract returns them.
  std::string text = LayoutRows({
      {100, 1000, 400, 1030, "Total HT\n"},
      {100, 1040, 400, 1070, "TVA 20 %\n"},
      {100, 1080, 400, 1110, "Total TTC\n"},
      {1200, 1002, 1400, 1032, "100,00\n"},
      {1200, 1042, 1400, 1072, "20,00\n"},
      {1200, 1079, 1400, 1109, "120,00\n"},
  });
  EXPECT_EQ(text, "Total HT    100,00\nTVA 20 %    20,00\nTotal TTC    120,00\n");
}

TEST(LayoutRowsTest, RowsFarApartAreSeparatedByABlankLine) {
  EXPECT_EQ(LayoutRows({{0, 0, 300, 30, "BOULANGERIE"}, {0, 40, 300, 70, "12 rue Haute"},
                        {0, 200, 300, 230, "TOTAL 4,20"}}),
            "BOULANGERIE\n12 rue Haute\n\nTOTAL 4,20\n");
}

TEST(LayoutRowsTest, PiecesThatOverlapSidewaysOrBarelyVerticallyStayOnTheirOwnRows) {
  // A tall heading beside a small line within its height: one row; the
  // next small line, below the heading, is a row of its own.
  EXPECT_EQ(LayoutRows({{0, 0, 500, 80, "FACTURE"}, {800, 10, 1000, 40, "N° 12"},
                        {800, 90, 1000, 120, "du 05/11/2026"}}),
            "FACTURE    N° 12\ndu 05/11/2026\n");
  // Two pieces at the same height that overlap sideways are two lines.
  EXPECT_EQ(LayoutRows({{0, 0, 500, 30, "Désignation"}, {400, 5, 900, 35, "Quantité"}}),
            "Désignation\nQuantité\n");
}

TEST(LayoutRowsTest, EmptyPiecesAndNoPiecesGiveNothing) {
  EXPECT_EQ(LayoutRows({}), "");
  EXPECT_EQ(LayoutRows({{0, 0, 10, 10, "  \n"}}), "");
}

}  // namespace
}  // namespace liasse
