#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "workflows/text_fields.h"

#include <gtest/gtest.h>

#include "workflows/date.h"

namespace liasse {
namespace {

std::string Iso(const std::optional<std::chrono::year_month_day>& d) {
  return d ? FormatIsoDate(*d) : "none";
}

// `text` with "{}" replaced by `value`.
std::string With(std::string text, const std::string& value) {
  return absl::StrReplaceAll(text, {{"{}", value}});
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
  EXPECT_TRUE(AmountsInLine("Zahlbar netto bis 04.04.2018").empty());  // a date, not 4,04
  EXPECT_EQ(AmountsInLine("Total 12,00, 13,00.").size(), 2u);
}

TEST(TextFieldsTest, ReadsDatesInFrenchEnglishAndGermanFormats) {
  EXPECT_EQ(Iso(DatesInLine("Date : 28/11/2026").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("le 28 novembre 2026").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("2026-11-28").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("Nov 28, 2026").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("Rechnungsdatum 7. Mai 2014").front()), "2014-05-07");
  EXPECT_EQ(Iso(DatesInLine("28.11.26 14:03").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("11/28/2026").front()), "2026-11-28");  // only US fits
  EXPECT_EQ(Iso(DatesInLine("2026/11/28").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("DATE 28NOV2026 10:02").front()), "2026-11-28");
  EXPECT_EQ(Iso(DatesInLine("Date 28 / 11 / 2026").front()), "2026-11-28");  // OCR spacing
  EXPECT_TRUE(DatesInLine("Tel 03 - 51 / 2026").empty());  // mixed separators
  EXPECT_TRUE(DatesInLine("REF MI11/3-21 - 12/480").empty());  // a product code
  EXPECT_TRUE(DatesInLine("31/02/2026").empty());
  EXPECT_TRUE(DatesInLine("Total 12,50").empty());
}

TEST(TextFieldsTest, ABalanceLeftFromEarlierInvoicesIsNotThisInvoicesTotal) {
  // The amount to pay adds what was still owed: the invoice's own total is
  // the line above the balance.
  TextFields de = ExtractFieldsFromText(
      "MVM Versicherungsverein a.G.\nBeitragsrechnung Nr. 00.123.456.7     11. März 2014\n"
      "vierteljährlicher Beitrag inklusive 19 % Versicherungsteuer   220,00 €\n"
      "in diesem Beitrag enthaltene Versicherungsteuer   (35,13 €)\n"
      "Ausstehende Forderung am Ausstellungstag   220,00 €\n"
      "zu zahlender Beitrag   440,00 €\n");
  EXPECT_EQ(de.fields.total_incl_tax, Money{22000});
  EXPECT_FALSE(de.total_confirmed);
  TextFields fr = ExtractFieldsFromText(
      "Plomberie Martin SARL\nFacture F-12 du 02/11/2026\nPrestation du mois   150,00\n"
      "Solde antérieur   80,00\nNet à payer   230,00\n");
  EXPECT_EQ(fr.fields.total_incl_tax, Money{15000});
  // With no figure above making up the difference, the amount to pay stays.
  TextFields alone = ExtractFieldsFromText(
      "Plomberie Martin SARL\nFacture F-12 du 02/11/2026\nSolde antérieur   80,00\n"
      "Net à payer   230,00\n");
  EXPECT_EQ(alone.fields.total_incl_tax, Money{23000});
}

TEST(TextFieldsTest, ReadsEightDigitDatesOnlyBeforeATimeOfDay) {
  EXPECT_EQ(Iso(DatesInLine("00440010036 25032018 13:11:54 0003").front()), "2018-03-25");
  EXPECT_EQ(Iso(DatesInLine("20180325 13:11").front()), "2018-03-25");
  EXPECT_TRUE(DatesInLine("Ref 25032018").empty());       // no time: a code
  EXPECT_TRUE(DatesInLine("12345678 13:11").empty());     // no calendar date
  EXPECT_TRUE(DatesInLine("125032018 13:11").empty());    // nine digits
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
  EXPECT_EQ(r.doc_type, DocType::kInvoice);
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

TEST(TextFieldsTest, FrenchInvoiceDatedWithDuAndAPaymentDeadline) {
  // "Facture n° … du 2 juillet 2015" is the issue date; "du … au …" is a
  // period; "Date limite de paiement le …" is the due date.
  TextFields r = ExtractFieldsFromText(
      "Free\nFacture n°562044387 du 2 juillet 2015\n"
      "Abonnement du 1 juin 2015 au 30 juin 2015      24.99\n"
      "Total facture   24.99   5.00   29.99\n"
      "Date limite de paiement le 5 juillet 2015\n");
  EXPECT_EQ(Iso(r.fields.issue_date), "2015-07-02");
  EXPECT_EQ(Iso(r.fields.due_date), "2015-07-05");
  EXPECT_EQ(r.fields.invoice_number, "562044387");
  EXPECT_EQ(r.fields.total_incl_tax, Money{2999});
  TextFields period = ExtractFieldsFromText(
      "FACTURE N° 12\nPériode du 01/06/2026 au 30/06/2026\nFacture du 03/07/2026\nTotal TTC 10,00\n");
  EXPECT_EQ(Iso(period.fields.issue_date), "2026-07-03");
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
  EXPECT_EQ(r.doc_type, DocType::kReceipt);
}

TEST(TextFieldsTest, GermanReceiptSummeAndCardFallback) {
  TextFields summe = ExtractFieldsFromText("REWE Markt\nBANANE 1,99 B\nSUMME EUR 31,98\nBAR EUR 40,00\nRückgeld EUR 8,02\n20.04.2020\n");
  EXPECT_EQ(summe.fields.total_incl_tax, Money{3198});
  EXPECT_EQ(Iso(summe.fields.issue_date), "2020-04-20");
  TextFields card = ExtractFieldsFromText("Markt\nMILCH 0,99\nMastercard EUR 26,90\n");
  EXPECT_EQ(card.fields.total_incl_tax, Money{2690});
  TextFields ec = ExtractFieldsFromText("Bäckerei\nBROT 3,20\nEC-Cash EUR 4,70\n");
  EXPECT_EQ(ec.fields.total_incl_tax, Money{470});
}

TEST(TextFieldsTest, NegativeTotalsAndAvoirMakeACreditNote) {
  EXPECT_EQ(ExtractFieldsFromText("AVOIR N° AV-12\nTotal TTC -233,47 €\n").doc_type, DocType::kCreditNote);
  EXPECT_EQ(ExtractFieldsFromText("FACTURE N° F-9\nFacture\nTotal TTC -233,47 €\n").doc_type,
            DocType::kCreditNote);
}

TEST(TextFieldsTest, VatInsideAnIbanIsNotAVatNumber) {
  TextFields r = ExtractFieldsFromText("IBAN DE30507500940000048567\nUStId DE 232 446 240 SWIFT HELADEF1GEL\n");
  EXPECT_EQ(r.fields.supplier_vat, "DE232446240");
  EXPECT_EQ(r.fields.iban, "DE30507500940000048567");
}

TEST(TextFieldsTest, ClassifiesByKeywords) {
  EXPECT_EQ(ClassifyText("BULLETIN DE PAIE\nSalaire brut 2 500,00\nNet à payer avant impôt").first, DocType::kPayslip);
  EXPECT_EQ(ClassifyText("RELEVÉ DE COMPTE\nAncien solde 1 000,00\nNouveau solde 900,00").first,
            DocType::kBankStatement);
  EXPECT_EQ(ClassifyText("DEVIS N° 12\nBon pour accord").first, DocType::kQuote);
  EXPECT_EQ(ClassifyText("AVIS D'IMPÔT 2026\nimpots.gouv.fr").first, DocType::kTaxNotice);
  EXPECT_EQ(ClassifyText("Kontoauszug Nr. 3").first, DocType::kBankStatement);
  EXPECT_EQ(ClassifyText("bonjour").first, DocType::kOther);
  // German compounds: a trade or premium invoice is an invoice; a pay
  // settlement (Abrechnung) is not.
  EXPECT_EQ(ClassifyText("Handelsrechnung (380) Nr. 471102").first, DocType::kInvoice);
  EXPECT_EQ(ClassifyText("Beitragsrechnung zur Kraftfahrtversicherung").first, DocType::kInvoice);
  EXPECT_EQ(ClassifyText("Lohnabrechnung Mai 2026").first, DocType::kPayslip);
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
  EXPECT_EQ(confirmed.doc_type, DocType::kReceipt);
}

TEST(ClassifyTextTest, InvoiceAndReceiptWordsTogetherAreAPricedPurchase) {
  // A Malaysian till receipt headed "TAX INVOICE": either type is filed the
  // same way, so the pair counts as sure evidence.
  auto [type, confidence] = ClassifyText("TAX INVOICE\nCASHIER: 01\nCASH 50.00\nCHANGE 14.20\n");
  EXPECT_TRUE(type == DocType::kInvoice || type == DocType::kReceipt) << type;
  EXPECT_GE(confidence, 0.9);
  // A German till receipt with its card slip says so in many words.
  EXPECT_GE(ClassifyText("real GmbH\nSUMME EUR 12,07\nMasterCard EUR 12,07\n"
                         "Kundenbeleg\nBezahlung Kontaktlos\nTrace-Nr. 4131714\n")
                .second,
            0.9);
  // A quote that mentions an invoice stays unsure: quote and invoice are
  // not one kind.
  EXPECT_LT(ClassifyText("DEVIS N° 12\nfacture à réception\n").second, 0.9);
}

}  // namespace
}  // namespace liasse

namespace liasse {
namespace {

TEST(TaxTotalsTest, AVatSummaryWhoseRowsAddUpConfirmsTheTotal) {
  // German till receipt: the 19 % row's tax was misread (2,18 for 2,78);
  // net and gross agree with the rate, so the row stands.
  TextFields r = ExtractFieldsFromText(
      "Marktkauf\nVODKA 12,99 C\nSALAD 1,99 B\nMastercard EUR 26,90\n"
      "MwSt NETTO MwSt UMSATZ\nB 7% 8,87 0,62 9,49\nC 19% 14,63 2,18 17,41\n"
      "20.04.20 09:50\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{2690});
  EXPECT_EQ(r.fields.total_excl_tax, Money{2350});
  EXPECT_EQ(r.fields.total_tax, Money{340});
  EXPECT_GE(r.fields_confidence, 0.9);
  // The same rows adding up to something else confirm nothing.
  TextFields other = ExtractFieldsFromText(
      "Markt\nMastercard EUR 30,00\nB 7% 8,87 0,62 9,49\nC 19% 14,63 2,78 17,41\n20.04.20\n");
  EXPECT_EQ(other.fields.total_incl_tax, Money{3000});
  EXPECT_LT(other.fields_confidence, 0.9);
}

TEST(TaxTotalsTest, TheTaxsOwnTotalIsNotTheDocumentsTotal) {
  TextFields r = ExtractFieldsFromText(
      "SIMPLIFIED TAX INVOICE\nDate: 27/03/2018\nQty S/Price Amount Tax\n1476 3 15.90 47.70 SR\n"
      "Total Sales (Excluding GST) : 45.00\nTotal GST : 2.70\n"
      "Total Sales (Inclusive of GST) : 47.70\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{4770});
  EXPECT_EQ(r.fields.total_excl_tax, Money{4500});
  EXPECT_EQ(r.fields.total_tax, Money{270});  // not 15.90 from under the column heading
  EXPECT_GE(r.fields_confidence, 0.9);
}

TEST(TaxTotalsTest, ALineDoesNotConfirmItself) {
  // "SUMME EUR" took its figure from the card line under it: the card line
  // cannot then confirm that total.
  TextFields card = ExtractFieldsFromText("Marktkauf\nSUMME EUR\nMastercard EUR 6,20\n04.05.20\n");
  EXPECT_EQ(card.fields.total_incl_tax, Money{620});
  EXPECT_LT(card.fields_confidence, 0.9);
  // Nor do two labels reading the one figure agree.
  TextFields twice = ExtractFieldsFromText("KEDAI\n02/03/2018\nTotal\nRounded Total 28.50\n");
  EXPECT_LT(twice.fields_confidence, 0.9);
}

TEST(TaxTotalsTest, HeadingsOverARowOfFiguresGiveOneFigureEach) {
  TextFields r = ExtractFieldsFromText(
      "FACTURE N° F-77\nDate : 03/07/2026\n"
      "Total HT          TVA 20 %          Total TTC\n"
      "100,00            20,00             120,00\n");
  EXPECT_EQ(r.fields.total_excl_tax, Money{10000});
  EXPECT_EQ(r.fields.total_tax, Money{2000});
  EXPECT_EQ(r.fields.total_incl_tax, Money{12000});
  EXPECT_GE(r.fields_confidence, 0.9);
  // One label in several words still takes the figure below it.
  TextFields one = ExtractFieldsFromText("FACTURE\nMontant total TTC\n120,00\n");
  EXPECT_EQ(one.fields.total_incl_tax, Money{12000});
  // A table's head (more headings than figures) lends nothing.
  TextFields head = ExtractFieldsFromText(
      "Steuerbasisbetrag      USt. %      USt.-Betrag\nVAT (S)  275,00  7  19,25\nZahlbetrag 300,00\n");
  EXPECT_FALSE(head.fields.total_excl_tax.has_value());
  EXPECT_EQ(head.fields.total_incl_tax, Money{30000});
}

TEST(TaxTotalsTest, ATaxLeavingAPrintedNetConfirmsTheTotal) {
  TextFields r = ExtractFieldsFromText(
      "SAM SAM TRADING CO\nTAX INVOICE\nTAX AMT (S) RM 13.30\nGST 6% RM 0.80\n"
      "TOTAL RM 14.10\nCASH RM 20.00\nCHANGE RM 7.99\n29-12-2017\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{1410});
  EXPECT_EQ(r.fields.total_excl_tax, Money{1330});
  EXPECT_EQ(r.fields.total_tax, Money{80});
}

TEST(TaxTotalsTest, ATaxOrNetThatCannotBelongToTheTotalIsLeftEmpty) {
  TextFields r = ExtractFieldsFromText(
      "KEDAI\nTotal Sales : 327.00\nGST 90.00\nSubtotal 400.00\n11/01/2019\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{32700});
  EXPECT_FALSE(r.fields.total_tax.has_value());       // 28 % of the total
  EXPECT_FALSE(r.fields.total_excl_tax.has_value());  // above the total
  // Per-rate lines add up; two lines at one rate do not.
  TextFields rates = ExtractFieldsFromText(
      "FACTURE\nTotal HT 110,00\nTVA 5,5 % 5,50\nTVA 20 % 2,00\nTotal TTC 117,50\n");
  EXPECT_EQ(rates.fields.total_tax, Money{750});
}

TEST(TaxTotalsTest, TwoTotalLinesThatAgreeOrTheTenderedCashConfirmTheTotal) {
  TextFields twice = ExtractFieldsFromText(
      "McDonald's\n02/03/2018\nTakeOut Total (incl GST) 28.50\nTotal Rounded 28.50\n");
  TextFields once = ExtractFieldsFromText("McDonald's\n02/03/2018\nTotal Rounded 28.50\n");
  EXPECT_GT(twice.fields_confidence, once.fields_confidence);
  TextFields tender = ExtractFieldsFromText(
      "Farmasi\nDate: 02/03/18\nTOTAL (Including GST) 79.35\nTENDER 100.00\nCHANGE/BALANCE 20.65\n");
  EXPECT_GE(tender.fields_confidence, 0.9);
}

TEST(ConfirmationTest, TwoAgreeingTotalLinesAboveAnUnreadableTotalConfirmNothing) {
  // A per-rate subtotal printed twice agrees with itself; the amount to pay
  // below it was misread ("3b.36"): its figure is not the subtotal.
  const char* text =
      "BAKERY WHOLESALE LTD\nDate: 05/11/2026\nTotal zero-rated: 23.64\nBREAD 12.00\n"
      "Total zero-rated: 23.64\nTotal payable: {}\n";
  TextFields misread = ExtractFieldsFromText(With(text, "3b.36"));
  EXPECT_FALSE(misread.total_confirmed) << misread.total_evidence;
  EXPECT_LT(misread.fields_confidence, 0.9);
  TextFields read = ExtractFieldsFromText(With(text, "23.64"));
  EXPECT_EQ(read.fields.total_incl_tax, Money{2364});
  EXPECT_TRUE(read.total_confirmed);
  EXPECT_EQ(read.total_evidence, "two total lines");
}

TEST(ConfirmationTest, TwoAgreeingTotalLinesAreContradictedByTheCardCharge) {
  const char* text = "MARKT\nSUMME EUR 12,01\nMasterCard EUR {}\nBetrag EUR 12,01\n21.04.20 15:52\n";
  TextFields other = ExtractFieldsFromText(With(text, "12,07"));
  EXPECT_FALSE(other.total_confirmed) << other.total_evidence;
  TextFields same = ExtractFieldsFromText(With(text, "12,01"));
  EXPECT_TRUE(same.total_confirmed);
}

TEST(ConfirmationTest, TwoAgreeingTotalLinesAreContradictedByTheCashKept) {
  const char* text =
      "KEDAI\nDate: 02/03/2018\nTotal : 165.00\nTotal Due : 165.00\nCASH : {}\nChange : 0.00\n";
  EXPECT_FALSE(ExtractFieldsFromText(With(text, "174.90")).total_confirmed);
  EXPECT_TRUE(ExtractFieldsFromText(With(text, "165.00")).total_confirmed);
}

TEST(ConfirmationTest, AVatTableOffByAMisreadDigitIsNoRounding) {
  // The rows make 31,98; the total reads 31,96: a 6 for an 8, not a cent
  // of rounding per row.
  const char* text =
      "MARKT\nSUMME EUR {}\nB 7% 7,45 0,52 7,97\nC 19% 20,18 3,83 24,01\n28.02.20 09:58\n";
  EXPECT_FALSE(ExtractFieldsFromText(With(text, "31,96")).total_confirmed);
  EXPECT_TRUE(ExtractFieldsFromText(With(text, "31,98")).total_confirmed);
  EXPECT_TRUE(ExtractFieldsFromText(With(text, "31,97")).total_confirmed);  // rounding
}

TEST(ConfirmationTest, AVatTableRowDoesNotConfirmItsOwnSum) {
  // Net, tax and gross of one row are one reading; the total's own figure
  // was misread ("31,998").
  TextFields r = ExtractFieldsFromText(
      "MARKT\nSUMME EUR 31,998\nMwSt NETTO MwSt UMSATZ\nB 7% 1,45 0,52 1,97\n"
      "C 19% 20,18 3,89 24,01\n28.02.20 09:58\n");
  EXPECT_NE(r.total_evidence, "net+tax printed");
  EXPECT_FALSE(r.fields.total_incl_tax == Money{197} && r.total_confirmed);
}

TEST(ConfirmationTest, ANetWithNoTaxIsNotASecondReadingOfTheTotal) {
  // Net + 0 is the net: printed on the net's own line, and on the one item's.
  TextFields r = ExtractFieldsFromText(
      "CASH & CARRY\nDATE: 02/02/2018 TIME: 08:31:00\n6194020100124 4 11.32 45.28\n"
      "SUB-TOTAL 45.28\nTAX 0.00\nTOTAL 48.000%\n");
  EXPECT_FALSE(r.total_confirmed) << r.total_evidence;
  EXPECT_LT(r.fields_confidence, 0.9);
}

TEST(ConfirmationTest, NetAndTaxThatAddUpOnlyFromTheWrongColumnsConfirmNothing) {
  // A tax of 9.85 on 10.54 cannot be: the figures were taken a column off.
  TextFields r = ExtractFieldsFromText(
      "MARKT\nNetto 0,69\nMwSt 9,85\nBrutto 10,54\n28.03.20 09:51\n");
  EXPECT_FALSE(r.total_confirmed) << r.total_evidence;
  EXPECT_FALSE(r.fields.total_tax.has_value());
}

TEST(ConfirmationTest, ANetAndTaxRowAtAStandardRateConfirmsTheTotal) {
  // The row's rate was misread; its net and tax, 6 % to the cent, make the total.
  const char* text = "KEDAI\nDate: 03/05/2018\nTotal Sales (Inclusive GST) RM 19.90\ns = 67 {}\n";
  TextFields row = ExtractFieldsFromText(With(text, "18.77 1.13"));
  EXPECT_TRUE(row.total_confirmed);
  EXPECT_EQ(row.total_evidence, "net and tax row");
  EXPECT_EQ(row.fields.total_excl_tax, Money{1877});
  EXPECT_EQ(row.fields.total_tax, Money{113});
  // Two figures that add up at no rate are anything (a quantity, a price).
  EXPECT_FALSE(ExtractFieldsFromText(With(text, "17.90 2.00")).total_confirmed);
}

TEST(ConfirmationTest, AboveARoundingNetAndTaxMakeTheTotalWithTheAdjustment) {
  // Net 8.90 and tax 0.53, rounded by 0.02: the total is 9.45. Read 9.43,
  // it equals net + tax, and that is what a misread looks like.
  const char* text =
      "TEA HOUSE\nDate: 11/05/2018\nTotal Sales (Excluding GST) : 8.90\nTotal GST : 0.53\n"
      "Rounding : 0.02\nTotal Sales (Inclusive of GST) {}\nGST SUMMARY\nSR 6 8.90 0.53\n";
  TextFields read = ExtractFieldsFromText(With(text, "9.45"));
  EXPECT_TRUE(read.total_confirmed);
  EXPECT_EQ(read.fields.total_tax, Money{53});
  TextFields misread = ExtractFieldsFromText(With(text, "9.43"));
  EXPECT_FALSE(misread.total_confirmed) << misread.total_evidence;
}

TEST(ReceiptTotalsTest, ATotalLabelAsOcrMisreadsItIsStillATotal) {
  // T read as J or 7, o as 0, l as 1; the line is the total's.
  for (const char* label : {"Jotal", "T0tal", "Tota1", "7otal", "Tot@l"}) {
    TextFields r = ExtractFieldsFromText(
        absl::StrCat("MARKT\nKABEL 19,99\nLAMPE 94,99\n", label, " EUR 114,98\n"));
    EXPECT_EQ(r.fields.total_incl_tax, Money{11498}) << label;
  }
}

TEST(ReceiptTotalsTest, ATotalOneDigitOffTheRowOfNetAndTaxIsTheRowsSum) {
  // "18.80" read "18.00"; the row's net and tax at 6 % say 18.80. Filed,
  // not confirmed: two readings disagree.
  TextFields r = ExtractFieldsFromText(
      "KEDAI\nDate: 16/04/2018\nRokok 17.00\nTOTAL 18.00\nGST 6%) 17.74 1.06\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{1880});
  EXPECT_EQ(r.fields.total_tax, Money{106});
  EXPECT_FALSE(r.total_confirmed);
  // Cash rounding is no misread: the rounded total stays.
  TextFields rounded = ExtractFieldsFromText(
      "KEDAI\nDate: 22/03/2018\nTotal Sales (Excluding GST) : 96.00\nRounding : -0.01\n"
      "Total Sales (Inclusive of GST) : 101.75\nSR 96.00 5.76\n");
  EXPECT_EQ(rounded.fields.total_incl_tax, Money{10175});
}

TEST(ConfirmationTest, ANetAboveTheTotalContradictsTotalLinesThatAgree) {
  // "73.30" read "13.30" on every total line (one glyph, one misreading);
  // the net printed under it is larger than that total.
  const char* text =
      "IKEA CHERAS\nDate: 13/05/2018\nTotal RM Including GST 6% 13.30\nTotal Rounded 13.30\n"
      "Cash 13.30\nAmt. Excl. GST {}\n";
  TextFields misread = ExtractFieldsFromText(With(text, "69,15"));
  EXPECT_FALSE(misread.total_confirmed) << misread.total_evidence;
  TextFields smaller = ExtractFieldsFromText(With(text, "12,55"));
  EXPECT_TRUE(smaller.total_confirmed);
  EXPECT_EQ(smaller.total_evidence, "two total lines");
}

TEST(ReceiptTotalsTest, ATotalOneDigitOffTheLabelledNetAndTaxIsTheirSum) {
  // Net 69.15 and tax 4.15 (6 % to the cent) make 73.30; the total lines
  // read 13.30, a 1 for a 7. Filed, not confirmed.
  const char* text =
      "IKEA CHERAS\nDate: 13/05/2018\nTotal RM Including GST 6% 13.30\nTotal Rounded 13.30\n"
      "GST SR 6% 4,15\nAmt. Excl. GST 69,15\n";
  TextFields r = ExtractFieldsFromText(text);
  EXPECT_EQ(r.fields.total_incl_tax, Money{7330});
  EXPECT_EQ(r.fields.total_excl_tax, Money{6915});
  EXPECT_FALSE(r.total_confirmed);
  // A PDF's text layer misreads nothing: figures that disagree there are
  // the document's own, left for a person to see.
  EXPECT_EQ(ExtractFieldsFromText(text, {}, TextOrigin::kTextLayer).fields.total_incl_tax,
            Money{1330});
  // Net and tax at no standard rate say nothing of the total's digits.
  TextFields no_rate = ExtractFieldsFromText(
      "IKEA CHERAS\nDate: 13/05/2018\nTotal RM Including GST 6% 13.30\nTotal Rounded 13.30\n"
      "GST SR 6% 5,15\nAmt. Excl. GST 68,15\n");
  EXPECT_EQ(no_rate.fields.total_incl_tax, Money{1330});
}

TEST(ReceiptTotalsTest, WithNoTotalReadTheSubtotalStandsIn) {
  // The total's figure garbled ("2 30"); the tax is included in the
  // subtotal at 6 %.
  TextFields included = ExtractFieldsFromText(
      "KEDAI\nDate: 05/03/2018\nSUB-TOTAL (GST) 2.50\nROUNDING 0.00\nTOTAL 2 30\n"
      "TAX TOTAL: 0.14\n");
  EXPECT_EQ(included.fields.total_incl_tax, Money{250});
  EXPECT_EQ(included.fields.total_excl_tax, Money{236});
  EXPECT_FALSE(included.total_confirmed);
  // On a text layer no total is a label the rules do not know, not a
  // garbled one: nothing stands in.
  EXPECT_FALSE(ExtractFieldsFromText("Sous-total 100,00\nTVA 20 % 20,00\n", {},
                                     TextOrigin::kTextLayer)
                   .fields.total_incl_tax.has_value());
  // The tax is the subtotal at 20 %: added.
  TextFields added = ExtractFieldsFromText(
      "GARAGE DU CENTRE\nle 05/03/2026\nSous-total 100,00\nTVA 20 % 20,00\nT0TAL TTC I2O,OO\n");
  EXPECT_EQ(added.fields.total_incl_tax, Money{12000});
  EXPECT_FALSE(added.total_confirmed);
  // No tax printed: the subtotal.
  TextFields none = ExtractFieldsFromText("KEDAI\nDate: 05/03/2018\nSUBTOTAL RM41.45\n");
  EXPECT_EQ(none.fields.total_incl_tax, Money{4145});
  // A tax that fits neither way leaves the total to a person.
  TextFields neither = ExtractFieldsFromText(
      "KEDAI\nDate: 05/03/2018\nSUBTOTAL 41.45\nGST 6% 5.00\n");
  EXPECT_FALSE(neither.fields.total_incl_tax.has_value());
}

TEST(ReceiptTotalsTest, ATaxableAmountIsANetNotATax) {
  TextFields r = ExtractFieldsFromText(
      "KEDAI\nDate: 05/03/2018\nSUBTOTAL RM152.00\nGST TAXABLE RM152.00\nGST 0% RM0.00\n");
  EXPECT_EQ(r.fields.total_excl_tax, Money{15200});
  EXPECT_NE(r.fields.total_tax, Money{15200});
  EXPECT_EQ(r.fields.total_incl_tax, Money{15200});
}

TEST(ConfirmationTest, GermanCashAndChangeConfirmTheTotal) {
  const char* text = "MARKT\nZU ZAHLEN EURO 8,83\nBARGELD 20,03\nZURÜCK {}\n18.04.2020 09:51\n";
  TextFields right = ExtractFieldsFromText(With(text, "11,20"));
  EXPECT_TRUE(right.total_confirmed);
  EXPECT_EQ(right.total_evidence, "cash");
  EXPECT_FALSE(ExtractFieldsFromText(With(text, "11,70")).total_confirmed);
}

TEST(ConfirmationTest, SubtotalsOnTotalLinesThatMakeTheTotalConfirmItWithoutANet) {
  // The taxed goods' net and tax were misread ("12,0", "0,7").
  const char* text =
      "BAKERY\nDate: 25/08/2017\nTotal 0% supplies: 23.64\nTotal 6% supplies (excl. GST): 12,0\n"
      "GST: 0,7\nTotal 6% supplies (Inc. GST): 12.72\nTotal 0% supplies: 23.64\nTotal Payable: {}\n";
  TextFields sum = ExtractFieldsFromText(With(text, "36.36"));
  EXPECT_EQ(sum.fields.total_incl_tax, Money{3636});
  EXPECT_TRUE(sum.total_confirmed);
  EXPECT_EQ(sum.total_evidence, "rate subtotals");
  EXPECT_FALSE(ExtractFieldsFromText(With(text, "36.46")).total_confirmed);
}

TEST(ReceiptTotalsTest, ALargerTotalBelowTheOneNetPlusTaxMakesWasASubtotal) {
  // Net + tax add up to the first "total" (one rate's goods); the amount to
  // pay, further down, is larger: that is the total, not confirmed (the
  // other goods' figure, misread, does not make up the difference).
  TextFields r = ExtractFieldsFromText(
      "BAKERY WHOLESALE LTD\nDate: 05/11/2026\nTotal zero-rated goods: 12.50\n"
      "Total standard goods (excl. tax): 10.00\nTax: 0.60\n"
      "Total standard goods (incl. tax): 10.60\nTotal payable: 22.60\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{2260});
  EXPECT_FALSE(r.total_confirmed);
  EXPECT_LT(r.fields_confidence, 0.9);
}

TEST(ReceiptTotalsTest, SubtotalsPerRateThatMakeTheTotalConfirmIt) {
  TextFields r = ExtractFieldsFromText(
      "BAKERY WHOLESALE LTD\nDate: 05/11/2026\nTotal zero-rated goods: 12.00\n"
      "Total standard goods (excl. tax): 10.00\nTax: 0.60\n"
      "Total standard goods (incl. tax): 10.60\nTotal payable: 22.60\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{2260});
  EXPECT_TRUE(r.total_confirmed);
  EXPECT_EQ(r.total_evidence, "rate subtotals");
  EXPECT_EQ(r.fields.total_excl_tax, Money{2200});  // both rates' goods
  EXPECT_EQ(r.fields.total_tax, Money{60});
}

TEST(ReceiptDatesTest, ATillTimestampOutranksADateShapedCode) {
  TextFields r = ExtractFieldsFromText(
      "HARDWARE STORE\nCABLE TIE 10/03/21\nTotal 9.00\nCash 10.00\nChange 1.00\n"
      "16-03-18 13:49 T2 R000178\n");
  EXPECT_EQ(Iso(r.fields.issue_date), "2018-03-16");
  EXPECT_TRUE(r.date_confirmed);
  EXPECT_EQ(r.date_evidence, "time of day");
  EXPECT_TRUE(r.total_confirmed);
  EXPECT_GE(r.fields_confidence, 0.9);
}

TEST(ReceiptDatesTest, OneOfSeveralUnlabelledDatesIsNotConfirmed) {
  // Nothing says which of two bare dates is the purchase's.
  TextFields r = ExtractFieldsFromText(
      "KEDAI\n12/03/2026\nTotal 9.00\nCash 10.00\nChange 1.00\n14/03/2026\n");
  EXPECT_EQ(Iso(r.fields.issue_date), "2026-03-12");
  EXPECT_FALSE(r.date_confirmed);
  EXPECT_TRUE(r.total_confirmed);
  EXPECT_LT(r.fields_confidence, 0.9);
  // One printed twice is read twice; the only date, read once, may be a
  // misread figure like any other.
  EXPECT_FALSE(ExtractFieldsFromText("KEDAI\n12/03/2026\nTotal 9.00\n").date_confirmed);
  EXPECT_TRUE(ExtractFieldsFromText("KEDAI\n12/03/2026\nTotal 9.00\n01/04/2026\n12/03/2026\n")
                  .date_confirmed);
}

TEST(ReceiptTotalsTest, TheTotalAfterCashRoundingIsWhatWasPaid) {
  // Swiss 5-Rappen rounding, the adjustment's sign misread: the total under
  // the rounding line, paid in cash, is the total.
  TextFields chf = ExtractFieldsFromText(
      "BAECKEREI MUELLER AG\n02.11.2026 08:14\nGipfeli 2x 1.90 3.80\nTotal CHF 12.37\n"
      "Rundung 0.02\nTotal gerundet CHF 12.35\nGegeben 20.00\nRückgeld 7.65\n");
  EXPECT_EQ(chf.fields.total_incl_tax, Money{1235});
  EXPECT_TRUE(chf.total_confirmed);
  // Dutch: the rounded amount printed on the rounding line itself.
  TextFields eur = ExtractFieldsFromText(
      "BAKKERIJ DE VRIES\n02-11-2026 08:14\nTotaal 8,53\nAfronding totaal 8,55\n"
      "PIN 8,55\n");
  EXPECT_EQ(eur.fields.total_incl_tax, Money{855});
}

TEST(ReceiptTotalsTest, ATotalFarFromTheOneAboveIsNoRounding) {
  // Eleven cents apart: not a rounding, whatever the lines say.
  TextFields r = ExtractFieldsFromText(
      "SHOP\nTotal 12.37\nRounding\nTotal 12.26\n");
  EXPECT_EQ(r.fields.total_incl_tax, Money{1237});
}

TEST(UnsureWordsTest, ATotalReadFromAnUnsureWordIsFiledButNotConfirmed) {
  const char* receipt =
      "HARDWARE STORE\nTotal 9.00\nCash 10.00\nChange 1.00\n16-03-18 13:49 T2 R000178\n";
  TextFields sure = ExtractFieldsFromText(receipt, {"R000178"});
  EXPECT_TRUE(sure.total_confirmed);
  EXPECT_GE(sure.fields_confidence, 0.9);
  TextFields guess = ExtractFieldsFromText(receipt, {"9.00"});
  EXPECT_EQ(guess.fields.total_incl_tax, Money{900});
  EXPECT_FALSE(guess.total_confirmed);
  EXPECT_LT(guess.fields_confidence, 0.9);
  // However the word was printed: currency glued on, a thousands separator.
  EXPECT_FALSE(ExtractFieldsFromText(receipt, {"RM9,00"}).total_confirmed);
  // Another figure's word does not count: digits must be the total's.
  EXPECT_TRUE(ExtractFieldsFromText(receipt, {"10.00", "19.00"}).total_confirmed);
}

TEST(UnsureWordsTest, AFigureAlsoReadWithConfidenceIsNoGuess) {
  // The total's figure is printed three times; OCR was unsure of one.
  const char* receipt =
      "HARDWARE STORE\nTotal 329.10\nVISA 329.10\nSR 310.47 18.63 329.10\n16-03-18 13:49\n";
  TextFields once_unsure = ExtractFieldsFromText(receipt, {"329.10"});
  EXPECT_TRUE(once_unsure.total_confirmed);
  TextFields always_unsure = ExtractFieldsFromText(receipt, {"329.10", "329.10", "329.10"});
  EXPECT_FALSE(always_unsure.total_confirmed);
}

TEST(UnsureWordsTest, ADateReadFromAnUnsureWordIsNotConfirmed) {
  const char* receipt =
      "HARDWARE STORE\nTotal 9.00\nCash 10.00\nChange 1.00\n16-03-18 13:49 T2 R000178\n";
  TextFields guess = ExtractFieldsFromText(receipt, {"16-03-18"});
  EXPECT_EQ(Iso(guess.fields.issue_date), "2018-03-16");
  EXPECT_FALSE(guess.date_confirmed);
  EXPECT_TRUE(guess.total_confirmed);
  EXPECT_LT(guess.fields_confidence, 0.9);
}

TEST(UnsureWordsTest, ATillsEightDigitDateReadUnsureIsNotConfirmed) {
  const char* receipt =
      "KEDAI\nTotal 9.00\nCash 10.00\nChange 1.00\n00440010036 25032018 13:11:54 0003\n";
  TextFields sure = ExtractFieldsFromText(receipt, {"00440010036"});
  EXPECT_EQ(Iso(sure.fields.issue_date), "2018-03-25");
  EXPECT_TRUE(sure.date_confirmed);
  EXPECT_EQ(sure.date_evidence, "time of day");
  TextFields guess = ExtractFieldsFromText(receipt, {"25032018"});
  EXPECT_EQ(Iso(guess.fields.issue_date), "2018-03-25");
  EXPECT_FALSE(guess.date_confirmed);
}

TEST(UnsureWordsTest, ADateAlsoReadWithConfidenceIsNoGuess) {
  const char* receipt =
      "HARDWARE STORE\nDate: 16/03/2018\nTotal 9.00\nCash 10.00\nChange 1.00\n"
      "16/03/2018 13:49 T2\n";
  EXPECT_TRUE(ExtractFieldsFromText(receipt, {"16/03/2018"}).date_confirmed);
  EXPECT_FALSE(ExtractFieldsFromText(receipt, {"16/03/2018", "16/03/2018"}).date_confirmed);
}

TEST(SupplierNameTest, TheNameBesideARegistrationNumberOrWithALegalForm) {
  // The owner's name printed above the business: the business carries the
  // registration number.
  EXPECT_EQ(ExtractFieldsFromText("LIM AH KOW\nHUAT HUAT TRADING\n(JM0123456-X)\n"
                                  "NO 5 JALAN SATU\nTotal 9.00\n")
                .fields.supplier_name,
            "HUAT HUAT TRADING");
  // A shop's slogan or site first, the company with its legal form next;
  // its number on the same line is cut off.
  EXPECT_EQ(ExtractFieldsFromText("MERCI DE VOTRE VISITE SUR shop.fr\n"
                                  "Boulangerie Dupuis SARL (RCS Lyon 732 829 320)\n"
                                  "12 rue de la Paix 69001 Lyon\nTOTAL TTC 4,20\n")
                .fields.supplier_name,
            "Boulangerie Dupuis SARL");
  // An address line (postcode) is not a name, however high it stands.
  EXPECT_EQ(ExtractFieldsFromText("75011 PARIS\nGARAGE DU CENTRE\nTotal 9,00\n")
                .fields.supplier_name,
            "GARAGE DU CENTRE");
}

TEST(SupplierNameTest, TheNameTheLetterheadRepeatsBeatsALogoReadAsWords) {
  EXPECT_EQ(ExtractFieldsFromText("Abu 2\nTAX INVOICE\nDOMINO'S PIZZA\nGST REF NO : 001694261248\n"
                                  "DOMINO'S PIZZA PERMAS JAYA\nNo.12, Jalan Permas Jaya 10\n"
                                  "Grand Total : 7.20\n")
                .fields.supplier_name,
            "DOMINO'S PIZZA");
}

TEST(SupplierNameTest, ANamePrintedOverTwoLinesIsJoined) {
  EXPECT_EQ(ExtractFieldsFromText("MEGA MART HOLDINGS\n\n(NORTH) SDN BHD\n(767840-W)\nTotal 9.00\n")
                .fields.supplier_name,
            "MEGA MART HOLDINGS (NORTH) SDN BHD");
}

TEST(SupplierNameTest, ANameOverThreeLinesIsJoinedFromWhereItStarts) {
  // The bracket opened on the second line; the name started on the first.
  EXPECT_EQ(ExtractFieldsFromText("KEDAI BESI MAJU\nENTERPRISE (BANGI\nTIMUR) SDN BHD\n"
                                  "(123456-X)\nTotal 9.00\n")
                .fields.supplier_name,
            "KEDAI BESI MAJU ENTERPRISE (BANGI TIMUR) SDN BHD");
}

TEST(SupplierNameTest, ALegalFormOcrMisreadIsRecognisedAndSpeltRight) {
  // A trading name on top, the company with its misread form and number below.
  EXPECT_EQ(ExtractFieldsFromText("A PIE PLACE\nFOUR SEASONS SUN BHD ( 1u/5569-P)\n"
                                  "No. 12 Jalan Mawar\nTotal 9.00\n")
                .fields.supplier_name,
            "FOUR SEASONS SDN BHD");
  EXPECT_EQ(ExtractFieldsFromText("KEDAI MAJU SON BHD\nTotal 9.00\n").fields.supplier_name,
            "KEDAI MAJU SDN BHD");
  EXPECT_EQ(ExtractFieldsFromText("Thank you\nKedai Maju Sdn.Rhd\nTotal 9.00\n").fields.supplier_name,
            "Kedai Maju SDN BHD");
  // Spelt right: left as printed.
  EXPECT_EQ(ExtractFieldsFromText("Kedai Maju Sdn. Bhd.\nTotal 9.00\n").fields.supplier_name,
            "Kedai Maju Sdn. Bhd.");
}

TEST(SupplierNameTest, TheShopNotItsOwnerNamedUnderIt) {
  // A company with its legal form and number is the name, unless it is
  // printed as the shop's owner.
  EXPECT_EQ(ExtractFieldsFromText("KEDAI BUKU MAJU\nNO. 31G JALAN SETIA\nOwned By :\n"
                                  "MAJU SUPPLY SDN BHD (1135772-K)\nTotal 9.00\n")
                .fields.supplier_name,
            "KEDAI BUKU MAJU");
  EXPECT_EQ(ExtractFieldsFromText("Station du Lac\nexploitée par Garage Martin SARL\n"
                                  "SIRET 732 829 320 00074\nTOTAL TTC 45,20\n")
                .fields.supplier_name,
            "Station du Lac");
}

TEST(SupplierNameTest, AnAddressOrAShopsFooterIsNoName) {
  for (const char* line : {"NO. 3 & 5, JALAN PERMAS", "12 rue des Lilas", "Goods Sold Are Not Returnable",
                           "Hauptstraße 4", "LOT 1851-A KAWASAN PERINDUSTRIAN"}) {
    EXPECT_NE(ExtractFieldsFromText(absl::StrCat(line, "\nKEDAI MAJU\nTotal 9.00\n")).fields.supplier_name,
              line);
  }
}

TEST(SupplierNameTest, WithNoNameAtTheTopTheCompanyInTheFooterIsTheSupplier) {
  std::string receipt =
      "Pohlweg 110\n33100 Paderborn\nUNSERE OFFNUNGSZEITEN\nMO.-SA. 8.00 - 20.00 Uhr\n"
      "BROT 1,99\nMILCH 0,99\nSUMME 2,98\nBAR 5,00\nRUCKGELD 2,02\n"
      "Vielen Dank\nNord Markt GmbH & Co. KG, Bielefeld\n";
  EXPECT_EQ(ExtractFieldsFromText(receipt).fields.supplier_name, "Nord Markt GmbH & Co. KG");
  // A payment provider named on the card slip is not the seller.
  std::string slip = "Pohlweg 110\n33100 Paderborn\nUNSERE OFFNUNGSZEITEN\n"
                     "MO.-SA. 8.00 - 20.00 Uhr\nBROT 1,99\nMILCH 0,99\nSUMME 2,98\n"
                     "Kartenzahlung 2,98\nMusterpay Payment Services GmbH\nVielen Dank\n";
  EXPECT_NE(ExtractFieldsFromText(slip).fields.supplier_name, "Musterpay Payment Services GmbH");
}

TEST(ReceiptShapeTest, FrenchTillTicketsAreReceiptsByTheirShape) {
  // Priced lines, a total and how it was paid: a receipt, whichever words
  // it uses ("TOTAL TTC … CB", "ESPECES … RENDU", a fuel pump's litres).
  struct Ticket {
    const char* text;
    int64_t total;
    const char* date;
  };
  const Ticket tickets[] = {
      {"CARREFOUR MARKET\nSIRET 652 014 051 00019\nPAIN DE MIE 2,39\nCAFE MOULU 4,55\n"
       "TOTAL TTC 6,94 EUR\nCB 6,94\ndont TVA 5,5% 0,36\n05/11/2026 10:32 CAISSE 004\n",
       694, "2026-11-05"},
      {"BOULANGERIE DU MARCHE\nBAGUETTE 2 x 1,30 2,60\nTOTAL 2,60\nESPECES 5,00\nRENDU 2,40\n"
       "Le 07/11/2026 a 08h12\n",
       260, "2026-11-07"},
      {"STATION RELAIS DES ALPES\nDate : 06/11/2026 Heure : 18:45\n38,52 L x 1,619 EUR/L\n"
       "MONTANT 62,36 EUR\nPAIEMENT CB SANS CONTACT\nMontant : 62,36 EUR\n",
       6236, "2026-11-06"},
  };
  for (const Ticket& t : tickets) {
    TextFields r = ExtractFieldsFromText(t.text);
    EXPECT_EQ(r.doc_type, DocType::kReceipt) << t.text;
    EXPECT_GE(r.type_confidence, 0.9) << t.text;
    EXPECT_EQ(r.fields.total_incl_tax, Money{t.total}) << t.text;
    EXPECT_EQ(Iso(r.fields.issue_date), t.date) << t.text;
  }
}

TEST(ReceiptShapeTest, AnUnconfirmedTotalIsAReceiptButNotASureOne) {
  TextFields r = ExtractFieldsFromText("EPICERIE\nPAIN 2,60\nTOTAL 2,60\n05/11/2026 10:32\n");
  EXPECT_EQ(r.doc_type, DocType::kReceipt);
  EXPECT_LT(r.type_confidence, 0.9);
}

TEST(ReceiptShapeTest, StatementsAndInvoicesKeepTheirType) {
  // Card lines and times on a bank statement do not make it a receipt.
  TextFields statement = ExtractFieldsFromText(
      "RELEVE DE COMPTE\nAncien solde 1 200,00\n05/11 CB CARREFOUR 10:32 45,20\n"
      "Total des operations 45,20\nNouveau solde 1 154,80\n");
  EXPECT_EQ(statement.doc_type, DocType::kBankStatement);
  TextFields invoice = ExtractFieldsFromText(
      "FACTURE N° F-12\nDate : 05/11/2026\nPrestation 100,00\nTotal HT 100,00\n"
      "TVA 20 % 20,00\nTotal TTC 120,00\nPaiement par carte le 05/11/2026 a 10:32\n");
  EXPECT_EQ(invoice.doc_type, DocType::kInvoice);
}

TEST(ReceiptDatesTest, LettersOcrReadForDigitsInALabelledDateArePutBack) {
  auto date_of = [](const std::string& line) {
    return Iso(ExtractFieldsFromText("KEDAI\n" + line + "\nTOTAL 9.00\n").fields.issue_date);
  };
  EXPECT_EQ(date_of("Date: l3/04/2018"), "2018-04-13");  // not the 3rd
  EXPECT_EQ(date_of("Date: 2O/O4/2018"), "2018-04-20");
  EXPECT_EQ(date_of("Date: 1S/04/2018"), "2018-04-15");
  EXPECT_EQ(date_of("15/O4/18 10:22"), "2018-04-15");  // a till's stamp
  // Letters alone are no date, nor are letters on a line nothing vouches for.
  EXPECT_EQ(date_of("Date: SS/OS/IS"), "none");
  EXPECT_EQ(date_of("Ref 2O/O4/2018"), "none");
}

TEST(ReceiptDatesTest, CommasReadForDotsAreRepairedOnlyWhereADateBelongs) {
  EXPECT_EQ(Iso(ExtractFieldsFromText("EDEKA\nSumme 9,00\nDatum: 29,04,2020\n").fields.issue_date),
            "2020-04-29");
  EXPECT_EQ(Iso(ExtractFieldsFromText("EDEKA\nSumme 9,00\n29.04,20 09:48 8665109\n").fields.issue_date),
            "2020-04-29");
  // A line of figures with no label and no time is left alone.
  EXPECT_FALSE(ExtractFieldsFromText("EDEKA\nSumme 9,00\n12,04,20\n").fields.issue_date.has_value());
}

}  // namespace
}  // namespace liasse
