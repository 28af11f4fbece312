#include "workflows/llm_policy.h"

#include <gtest/gtest.h>

#include "workflows/doc_type.h"

namespace liasse {
namespace {

TEST(RedactForLlmTest, MasksPersonalDataAndKeepsAmounts) {
  std::string out = RedactForLlm(
      "IBAN : FR76 3000 6000 0112 3456 7890 189 BIC AGRIFRPP\n"
      "DE89370400440532013000\nmail: jean-paul.martin+compta@cabinet-martin.fr\n"
      "Tel +33 (0)6 12 34 56 78 ou 01.23.45.67.89\nNIR 2 84 12 2A 004 123 45\n"
      "Total TTC 1 234,56 € le 12/10/2026, SIREN 732 829 320");
  EXPECT_EQ(out.find("FR76"), std::string::npos) << out;
  EXPECT_EQ(out.find("DE89"), std::string::npos) << out;
  EXPECT_EQ(out.find("jean-paul"), std::string::npos) << out;
  EXPECT_EQ(out.find("12 34 56 78"), std::string::npos) << out;
  EXPECT_EQ(out.find("01.23.45"), std::string::npos) << out;
  EXPECT_EQ(out.find("2A 004"), std::string::npos) << out;
  EXPECT_NE(out.find("1 234,56"), std::string::npos) << out;
  EXPECT_NE(out.find("12/10/2026"), std::string::npos) << out;
  EXPECT_NE(out.find("732 829 320"), std::string::npos) << out;  // a company is not a person
}

// Forms seen in real documents that an earlier version let through.
TEST(RedactForLlmTest, MasksIbansAndPhonesInTheirOtherCommonForms) {
  for (const char* text : {"IBAN: FR76-3000-6000-0112-3456-7890-189", "iban fr76 3000 6000 0112 3456 7890 189",
                           "FR76.3000.6000.0112.3456.7890.189", "Tél. 0033 1 23 45 67 89",
                           "tel (+33) 1.23.45.67.89", "Telefon +49 30 1234567",
                           "+33612345678"}) {
    std::string out = RedactForLlm(text);
    EXPECT_EQ(out.find("3000"), std::string::npos) << text << " → " << out;
    EXPECT_EQ(out.find("23 45"), std::string::npos) << text << " → " << out;
    EXPECT_EQ(out.find("45.67"), std::string::npos) << text << " → " << out;
    EXPECT_EQ(out.find("1234567"), std::string::npos) << text << " → " << out;
    EXPECT_EQ(out.find("612345678"), std::string::npos) << text << " → " << out;
  }
}

TEST(RedactForLlmTest, KeepsWhatTheRulesNeed) {
  const char* text =
      "Facture FA-2026-0042 du 05/11/2026\nTotal TTC 1 234,56 EUR\nTVA 20% 205,76\n"
      "SIRET 732 829 320 00074\nTVA intracom FR40732829320\nREF 2026 1105 0001";
  EXPECT_EQ(RedactForLlm(text), text);
}

TEST(CompactForLlmTest, SqueezesWhitespaceAndKeepsHeadAndTail) {
  EXPECT_EQ(CompactForLlm("  a   b \n\n\n  c\t\td  \n", 100), "a b\nc d");
  std::string longer;
  for (int i = 0; i < 200; ++i) longer += "ligne " + std::to_string(i) + "\n";
  longer += "TOTAL TTC 99,00\n";
  std::string cut = CompactForLlm(longer, 300);
  EXPECT_LE(cut.size(), 300u);
  EXPECT_EQ(cut.rfind("ligne 0\n", 0), 0u);
  EXPECT_NE(cut.find("TOTAL TTC 99,00"), std::string::npos);
  // Never cuts inside a UTF-8 sequence.
  std::string accents(500, 'x');
  for (int i = 0; i < 200; ++i) accents += "é";
  std::string cut2 = CompactForLlm(accents, 301);
  for (size_t i = 0; i + 1 < cut2.size(); ++i) {
    if (static_cast<unsigned char>(cut2[i]) == 0xC3) {
      EXPECT_EQ(static_cast<unsigned char>(cut2[i + 1]), 0xA9);
    }
  }
}

TEST(FiguresHoldTogetherTest, OnlyAPricedDocumentNeedsATotal) {
  Fields payslip;
  payslip.issue_date = std::chrono::year_month_day{std::chrono::year{2026},
                                                   std::chrono::October, std::chrono::day{31}};
  EXPECT_TRUE(FiguresHoldTogether(payslip, /*priced=*/false).ok);
  Check invoice = FiguresHoldTogether(payslip, /*priced=*/true);
  EXPECT_FALSE(invoice.ok);
  EXPECT_NE(invoice.message_en.find("no total"), std::string::npos);
  // The arithmetic binds whatever the type.
  Fields wrong = payslip;
  wrong.total_excl_tax = Money{4000};
  wrong.total_tax = Money{220};
  wrong.total_incl_tax = Money{4790};
  EXPECT_FALSE(FiguresHoldTogether(wrong, /*priced=*/false).ok);
}

TEST(GroundingCheckTest, ProposedValuesMustBePrinted) {
  const char* text = "Facture FA 2026/118\n12 octobre 2026\nTotal HT 1.000,00\nTVA 200,00\n"
                     "Total TTC 1.200,00 EUR\nAcompte 300 €";
  Fields f;
  f.invoice_number = "FA2026/118";  // spaces do not matter
  f.issue_date = std::chrono::year{2026} / 10 / 12;
  f.total_excl_tax = Money{100000};
  f.total_tax = Money{20000};
  f.total_incl_tax = Money{120000};
  EXPECT_TRUE(GroundingCheck(f, text).ok);
  f.total_incl_tax = Money{30000};  // "300 €", printed without decimals
  EXPECT_TRUE(GroundingCheck(f, text).ok);
  f.total_incl_tax = Money{130000};
  Check c = GroundingCheck(f, text);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message_en.find("total_incl_tax"), std::string::npos);
  f.total_incl_tax = Money{120000};
  f.issue_date = std::chrono::year{2026} / 10 / 13;
  EXPECT_FALSE(GroundingCheck(f, text).ok);
}

TEST(MergeProposalTest, ModelWinsRulesFillAndTotalsTravelTogether) {
  Fields rules;
  rules.supplier_name = "ORANGE";
  rules.iban = "FR7630006000011234567890189";
  rules.total_incl_tax = Money{1000};
  Fields model;
  model.supplier_name = "Orange SA";
  Fields merged = MergeProposal(rules, model);
  EXPECT_EQ(merged.supplier_name, "Orange SA");
  EXPECT_EQ(merged.iban, rules.iban);
  EXPECT_EQ(merged.total_incl_tax, Money{1000});
  model.total_tax = Money{200};
  merged = MergeProposal(rules, model);
  EXPECT_FALSE(merged.total_incl_tax.has_value());  // not the rules' TTC with the model's TVA
}

TEST(RulesDecideTest, OnlyWhenSureAndEveryErrorCheckPasses) {
  Check failed{"totals_consistent", false, "error", "", ""};
  Check warning{"mandatory_mentions", false, "warning", "", ""};
  EXPECT_TRUE(RulesDecide(true, {warning}));
  EXPECT_FALSE(RulesDecide(true, {failed}));
  EXPECT_FALSE(RulesDecide(false, {}));
  EXPECT_EQ(BindingRuleFailures({failed, warning}).size(), 1u);
}

TEST(CircuitBreakerTest, OpensDoublesAndCloses) {
  CircuitBreaker b;
  absl::Time t = absl::FromUnixSeconds(1000);
  b.RecordFailure(t);
  b.RecordFailure(t);
  EXPECT_TRUE(b.Allows(t));
  b.RecordFailure(t);
  EXPECT_FALSE(b.Allows(t + absl::Seconds(29)));
  EXPECT_TRUE(b.Allows(t + absl::Seconds(30)));
  // The trial fails: open again, twice as long.
  t += absl::Seconds(30);
  b.RecordFailure(t);
  EXPECT_FALSE(b.Allows(t + absl::Seconds(59)));
  EXPECT_TRUE(b.Allows(t + absl::Seconds(60)));
  b.RecordSuccess();
  t += absl::Seconds(60);
  b.RecordFailure(t);
  EXPECT_TRUE(b.Allows(t));  // closed again: one failure is not enough
  b.OpenUntil(t + absl::Hours(1));
  EXPECT_FALSE(b.Allows(t + absl::Minutes(59)));
}

TEST(InvoiceDirectionTest, ClientAsBuyerOrSeller) {
  PartyIdentity client{"732829320", "FR44732829320", {"Boulangerie Martin SARL"}};
  Fields purchase;
  purchase.supplier_name = "EDF";
  purchase.buyer_siren = "732829320";
  EXPECT_EQ(InvoiceDirection(purchase, client), Direction::kPurchase);
  Fields sale;
  sale.supplier_name = "BOULANGERIE MARTIN SARL";
  sale.buyer_name = "Mairie de Lyon";
  EXPECT_EQ(InvoiceDirection(sale, client), Direction::kSale);
  Fields sale_by_vat;
  sale_by_vat.supplier_vat = "FR 44 732829320";
  EXPECT_EQ(InvoiceDirection(sale_by_vat, client), Direction::kSale);
  Fields neither;
  neither.supplier_name = "Carrefour";
  EXPECT_EQ(InvoiceDirection(neither, client), Direction::kUnknown);
}

}  // namespace
}  // namespace liasse
