#include "workflows/doc_type.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

const PartyIdentity kBoulangerie{"732829320", "FR40732829320", {"Boulangerie Martin SARL"}};
const PartyIdentity kGarage{"552100554", "", {"Garage du Centre"}};

Fields Buyer(const std::string& siren, const std::string& vat, const std::string& name) {
  Fields f;
  f.buyer_siren = siren;
  f.buyer_vat = vat;
  f.buyer_name = name;
  return f;
}

TEST(ClientOfBuyerTest, BySirenEvenWrittenAsASiretWithSpaces) {
  EXPECT_EQ(ClientOfBuyer(Buyer("732 829 320 00074", "", ""),
                          {{"boulangerie", kBoulangerie}, {"garage", kGarage}}),
            "boulangerie");
}

TEST(ClientOfBuyerTest, ByVatNumberWhateverItsSpacingAndCase) {
  EXPECT_EQ(ClientOfBuyer(Buyer("", "fr 40 732829320", ""), {{"boulangerie", kBoulangerie}}),
            "boulangerie");
}

TEST(ClientOfBuyerTest, ByLegalNamePunctuationAndCaseAside) {
  EXPECT_EQ(ClientOfBuyer(Buyer("", "", "BOULANGERIE MARTIN S.A.R.L."),
                          {{"boulangerie", kBoulangerie}, {"garage", kGarage}}),
            "boulangerie");
}

TEST(ClientOfBuyerTest, NoneOrSeveralIsForAPerson) {
  EXPECT_EQ(ClientOfBuyer(Buyer("", "", "Inconnu SA"), {{"boulangerie", kBoulangerie}}), "");
  EXPECT_EQ(ClientOfBuyer(Buyer("732829320", "", ""),
                          {{"a", kBoulangerie}, {"b", kBoulangerie}}),
            "");
}

TEST(InvoiceDirectionTest, TheSameRuleDecidesPurchaseAndSale) {
  Fields f = Buyer("732829320", "", "");
  f.supplier_name = "Garage du Centre";
  EXPECT_EQ(InvoiceDirection(f, kBoulangerie), Direction::kPurchase);
  EXPECT_EQ(InvoiceDirection(f, kGarage), Direction::kSale);
}

}  // namespace
}  // namespace liasse
