#include "workflows/fields.h"

#include <gtest/gtest.h>

#include "workflows/date.h"

namespace liasse {
namespace {

TEST(SetFieldTest, AmountsAndDatesAreParsedExactly) {
  Fields f;
  ASSERT_TRUE(SetField(&f, "total_incl_tax", "45.20").ok());
  ASSERT_TRUE(SetField(&f, "issue_date", "2026-10-31").ok());
  EXPECT_EQ(f.total_incl_tax, Money{4520});
  EXPECT_EQ(FormatIsoDate(*f.issue_date), "2026-10-31");
}

TEST(SetFieldTest, AnEmptyValueClearsTheField) {
  Fields f;
  f.total_tax = Money{236};
  f.supplier_name = "Carrefour";
  ASSERT_TRUE(SetField(&f, "total_tax", "").ok());
  ASSERT_TRUE(SetField(&f, "supplier_name", "").ok());
  EXPECT_FALSE(f.total_tax.has_value());
  EXPECT_EQ(f.supplier_name, "");
}

TEST(SetFieldTest, BadValuesAndUnknownNamesAreRefusedAndChangeNothing) {
  Fields f;
  EXPECT_TRUE(absl::IsInvalidArgument(SetField(&f, "total_incl_tax", "45,2O")));
  EXPECT_TRUE(absl::IsInvalidArgument(SetField(&f, "issue_date", "31/10/2026")));
  EXPECT_TRUE(absl::IsInvalidArgument(SetField(&f, "tax_breakdown", "20")));
  EXPECT_TRUE(absl::IsInvalidArgument(SetField(&f, "direction", "both")));
  EXPECT_EQ(f, Fields());
}

TEST(SetFieldTest, DirectionIsPurchaseOrSale) {
  Fields f;
  ASSERT_TRUE(SetField(&f, "direction", "sale").ok());
  EXPECT_EQ(f.direction, Direction::kSale);
  EXPECT_EQ(DirectionName(f.direction), "sale");
}

}  // namespace
}  // namespace liasse
