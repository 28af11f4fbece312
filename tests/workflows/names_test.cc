#include "workflows/names.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TEST(SafeLocalNameTest, NeverADotfileNorAPath) {
  EXPECT_EQ(SafeLocalName(".bashrc"), "bashrc");
  EXPECT_EQ(SafeLocalName("../../.ssh/authorized_keys"), "authorized_keys");
  EXPECT_EQ(SafeLocalName("..."), "document");
  EXPECT_EQ(SafeLocalName("facture.pdf"), "facture.pdf");
}

TEST(NumberedNameTest, NumberGoesBeforeTheExtension) {
  EXPECT_EQ(NumberedName("facture.pdf", 1), "facture.pdf");
  EXPECT_EQ(NumberedName("facture.pdf", 2), "facture (2).pdf");
  EXPECT_EQ(NumberedName("README", 3), "README (3)");
}

}  // namespace
}  // namespace liasse
