#include "workflows/text_fields.h"

#include <gtest/gtest.h>

#include "workflows/date.h"

namespace liasse {
namespace {

std::string Iso(const std::optional<std::chrono::year_month_day>& d) {
  return d ? FormatIsoDate(*d) : "none";
}

TEST(TextFieldsTest, ParsesAmountsInEveryCommonNotation) {
  EXPECT_EQ(ParseAmount("1 234,56 €"), Money{123456});
  EXPECT_EQ(ParseAmount("1.234,56"), Money{123456});
  EXPECT_EQ(ParseAmount("1,234.56"), Money{123456});
  EXPECT_EQ(ParseAmount("RM 39.80"), Money{3980});
  EXPECT_EQ(ParseAmount("TOTAL : RM 39. 80"), Money{3980});  // OCR spacing
  EXPECT_EQ(ParseAmount("-5,00"), Money{-500});
  EXPECT_EQ(ParseAmount("5,00-"), Money{-500});
  EXPECT_FALSE(ParseAmount("Quantité 12").has_value());
  EXPECT_EQ(AmountsInLine("TVA 20 %   100,00   20,00").size(), 2u);
}

TEST(TextFieldsTest, ReadsDatesInFrenchEnglishAndGermanFormats) {
  EXPECT_EQ(Iso(DatesInLine("Date : 28/11/2026").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("le 28 novembre 2026").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("2026-11-28").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("Nov 28, 2026").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("Rechnungsdatum 7. Mai 2014").front()), "2014-05-07");
  EXPECT_EQ(Iso(DatesInLine("28.11.26 14:03").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("11/28/2026").front()), "2026-11-28");  // only US fits
  EXPECT_TRUE(DatesInLine("31/02/2026").empty());
  EXPECT_TRUE(DatesInLine("Total 12,50").empty());
}

TEST(TextFieldsTest, FrenchInvoiceTotalsByLabelNotByLargestNumber) {
  TextFields r = ExtractFieldsFromText(
      "Boulangerie Martin SARL\n"
      "FACTURE N° FA-2026-118\n"
      "Date : 28/11/2026      Échéance : 28/12/2026\n"
      "SIREN 732 829 320 - TVA FR44732829320\n"
      "Pain de campagne   120 x 2,70    324,00 €\n"
      "Total HT                       1 234,56 €\n"
      "TVA 20 %                         246,91 €\n"
      "Total TTC                      1 481,47 €\n"
      "Acompte versé                  5 000,00 €\n"
      "IBAN FR76 3000 6000 0112 3456 7890 189\n");
  const Fields& f = r.fields;
  EXPECT_EQ(r.doc_type, "invoice");
  EXPECT_EQ(f.total_incl_tax, Money{148147});
  EXPECT_EQ(f.total_excl_tax, Money{123456});
  EXPECT_EQ(f.total_tax, Money{24691});
  EXPECT_EQ(Iso(f.issue_date), "2026-11-28");
  EXPECT_EQ(Iso(f.due_date), "2026-12-28");
  EXPECT_EQ(f.invoice_number, "FA-2026-118");
  EXPECT_EQ(f.supplier_vat, "FR44732829320");
  EXPECT_EQ(f.supplier_siren, "732829320");
  EXPECT_EQ(f.iban, "FR7630006000011234567890189");
  EXPECT_EQ(f.currency, "EUR");
  EXPECT_EQ(f.supplier_name, "Boulangerie Martin SARL");
  EXPECT_GE(r.fields_confidence, 0.9);
}

TEST(TextFieldsTest, ReceiptWithSeveralTotalsAndCash) {
  TextFields r = ExtractFieldsFromText(
      "SAM SAM TRADING CO\n"
      "29-12-2017 13:05\n"
      "SUB TOTAL 13.30\n"
      "GST 6% 0.80\n"
      "TOTAL RM 14.10\n"
      "CASH RM 20.00\n"
      "CHANGE RM 5.90\n"
      "THANK YOU\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{1410});
  EXPECT_EQ(Iso(r.fields.issue_date), "2017-12-29");
  EXPECT_EQ(r.fields.currency, "MYR");
  EXPECT_EQ(r.doc_type, "receipt");
}

TEST(TextFieldsTest, GermanReceiptSummeAndCardFallback) {
  TextFields summe = ExtractFieldsFromText("REWE Markt\nBANANE 1,99 B\nSUMME EUR 31,98\nBAR EUR 40,00\nRückgeld EUR 8,02\n20.04.2020\n");
  EXPECT_EQ(summe.fields.total_incl_tax, Money{3198});
  EXPECT_EQ(Iso(summe.fields.issue_date), "2020-04-20");
  TextFields card = ExtractFieldsFromText("Markt\nMILCH 0,99\nMastercard EUR 26,90\n");
  EXPECT_EQ(card.fields.total_incl_tax, Money{2690});
}

TEST(TextFieldsTest, NegativeTotalsAndAvoirMakeACreditNote) {
  EXPECT_EQ(ExtractFieldsFromText("AVOIR N° AV-12\nTotal TTC -233,47 €\n").doc_type, "credit_note");
  EXPECT_EQ(ExtractFieldsFromText("FACTURE N° F-9\nFacture\nTotal TTC -233,47 €\n").doc_type,
            "credit_note");
}

TEST(TextFieldsTest, VatInsideAnIbanIsNotAVatNumber) {
  TextFields r = ExtractFieldsFromText("IBAN DE30507500940000048567\nUStId DE 232 446 240 SWIFT HELADEF1GEL\n");
  EXPECT_EQ(r.fields.supplier_vat, "DE232446240");
  EXPECT_EQ(r.fields.iban, "DE30507500940000048567");
}

TEST(TextFieldsTest, ClassifiesByKeywords) {
  EXPECT_EQ(ClassifyText("BULLETIN DE PAIE\nSalaire brut 2 500,00\nNet à payer avant impôt").first, "payslip");
  EXPECT_EQ(ClassifyText("RELEVÉ DE COMPTE\nAncien solde 1 000,00\nNouveau solde 900,00").first,
            "bank_statement");
  EXPECT_EQ(ClassifyText("DEVIS N° 12\nBon pour accord").first, "quote");
  EXPECT_EQ(ClassifyText("AVIS D'IMPÔT 2026\nimpots.gouv.fr").first, "tax_notice");
  EXPECT_EQ(ClassifyText("Kontoauszug Nr. 3").first, "bank_statement");
  EXPECT_EQ(ClassifyText("bonjour").first, "other");
}

}  // namespace
}  // namespace liasse

namespace liasse {
namespace {

TEST(ReceiptTotalsTest, GarbledTotalLabelIsNetPlusTaxPrintedElsewhere) {
  TextFields r = ExtractFieldsFromText(
      "KEDAI RUNCIT\nSub Total : RM 68. 87\nGST/TAX 6% : RM 4.13\nTOZae: RM 73. 00\n"
      "CA. : RM 73. 00\nCHANGE: RM 0.00\n");
  ASSERT_TRUE(r.fields.total_incl_tax.has_value());
  EXPECT_EQ(r.fields.total_incl_tax->cents, 7300);
}

TEST(ReceiptTotalsTest, AWeakTaxTotalBelowTheSubtotalIsNotTheTotal) {
  TextFields r = ExtractFieldsFromText(
      "MINI MARKET\nGross Amount : 40.00\nTotal GST Amt : 2.40\nSub Total : 42,40\n"
      "Amount Change : 0.00\n");
  ASSERT_TRUE(r.fields.total_incl_tax.has_value());
  EXPECT_EQ(r.fields.total_incl_tax->cents, 4240);
}

TEST(ReceiptTotalsTest, CashMinusChangeWhenNoTotalIsPrinted) {
  TextFields r = ExtractFieldsFromText("BOULANGERIE\nPAIN 1,20\nESPECES 20,00\nRENDU 8,50\n");
  ASSERT_TRUE(r.fields.total_incl_tax.has_value());
  EXPECT_EQ(r.fields.total_incl_tax->cents, 1150);
}

TEST(ReceiptTotalsTest, ALeadingDigitLostByOcrIsRestoredByCashMinusChange) {
  TextFields r = ExtractFieldsFromText(
      "KEDAI\nTOTAL PAYABLE AMOUNT 5.80\nCASH 50.00\nCHANGE 14.20\n");
  ASSERT_TRUE(r.fields.total_incl_tax.has_value());
  EXPECT_EQ(r.fields.total_incl_tax->cents, 3580);
  // Not a tail: the printed total stands (a tip, a voucher...).
  TextFields other = ExtractFieldsFromText("KEDAI\nTOTAL 12.00\nCASH 50.00\nCHANGE 30.00\n");
  EXPECT_EQ(other.fields.total_incl_tax->cents, 1200);
}

TEST(ReceiptTotalsTest, CardPaymentConfirmsTheTotal) {
  TextFields confirmed = ExtractFieldsFromText(
      "real GmbH\nSUMME EUR 12,07\nMasterCard EUR 12,07\nKassierer: 4\n21.04.2020 15:52\n");
  TextFields alone = ExtractFieldsFromText("real GmbH\nSUMME EUR 12,07\n21.04.2020 15:52\n");
  EXPECT_GT(confirmed.fields_confidence, alone.fields_confidence);
  EXPECT_EQ(confirmed.doc_type, "receipt");
}

TEST(ClassifyTextTest, InvoiceAndReceiptWordsTogetherAreAPricedPurchase) {
  // A Malaysian till receipt headed "TAX INVOICE": either type is filed the
  // same way, so the pair counts as sure evidence.
  auto [type, confidence] = ClassifyText("TAX INVOICE\nCASHIER: 01\nCASH 50.00\nCHANGE 14.20\n");
  EXPECT_TRUE(type == "invoice" || type == "receipt") << type;
  EXPECT_GE(confidence, 0.9);
  // A quote that mentions an invoice stays unsure: quote and invoice are
  // not one kind.
  EXPECT_LT(ClassifyText("DEVIS N° 12\nfacture à réception\n").second, 0.9);
}

}  // namespace
}  // namespace liasse
