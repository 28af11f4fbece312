// Understand() without a model: e-invoice fields as they are, the rules,
// staff's learned supplier types, the client as buyer or seller.
#include "daemon/process/understand.h"
#include "ocr/reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include <filesystem>

namespace liasse {
namespace {

constexpr int64_t kNow = 1'796'000'000;  // 2026-11-29

ExtractedDocument TextDocument(const std::string& text) {
  ExtractedDocument d;
  d.analysis.mime = "application/pdf";
  d.text.source = "text_layer";
  d.text.pages = 1;
  d.text.text = text;
  return d;
}

constexpr char kInvoice[] =
    "FACTURE N° FA-2026-118\nBoulangerie Martin SARL\nSIREN 732 829 320\n"
    "Client : Garage Dupont SAS, SIREN 552 100 554\n"
    "Date : 28/11/2026\nTotal HT 100,00 €\nTVA 20 % 20,00 €\nTotal TTC 120,00 €\n";

TEST(UnderstandTest, AnEInvoicesFieldsAreTakenAsTheyAreAndSure) {
  ExtractedDocument d = TextDocument("ignored when there is an e-invoice");
  EInvoice inv;
  inv.syntax = "CII";
  inv.fields.invoice_number = "F-1";
  inv.fields.type_code = "380";
  inv.fields.issue_date = std::chrono::year_month_day{std::chrono::year{2026},
                                                      std::chrono::November, std::chrono::day{2}};
  inv.fields.total_excl_tax = Money{1000};
  inv.fields.total_tax = Money{200};
  inv.fields.total_incl_tax = Money{1200};
  d.analysis.einvoice = inv;
  d.text.source = "einvoice";
  Understanding u = Understand(d, UnderstandOptions(), kNow);
  EXPECT_EQ(u.decided_by, "einvoice");
  EXPECT_TRUE(u.sure);
  EXPECT_EQ(u.fields.invoice_number, "F-1");
  EXPECT_FALSE(u.llm_needed);
}

// A Factur-X whose printed page says 150.00 where its XML says 120.00:
// the XML's figures stand, and a person compares (an error check).
TEST(UnderstandTest, AHybridWhosePrintedTotalDiffersFromItsXmlGoesToAPerson) {
  std::string edited = kInvoice;
  edited.replace(edited.find("Total TTC 120,00"), 16, "Total TTC 125,00");
  edited.replace(edited.find("TVA 20 % 20,00"), 14, "TVA 20 % 25,00");
  for (const auto& [text, ok] : {std::pair{std::string(kInvoice), true}, std::pair{edited, false}}) {
    ExtractedDocument d = TextDocument(text);
    EInvoice inv;
    inv.syntax = "CrossIndustryInvoice";
    inv.fields.invoice_number = "FA-2026-118";
    inv.fields.type_code = "380";
    inv.fields.issue_date = std::chrono::year_month_day{std::chrono::year{2026},
                                                        std::chrono::November, std::chrono::day{28}};
    inv.fields.total_excl_tax = Money{10000};
    inv.fields.total_tax = Money{2000};
    inv.fields.total_incl_tax = Money{12000};
    d.analysis.einvoice = inv;
    d.text.source = "einvoice";
    Understanding u = Understand(d, UnderstandOptions(), kNow);
    EXPECT_EQ(u.fields.total_incl_tax, Money{12000});  // the XML's, always
    const Check* hybrid = nullptr;
    for (const Check& c : u.checks) {
      if (c.code == "einvoice_printed_total") hybrid = &c;
    }
    ASSERT_NE(hybrid, nullptr) << text;
    EXPECT_EQ(hybrid->ok, ok) << hybrid->message_en;
    EXPECT_EQ(HasBlockingFailure(u.checks), !ok);
    if (!ok) {
      EXPECT_EQ(hybrid->message_en,
                "The printed total (125.00) differs from the XML's (120.00): the XML is the "
                "legal original, to be checked.");
    }
  }
}

// Real Factur-X files of the samples whose printed total the rules read
// as the XML's; the same files with their XML's total edited, and with
// their profile edited to MINIMUM, are flagged.
TEST(UnderstandTest, EditedSampleFacturXAreFlaggedForTotalAndProfile) {
  const std::filesystem::path dir =
      std::filesystem::path(LIASSE_SOURCE_DIR) /
      "../shared/samples/zugferd_corpus/files/ZUGFeRDv2/correct/symtrax/Beispiele/EN16931";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no ../shared/samples here";
  int confirmed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".pdf") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    absl::StatusOr<DocumentAnalysis> analysis = AnalyzeDocument(bytes, OcrOptions());
    if (!analysis.ok() || !analysis->einvoice) continue;
    absl::StatusOr<DocumentText> text = AssembleDocument(*analysis, {});
    if (!text.ok()) continue;
    ExtractedDocument d{*analysis, *text};
    auto check = [](const Understanding& u, const std::string& code) -> const Check* {
      for (const Check& c : u.checks) {
        if (c.code == code) return &c;
      }
      return nullptr;
    };
    Understanding as_is = Understand(d, UnderstandOptions(), kNow);
    const Check* hybrid = check(as_is, "einvoice_printed_total");
    if (!hybrid || !hybrid->ok) continue;  // printed total not read with confidence
    ++confirmed;
    EXPECT_TRUE(check(as_is, "einvoice_profile")->ok) << entry.path();
    ExtractedDocument edited = d;
    Fields& xml = edited.analysis.einvoice->fields;
    xml.total_incl_tax = Money{xml.total_incl_tax->cents + 10000};
    if (xml.amount_due) xml.amount_due = Money{xml.amount_due->cents + 10000};
    Understanding u = Understand(edited, UnderstandOptions(), kNow);
    ASSERT_NE(check(u, "einvoice_printed_total"), nullptr);
    EXPECT_FALSE(check(u, "einvoice_printed_total")->ok) << entry.path();
    EXPECT_TRUE(HasBlockingFailure(u.checks)) << entry.path();
    ExtractedDocument minimum = d;
    minimum.analysis.einvoice->profile = "urn:factur-x.eu:1p0:minimum";
    Understanding m = Understand(minimum, UnderstandOptions(), kNow);
    ASSERT_NE(check(m, "einvoice_profile"), nullptr);
    EXPECT_FALSE(check(m, "einvoice_profile")->ok) << entry.path();
  }
  EXPECT_GE(confirmed, 3);
}

// A MINIMUM Factur-X carries totals but no VAT breakdown: the one rate that
// makes them, printed on the page, fills it; 19 % (no French rate) does not.
TEST(UnderstandTest, AMinimumFacturXTakesItsVatBreakdownFromThePrintedPage) {
  for (const auto& [tax, filled] : {std::pair{int64_t{2000}, true}, std::pair{int64_t{1900}, false}}) {
    ExtractedDocument d = TextDocument(kInvoice);
    EInvoice inv;
    inv.syntax = "CrossIndustryInvoice";
    inv.profile = "urn:factur-x.eu:1p0:minimum";
    inv.fields.invoice_number = "FA-2026-118";
    inv.fields.type_code = "380";
    inv.fields.issue_date = std::chrono::year_month_day{std::chrono::year{2026},
                                                        std::chrono::November, std::chrono::day{28}};
    inv.fields.total_excl_tax = Money{10000};
    inv.fields.total_tax = Money{tax};
    inv.fields.total_incl_tax = Money{10000 + tax};
    d.analysis.einvoice = inv;
    d.text.source = "einvoice";
    Understanding u = Understand(d, UnderstandOptions(), kNow);
    if (!filled) {
      EXPECT_TRUE(u.fields.tax_breakdown.empty());
      continue;
    }
    ASSERT_EQ(u.fields.tax_breakdown.size(), 1u);
    EXPECT_EQ(u.fields.tax_breakdown[0].rate, 2000);
    EXPECT_EQ(u.fields.tax_breakdown[0].base, Money{10000});
    EXPECT_EQ(u.fields.tax_breakdown[0].amount, Money{2000});
  }
}

TEST(UnderstandTest, AnInvoiceTheRulesAreSureOfNeedsNoModel) {
  Understanding u = Understand(TextDocument(kInvoice), UnderstandOptions(), kNow);
  EXPECT_EQ(u.doc_type, DocType::kInvoice);
  EXPECT_EQ(u.decided_by, "rules");
  EXPECT_EQ(u.total_evidence, "net+tax");  // says why
  EXPECT_FALSE(u.llm_needed);
  EXPECT_EQ(u.fields.total_incl_tax, Money{12000});
}

TEST(UnderstandTest, ATotalOcrReadBelowTheWordBarLeavesTheRulesUnsure) {
  ExtractedDocument d = TextDocument(kInvoice);
  d.text.source = "ocr";
  PageText page;
  page.source = "ocr";
  page.unsure_words = {{"120,00", 0.62}};
  d.text.page_texts.push_back(page);
  // Above the bar: a fair reading.
  EXPECT_FALSE(Understand(d, UnderstandOptions(), kNow).llm_needed);
  d.text.page_texts[0].unsure_words = {{"120,00", 0.31}};
  Understanding u = Understand(d, UnderstandOptions(), kNow);
  EXPECT_TRUE(u.llm_needed);
  EXPECT_EQ(u.fields.total_incl_tax, Money{12000});  // pre-filled for review
  UnderstandOptions stricter;
  stricter.min_word_confidence = 0.7;
  d.text.page_texts[0].unsure_words = {{"120,00", 0.62}};
  EXPECT_TRUE(Understand(d, stricter, kNow).llm_needed);
}

TEST(UnderstandTest, StaffsWordOnASupplierDecidesWhereTheRulesAreUnsure) {
  UnderstandOptions o;
  o.learned_type = [](const Fields& f) {
    return SupplierKey(f) == "siren:732829320" ? DocType::kReceipt : DocType::kUnknown;
  };
  // No word says what this is: the supplier's learned type decides.
  Understanding unsure = Understand(
      TextDocument("Boulangerie Martin SARL\nSIREN 732 829 320\n28/11/2026\n12,50\n"), o, kNow);
  EXPECT_EQ(unsure.doc_type, DocType::kReceipt);
  EXPECT_EQ(unsure.decided_by, "learned");
  // An invoice the rules are sure of stays an invoice.
  EXPECT_EQ(Understand(TextDocument(kInvoice), o, kNow).doc_type, DocType::kInvoice);
}

TEST(UnderstandTest, TheClientAsSellerMakesItASale) {
  UnderstandOptions o;
  o.client.siren = "732829320";
  EXPECT_EQ(Understand(TextDocument(kInvoice), o, kNow).fields.direction, Direction::kSale);
}

TEST(UnderstandTest, AnOpenDebitOfTheClientConfirmsAnUnsureReceipt) {
  // A ticket whose total nothing on it confirms (no payment line, no VAT).
  ExtractedDocument d = TextDocument(
      "CARREFOUR MARKET\nPAIN DE MIE 2,39\nTOTAL 45,20\n05/11/2026 10:32\n");
  d.text.source = "ocr";
  d.text.ocr_confidence = 0.9;
  Understanding alone = Understand(d, UnderstandOptions(), kNow);
  EXPECT_FALSE(alone.sure);
  EXPECT_TRUE(alone.llm_needed);
  UnderstandOptions o;
  o.open_debits = {{7, std::chrono::year{2026} / std::chrono::November / 6, Money{4520},
                    "CB CARREFOUR MARKET 05/11"}};
  Understanding confirmed = Understand(d, o, kNow);
  EXPECT_TRUE(confirmed.sure);
  EXPECT_FALSE(confirmed.llm_needed);
  EXPECT_EQ(confirmed.doc_type, DocType::kReceipt);
  EXPECT_EQ(confirmed.decided_by, "rules+bank");
  EXPECT_EQ(confirmed.total_evidence, "bank debit");
  // Another amount is no evidence.
  o.open_debits[0].amount = Money{4530};
  EXPECT_FALSE(Understand(d, o, kNow).sure);
}

}  // namespace
}  // namespace liasse
