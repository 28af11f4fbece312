#include "ocr/fec_file.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace liasse {
namespace {

const char kHeader[] =
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
    "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
    "ValidDate\tMontantdevise\tIdevise\r\n";

TEST(ParseFecFileTest, TabSeparatedWithDebitAndCreditInLatin9) {
  std::string fec = std::string(kHeader) +
                    "AC\tAchats\t12\t20251005\t4010000\tFournisseurs\tFEPI\t\xC9picerie Martin\t"
                    "F-1\t20251005\tF-1\t0,00\t1 234,50\t\t\t20251031\t\t\r\n"
                    "AC\tAchats\t12\t20251005\t6061000\tAchats\t\t\tF-1\t20251005\tF-1\t"
                    "1234,50\t0\t\t\t20251031\t\t\r\n";
  absl::StatusOr<std::vector<FecLine>> lines = ParseFecFile(fec);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 2u);
  const FecLine& supplier = (*lines)[0];
  EXPECT_EQ(supplier.journal, "AC");
  EXPECT_EQ(supplier.entry_number, "12");
  EXPECT_EQ(supplier.account, "4010000");
  EXPECT_EQ(supplier.aux, "FEPI");
  EXPECT_EQ(supplier.aux_label, "Épicerie Martin");
  EXPECT_EQ(supplier.credit, Money{123450});
  EXPECT_EQ((*lines)[1].debit, Money{123450});
  EXPECT_EQ((*lines)[1].aux, "");
}

TEST(ParseFecFileTest, PipeSeparatedWithMontantAndSensInAnyColumnOrder) {
  std::string fec =
      "EcritureNum|JournalCode|CompteNum|CompAuxNum|CompAuxLib|Montant|Sens\n"
      "7|VT|411|CDURAND|Garage Durand|240.00|D\n"
      "7|VT|706|||200.00|C\n"
      "7|VT|44571|||40,00|-1\n";
  absl::StatusOr<std::vector<FecLine>> lines = ParseFecFile(fec);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].debit, Money{24000});
  EXPECT_EQ((*lines)[0].aux_label, "Garage Durand");
  EXPECT_EQ((*lines)[2].credit, Money{4000});
}

TEST(ParseFecFileTest, WhatIsNotAFecIsATypedError) {
  for (const std::string& bad :
       {std::string(""), std::string("date;label;amount\n2025-01-01;x;1\n"),
        std::string("JournalCode\tEcritureNum\tCompteNum\tCompAuxNum\tCompAuxLib\n")}) {
    absl::StatusOr<std::vector<FecLine>> lines = ParseFecFile(bad);
    ASSERT_FALSE(lines.ok()) << bad;
    EXPECT_EQ(lines.status().code(), absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<std::vector<FecLine>> amount =
      ParseFecFile(std::string(kHeader) + "AC\tA\t1\t20250101\t401\tF\tX\tX\tP\t20250101\tL\tdix\t0\n");
  ASSERT_FALSE(amount.ok());
  EXPECT_TRUE(absl::StrContains(amount.status().message(), "line 2")) << amount.status();
}

}  // namespace
}  // namespace liasse
