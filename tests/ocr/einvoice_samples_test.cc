// Every e-invoice of ../shared/samples (zugferd_corpus, facturx_akretion,
// en16931_official_xml) matches its summary.csv row exactly: number, type
// code, date, seller, seller VAT, currency, net, tax, grand total, due.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ocr/einvoice.h"
#include "ocr/options.h"
#include "ocr/read_error.h"
#include "ocr/reader.h"
#include "tests/testing/status_matchers.h"
#include "workflows/entries.h"
#include "workflows/validate.h"
#include "workflows/date.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

std::string SamplesDir() {
  return (fs::path(LIASSE_SOURCE_DIR) / ".." / "shared" / "samples").lexically_normal();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// RFC 4180: quoted fields may hold commas, quotes ("") and newlines.
std::vector<std::map<std::string, std::string>> ReadCsv(const std::string& path) {
  std::string text = ReadAll(path);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !rows.back().empty()) rows.back().push_back(field);
  std::vector<std::map<std::string, std::string>> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != rows[0].size()) continue;
    std::map<std::string, std::string> row;
    for (size_t k = 0; k < rows[0].size(); ++k) row[rows[0][k]] = rows[r][k];
    out.push_back(row);
  }
  return out;
}

std::string FoldSpace(absl::string_view s) {
  std::string out;
  for (absl::string_view part :
       absl::StrSplit(s, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
    if (!out.empty()) out += ' ';
    out.append(part.data(), part.size());
  }
  return out;
}

// "20180305" or "2018-03-05" → "2018-03-05".
std::string IsoDate(const std::string& s) {
  if (s.size() == 8) return absl::StrCat(s.substr(0, 4), "-", s.substr(4, 2), "-", s.substr(6, 2));
  return s;
}

// The expected amount (one of the ';'-separated values) equals ours to the
// cent; an empty expectation means no amount.
void ExpectAmount(const std::string& what, const std::string& expected,
                  const std::optional<Money>& actual) {
  if (expected.empty()) {
    EXPECT_FALSE(actual.has_value()) << what;
    return;
  }
  ASSERT_TRUE(actual.has_value()) << what << " missing, expected " << expected;
  bool matched = false;
  for (absl::string_view v : absl::StrSplit(expected, ';')) {
    absl::StatusOr<int64_t> cents = ParseScaledDecimal(v, 2);
    if (cents.ok() && *cents == actual->cents) matched = true;
  }
  EXPECT_TRUE(matched) << what << ": expected " << expected << ", got "
                       << FormatDecimal(*actual);
}

struct Sample {
  std::string folder;
  std::map<std::string, std::string> row;
};

std::vector<Sample> AllSamples() {
  std::vector<Sample> out;
  for (const char* folder : {"zugferd_corpus", "facturx_akretion", "en16931_official_xml"}) {
    std::string csv = SamplesDir() + "/" + folder + "/summary.csv";
    if (!fs::exists(csv)) continue;
    for (auto& row : ReadCsv(csv)) out.push_back({folder, row});
  }
  return out;
}

TEST(EInvoiceSamplesTest, EverySampleMatchesItsSummaryRow) {
  std::vector<Sample> samples = AllSamples();
  if (samples.empty()) GTEST_SKIP() << "no ../shared/samples here";
  int checked = 0;
  for (const Sample& s : samples) {
    std::string path = SamplesDir() + "/" + s.folder + "/files/" + s.row.at("file");
    SCOPED_TRACE(path);
    std::string bytes = ReadAll(path);
    ASSERT_FALSE(bytes.empty());
    OcrOptions options;
    absl::StatusOr<DocumentAnalysis> analysis = AnalyzeDocument(bytes, options);
    bool is_invoice = !s.row.at("invoice_number").empty();
    if (!s.row.at("error").empty() || !is_invoice) {
      // Not an invoice (an Order-X purchase order) or a broken one.
      if (analysis.ok()) {
        EXPECT_FALSE(analysis->einvoice.has_value());
      } else {
        EXPECT_EQ(GetReadErrorCode(analysis.status()), ReadErrorCode::kUnsupportedType)
            << analysis.status();
      }
      ++checked;
      continue;
    }
    ASSERT_OK(analysis);
    ASSERT_TRUE(analysis->einvoice.has_value()) << "no e-invoice found";
    const EInvoice& inv = *analysis->einvoice;
    const Fields& f = inv.fields;
    EXPECT_EQ(inv.syntax, s.row.at("syntax"));
    if (s.row.at("container") == "pdf") {
      EXPECT_EQ(analysis->einvoice_file, s.row.at("embedded_name"));
    }
    EXPECT_EQ(f.invoice_number, s.row.at("invoice_number"));
    EXPECT_EQ(f.type_code, s.row.at("type_code"));
    ASSERT_TRUE(f.issue_date.has_value());
    EXPECT_EQ(FormatIsoDate(*f.issue_date), IsoDate(s.row.at("issue_date")));
    EXPECT_EQ(FoldSpace(f.supplier_name), FoldSpace(s.row.at("seller_name")));
    EXPECT_EQ(f.supplier_vat, s.row.at("seller_vat"));
    EXPECT_EQ(f.currency, s.row.at("currency"));
    ExpectAmount("net", s.row.at("net_total"), f.total_excl_tax);
    ExpectAmount("tax", s.row.at("tax_total"), f.total_tax);
    ExpectAmount("grand total", s.row.at("grand_total"), f.total_incl_tax);
    ExpectAmount("due", s.row.at("due_payable"), f.amount_due);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(samples.size()));
  std::printf("e-invoice samples checked: %d\n", checked);
}

// The entry each sample e-invoice proposes (as a purchase: the samples name
// no client) is balanced, credits the supplier for the XML's total, and its
// VAT lines are the XML's tax per rate; those without one say why.
TEST(EInvoiceSamplesTest, EveryEntryIsBalancedWithTheXmlsVatPerRate) {
  std::vector<Sample> samples = AllSamples();
  if (samples.empty()) GTEST_SKIP() << "no ../shared/samples here";
  int entries = 0, review = 0, french_plan = 0;
  for (const Sample& s : samples) {
    if (!s.row.at("error").empty() || s.row.at("invoice_number").empty()) continue;
    std::string path = SamplesDir() + "/" + s.folder + "/files/" + s.row.at("file");
    SCOPED_TRACE(path);
    absl::StatusOr<DocumentAnalysis> analysis = AnalyzeDocument(ReadAll(path), OcrOptions());
    ASSERT_OK(analysis);
    ASSERT_TRUE(analysis->einvoice.has_value());
    EntryDocument doc;
    doc.id = 1;
    doc.fields = analysis->einvoice->fields;
    doc.type = EInvoiceDocType(doc.fields);
    doc.fields.direction = Direction::kPurchase;
    // The French plan leaves German 19 % and 7 % to a person (not
    // deductible in France); the property holds for any plan, so here
    // every rate of the sample has the one deductible account.
    ProposeEntry(doc, AccountPlan{}).entry ? ++french_plan : 0;
    AccountPlan plan;
    for (const TaxLine& t : doc.fields.tax_breakdown) plan.vat_deductible.emplace(t.rate, "44566");
    EntryProposal p = ProposeEntry(doc, plan);
    if (!p.entry) {
      EXPECT_FALSE(p.review.empty());
      std::printf("  for a person: %s: %s\n", s.row.at("file").c_str(),
                  p.review.empty() ? "" : p.review[0].c_str());
      ++review;
      continue;
    }
    ++entries;
    int64_t debit = 0, credit = 0;
    std::map<int64_t, int64_t> vat_by_rate;
    for (const EntryLine& l : p.entry->lines) {
      debit += l.debit.cents;
      credit += l.credit.cents;
      if (l.account == "44566" && l.vat_rate) {
        vat_by_rate[*l.vat_rate] += l.debit.cents - l.credit.cents;
      }
    }
    EXPECT_EQ(debit, credit);
    const Fields& f = doc.fields;
    bool credit_note = doc.type == DocType::kCreditNote || f.total_incl_tax->cents < 0;
    EXPECT_EQ(p.entry->lines[0].account, "401");
    EXPECT_EQ(credit_note ? p.entry->lines[0].debit : p.entry->lines[0].credit,
              Money{std::llabs(f.total_incl_tax->cents)});
    std::map<int64_t, int64_t> xml_by_rate;
    for (const TaxLine& t : f.tax_breakdown) {
      if (t.category == "AE" || t.category == "K" || t.amount.cents == 0) continue;
      xml_by_rate[t.rate] += (credit_note ? -1 : 1) * std::llabs(t.amount.cents);
    }
    EXPECT_EQ(vat_by_rate, xml_by_rate);
  }
  std::printf("sample e-invoices: %d entries, %d for a person (%d entries with the default "
              "French plan)\n", entries, review, french_plan);
  EXPECT_GT(entries, 0);
}

TEST(EInvoiceTest, ParsesCiiWithFrenchSirenAndBreakdown) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocument><ram:ID>FA-2026-042</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20261128</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>Boulangerie Martin</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">732829320</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">123/456/789</ram:ID></ram:SpecifiedTaxRegistration>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR44732829320</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Café du Port</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:ApplicableTradeTax><ram:CalculatedAmount>20.00</ram:CalculatedAmount><ram:BasisAmount>100.00</ram:BasisAmount><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:ApplicableTradeTax><ram:CalculatedAmount>1.10</ram:CalculatedAmount><ram:BasisAmount>20.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>5.5</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20261228</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>120.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="USD">25.00</ram:TaxTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">21.10</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>141.10</ram:GrandTotalAmount>
        <ram:DuePayableAmount>141.10</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>)";
  auto inv = ParseEInvoiceXml(xml);
  ASSERT_OK(inv);
  const Fields& f = inv->fields;
  EXPECT_EQ(f.supplier_vat, "FR44732829320");  // VA, never the FC number
  EXPECT_EQ(f.supplier_siren, "732829320");
  EXPECT_EQ(f.buyer_name, "Café du Port");
  EXPECT_EQ(f.total_tax, Money{2110});  // the invoice-currency amount
  EXPECT_EQ(FormatIsoDate(*f.due_date), "2026-12-28");
  ASSERT_EQ(f.tax_breakdown.size(), 2u);
  EXPECT_EQ(f.tax_breakdown[1].rate, 550);
  EXPECT_EQ(f.tax_breakdown[1].base, Money{2000});
  EXPECT_EQ(f.tax_breakdown[1].amount, Money{110});
  EXPECT_EQ(f.tax_breakdown[1].category, "S");  // BT-118
}

// The official EN 16931 example 2, in both syntaxes: an exempt line (E)
// with its reason beside a standard-rated one (S).
TEST(EInvoiceSamplesTest, VatCategoryAndExemptionReasonAreReadInBothSyntaxes) {
  const std::string dir = SamplesDir() + "/en16931_official_xml/files/";
  if (!fs::exists(dir)) GTEST_SKIP() << "no ../shared/samples here";
  for (const char* file : {"cii_examples/CII_example2.xml", "ubl_examples/ubl-tc434-example2.xml"}) {
    SCOPED_TRACE(file);
    auto inv = ParseEInvoiceXml(ReadAll(dir + file));
    ASSERT_TRUE(inv.ok()) << inv.status();
    const TaxLine* exempt = nullptr;
    int standard = 0;
    for (const TaxLine& t : inv->fields.tax_breakdown) {
      if (t.category == "E") exempt = &t;
      if (t.category == "S") ++standard;
    }
    ASSERT_NE(exempt, nullptr);
    EXPECT_EQ(exempt->rate, 0);
    EXPECT_EQ(exempt->exemption_reason, "Exempt New Means of Transport");
    EXPECT_GE(standard, 1);
  }
}

// BT-24 in each syntax: a BASIC WL Factur-X is flagged as incomplete (no
// invoice lines), an EN 16931 UBL invoice is not.
TEST(EInvoiceSamplesTest, TheProfileIsReadAndMinimumOrBasicWlIsFlagged) {
  const std::string root = SamplesDir();
  std::string basic_wl = root +
      "/zugferd_corpus/files/ZUGFeRDv2/correct/symtrax/Beispiele/BASIC WL/"
      "zugferd_2p1_BASIC-WL_Einfach.pdf";
  std::string ubl = root + "/facturx_akretion/files/xml/ubl-21-en16931.xml";
  if (!fs::exists(basic_wl) || !fs::exists(ubl)) GTEST_SKIP() << "no ../shared/samples here";
  absl::StatusOr<DocumentAnalysis> wl = AnalyzeDocument(ReadAll(basic_wl), OcrOptions());
  ASSERT_OK(wl);
  ASSERT_TRUE(wl->einvoice.has_value());
  EXPECT_EQ(wl->einvoice->profile, "urn:factur-x.eu:1p0:basicwl");
  std::optional<Check> flagged = EInvoiceProfileCheck(wl->einvoice->profile);
  ASSERT_TRUE(flagged.has_value());
  EXPECT_EQ(flagged->code, "einvoice_profile");
  EXPECT_FALSE(flagged->ok);
  EXPECT_EQ(flagged->severity, "warning");
  EXPECT_TRUE(absl::StrContains(flagged->message_en, "BASIC WL")) << flagged->message_en;

  absl::StatusOr<EInvoice> full = ParseEInvoiceXml(ReadAll(ubl));
  ASSERT_OK(full);
  EXPECT_TRUE(absl::StrContains(full->profile, "en16931")) << full->profile;
  std::optional<Check> fine = EInvoiceProfileCheck(full->profile);
  ASSERT_TRUE(fine.has_value());
  EXPECT_TRUE(fine->ok);
}

// The 2026 reform's mentions on a French UBL invoice between two French
// companies that states its nature (BT-23 S1, services); a copy without it
// is flagged; a CII whose delivery address and VAT point are edited in.
TEST(EInvoiceSamplesTest, TheReformsNatureOfOperationIsReadAndItsAbsenceFlagged) {
  std::string ubl = SamplesDir() + "/facturx_akretion/files/xml/ubl-21-en16931.xml";
  if (!fs::exists(ubl)) GTEST_SKIP() << "no ../shared/samples here";
  std::string xml = ReadAll(ubl);
  absl::StatusOr<EInvoice> inv = ParseEInvoiceXml(xml);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->billing_context, "S1");
  std::optional<Check> c = EInvoiceReformCheck(
      inv->fields, {inv->billing_context, inv->vat_point_code, inv->delivery_address});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->code, "einvoice_reform_mentions");
  EXPECT_TRUE(c->ok) << c->message_en;
  EXPECT_TRUE(absl::StartsWith(c->message_en, "Nature of the operation: services (S1)"))
      << c->message_en;

  std::string without = xml;
  size_t at = without.find("<cbc:ProfileID>S1</cbc:ProfileID>");
  ASSERT_NE(at, std::string::npos);
  without.erase(at, std::string("<cbc:ProfileID>S1</cbc:ProfileID>").size());
  absl::StatusOr<EInvoice> bare = ParseEInvoiceXml(without);
  ASSERT_OK(bare);
  EXPECT_EQ(bare->billing_context, "");
  c = EInvoiceReformCheck(bare->fields, {bare->billing_context, "", ""});
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->severity, "warning");
  EXPECT_TRUE(absl::StrContains(c->message_fr, "nature de l'opération")) << c->message_fr;
}

// FNFE's Factur-X of a sale from mainland France to La Réunion: exempt
// (category G, article 262 I), booked as an export, without a VAT line,
// for its total though part of it was paid before.
TEST(EInvoiceSamplesTest, ASaleToTheDomIsBookedAsAnExport) {
  std::string pdf = SamplesDir() +
                    "/zugferd_corpus/files/ZUGFeRDv2/fail/FNFE-factur-x-examples/Facture_DOM_BASIC.pdf";
  if (!fs::exists(pdf)) GTEST_SKIP() << "no ../shared/samples here";
  absl::StatusOr<DocumentAnalysis> a = AnalyzeDocument(ReadAll(pdf), OcrOptions());
  ASSERT_OK(a);
  ASSERT_TRUE(a->einvoice.has_value());
  EntryDocument d;
  d.id = 1;
  d.type = DocType::kInvoice;
  d.fields = a->einvoice->fields;
  d.fields.direction = Direction::kSale;
  AccountPlan plan;
  plan.revenue_by_vat_category = {{"G", "7069"}};
  EntryProposal p = ProposeEntry(d, plan);
  ASSERT_TRUE(p.entry.has_value());
  // 147.00 of it was paid before (BT-113): a person clears it.
  ASSERT_EQ(p.review.size(), 1u);
  EXPECT_TRUE(absl::StrContains(p.review[0], "147.00 already paid")) << p.review[0];
  ASSERT_EQ(p.entry->lines.size(), 2u);
  EXPECT_EQ(p.entry->lines[0].account, "411");
  EXPECT_EQ(p.entry->lines[0].debit, Money{53075});
  EXPECT_EQ(p.entry->lines[1].account, "7069");
  EXPECT_EQ(p.entry->lines[1].credit, Money{53075});
}

// The official NOK example with its VAT also stated in euros (BT-111, edited
// in): the entry is booked in euros at the invoice's own rate, each line
// keeping its amount in NOK.
TEST(EInvoiceSamplesTest, AForeignCurrencyInvoiceWithItsVatInEurosIsBookedInEuros) {
  std::string path = SamplesDir() + "/en16931_official_xml/files/cii_examples/CII_example2.xml";
  if (!fs::exists(path)) GTEST_SKIP() << "no ../shared/samples here";
  std::string xml = ReadAll(path);
  const std::string nok = R"(<ram:TaxTotalAmount currencyID="NOK">365.28</ram:TaxTotalAmount>)";
  size_t at = xml.find(nok);
  ASSERT_NE(at, std::string::npos);
  absl::StatusOr<EInvoice> as_is = ParseEInvoiceXml(xml);
  ASSERT_OK(as_is);
  EXPECT_FALSE(as_is->fields.total_tax_eur.has_value());
  xml.insert(at + nok.size(), R"(<ram:TaxTotalAmount currencyID="EUR">31.20</ram:TaxTotalAmount>)");
  absl::StatusOr<EInvoice> inv = ParseEInvoiceXml(xml);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->fields.currency, "NOK");
  EXPECT_EQ(inv->fields.total_tax, Money{36528});
  EXPECT_EQ(inv->fields.total_tax_eur, Money{3120});
  EntryDocument d;
  d.id = 1;
  d.type = DocType::kInvoice;
  d.fields = inv->fields;
  d.fields.direction = Direction::kPurchase;
  AccountPlan plan;
  plan.vat_deductible[2500] = "44566";  // Norway's 25 % and 15 %, mapped for the test
  plan.vat_deductible[1500] = "44566";
  EntryProposal p = ProposeEntry(d, plan);
  ASSERT_TRUE(p.entry.has_value()) << (p.review.empty() ? "" : p.review[0]);
  // 1801.78 NOK at 31.20 / 365.28 = 153.90 EUR.
  EXPECT_EQ(p.entry->lines[0].credit, Money{15390});
  EXPECT_EQ(p.entry->lines[0].foreign_amount, Money{180178});
  int64_t debit = 0, credit = 0;
  for (const EntryLine& l : p.entry->lines) {
    debit += l.debit.cents;
    credit += l.credit.cents;
    EXPECT_EQ(l.currency, "NOK");
  }
  EXPECT_EQ(debit, credit);
}

TEST(EInvoiceTest, TheDeliveryAddressAndVatPointOfACiiAreRead) {
  const std::string head = R"(<?xml version="1.0"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
<rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>M1</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
<rsm:ExchangedDocument><ram:ID>F-1</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
<ram:BuyerTradeParty><ram:Name>B</ram:Name><ram:PostalTradeAddress><ram:PostcodeCode>75002</ram:PostcodeCode><ram:LineOne>1 rue de la Paix</ram:LineOne><ram:CityName>Paris</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>
</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery><ram:ShipToTradeParty><ram:PostalTradeAddress>)";
  const std::string tail = R"(</ram:PostalTradeAddress></ram:ShipToTradeParty></ram:ApplicableHeaderTradeDelivery>
<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
<ram:ApplicableTradeTax><ram:CalculatedAmount>20.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:DueDateTypeCode>5</ram:DueDateTypeCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>
</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>)";
  absl::StatusOr<EInvoice> elsewhere = ParseEInvoiceXml(
      head + "<ram:LineOne>ZI des Alouettes</ram:LineOne><ram:PostcodeCode>59000</ram:PostcodeCode>"
             "<ram:CityName>Lille</ram:CityName><ram:CountryID>FR</ram:CountryID>" + tail);
  ASSERT_OK(elsewhere);
  EXPECT_EQ(elsewhere->billing_context, "M1");
  EXPECT_EQ(elsewhere->vat_point_code, "5");
  EXPECT_EQ(elsewhere->delivery_address, "ZI des Alouettes, 59000, Lille, FR");
  absl::StatusOr<EInvoice> same = ParseEInvoiceXml(
      head + "<ram:LineOne>1, rue de la Paix</ram:LineOne><ram:PostcodeCode>75002</ram:PostcodeCode>"
             "<ram:CityName>PARIS</ram:CityName><ram:CountryID>FR</ram:CountryID>" + tail);
  ASSERT_OK(same);
  EXPECT_EQ(same->delivery_address, "");  // the buyer's own address
}

TEST(EInvoiceTest, RefusesDtdsAndEntities) {
  auto inv = ParseEInvoiceXml(
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><Invoice>&a;</Invoice>");
  EXPECT_EQ(inv.status().code(), absl::StatusCode::kInvalidArgument);
  auto ext = ParseEInvoiceXml(
      "<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\"><Invoice/>");
  EXPECT_EQ(ext.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EInvoiceTest, RecognisesNonInvoiceXmlAndBrokenXml) {
  EXPECT_EQ(ParseEInvoiceXml("<Order><ID>1</ID></Order>").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ParseEInvoiceXml("<Invoice><ID>1</Invo").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string huge(kMaxEInvoiceXmlBytes + 1, ' ');
  EXPECT_EQ(ParseEInvoiceXml(huge).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace liasse
