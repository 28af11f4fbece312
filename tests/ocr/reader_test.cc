// Reading generated documents in-process with the real Poppler, Leptonica
// and Tesseract. Assertions fold whitespace: French and English models space
// words differently.
#include "ocr/reader.h"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include <chrono>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/process/rules_reading_scorer.h"
#include "ocr/ocr_engine.h"
#include "ocr/pix_ptr.h"
#include "ocr/read_error.h"
#include "ocr/text_quality.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

// The rules, as the extraction helper gives them to OCR.
const RulesReadingScorer rules;

using ::liasse::testing::FrenchInvoiceLines;
using ::liasse::testing::MakePng;
using ::liasse::testing::MakeScannedPdf;
using ::liasse::testing::MakeTextPdf;
using ::liasse::testing::TempDir;

// Lower-case, no whitespace at all: "Total TTC" and "TOTALTTC" compare equal.
std::string Squash(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

void ExpectContains(absl::string_view text, absl::string_view wanted) {
  EXPECT_TRUE(absl::StrContains(Squash(text), Squash(wanted)))
      << "\"" << wanted << "\" not in:\n" << text;
}

OcrEngine* Engine() {
  static OcrEngine* engine = [] {
    auto e = NewTesseractEngine({"fra", "eng"});
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? e->release() : nullptr;
  }();
  return engine;
}

TEST(TextQualityTest, JudgesLayers) {
  EXPECT_TRUE(JudgeTextLayer("FACTURE N° 42 Total TTC 1 481,47 € Boulangerie Martin", false).usable);
  EXPECT_FALSE(JudgeTextLayer("Page 1", false).usable);
  EXPECT_FALSE(JudgeTextLayer(std::string(60, '\x01'), false).usable);
  std::string unmapped;
  for (int i = 0; i < 40; ++i) unmapped += "\xEF\xBF\xBD";  // U+FFFD
  unmapped += " Total 12";
  EXPECT_FALSE(JudgeTextLayer(unmapped, false).usable);
  EXPECT_FALSE(JudgeTextLayer(".;:,.-.;:/.,;:.-..,;:.--.,;::.,.;-,.:;.-", false).usable);
  // A thin layer over a scanned page is not trusted.
  EXPECT_FALSE(JudgeTextLayer("Scanned by ACME Scan Pro 3000 - page 1", true).usable);
  EXPECT_TRUE(JudgeTextLayer("Scanned by ACME Scan Pro 3000 - page 1", false).usable);
}

TEST(TextQualityTest, TidiesWhitespaceButKeepsLines) {
  EXPECT_EQ(TidyText("\n\n  Total   HT \t 12,00  \n\n\n\nTVA 2,40\n\n"),
            "Total HT 12,00\n\nTVA 2,40");
}

TEST(ReaderTest, TextLayerPdfIsReadWithoutOcr) {
  std::string pdf = MakeTextPdf({FrenchInvoiceLines()});
  auto analysis = AnalyzeDocument(pdf, OcrOptions());
  ASSERT_OK(analysis);
  EXPECT_EQ(analysis->mime, "application/pdf");
  EXPECT_EQ(analysis->pages, 1);
  EXPECT_TRUE(analysis->ocr_pages.empty());
  auto text = AssembleDocument(*analysis, {});
  ASSERT_OK(text);
  EXPECT_EQ(text->source, "text_layer");
  EXPECT_FALSE(text->ocr_confidence.has_value());
  ExpectContains(text->text, "Échéance : 28/12/2026");
  ExpectContains(text->text, "Total TTC 1 481,47 €");
  // Reading order: the HT line comes before the TTC line.
  EXPECT_LT(text->text.find("Total HT"), text->text.find("Total TTC"));
}

TEST(ReaderTest, ScannedPdfIsOcrdWithConfidence) {
  ASSERT_NE(Engine(), nullptr);
  std::string pdf = MakeScannedPdf({FrenchInvoiceLines()});
  auto analysis = AnalyzeDocument(pdf, OcrOptions());
  ASSERT_OK(analysis);
  ASSERT_EQ(analysis->ocr_pages, std::vector<int>{0});
  EXPECT_TRUE(analysis->text_pages.empty());
  auto page = OcrDocumentPage(pdf, analysis->kind, 0, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  auto text = AssembleDocument(*analysis, {*page});
  ASSERT_OK(text);
  EXPECT_EQ(text->source, "ocr");
  ASSERT_TRUE(text->ocr_confidence.has_value());
  EXPECT_GT(*text->ocr_confidence, 0.7);
  EXPECT_LE(*text->ocr_confidence, 1.0);
  ExpectContains(text->text, "FACTURE");
  ExpectContains(text->text, "Boulangerie Martin");
  ExpectContains(text->text, "1 481,47");
  ExpectContains(text->text, "Échéance");
}

TEST(ReaderTest, PngWithoutResolutionIsRead) {
  ASSERT_NE(Engine(), nullptr);
  std::string png = MakePng(FrenchInvoiceLines(), 300);
  auto analysis = AnalyzeDocument(png, OcrOptions());
  ASSERT_OK(analysis);
  EXPECT_EQ(analysis->mime, "image/png");
  ASSERT_EQ(analysis->ocr_pages, std::vector<int>{0});
  auto page = OcrDocumentPage(png, analysis->kind, 0, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  ExpectContains(page->text, "Total HT 1 234,56");
  EXPECT_EQ(page->dpi, 300);
}

TEST(ReaderTest, UpsideDownPageIsTurnedUpright) {
  ASSERT_NE(Engine(), nullptr);
  std::string pdf = MakeScannedPdf({FrenchInvoiceLines()}, 300, 180);
  auto analysis = AnalyzeDocument(pdf, OcrOptions());
  ASSERT_OK(analysis);
  auto page = OcrDocumentPage(pdf, analysis->kind, 0, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  EXPECT_EQ(page->rotated_degrees, 180);
  ExpectContains(page->text, "Boulangerie Martin");
  ExpectContains(page->text, "Total TTC");
}

TEST(ReaderTest, SidewaysPhotoIsTurnedUpright) {
  ASSERT_NE(Engine(), nullptr);
  std::string png = MakePng(FrenchInvoiceLines(), 300, 90);
  auto analysis = AnalyzeDocument(png, OcrOptions());
  ASSERT_OK(analysis);
  auto page = OcrDocumentPage(png, analysis->kind, 0, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  // Tesseract's layout analysis reads vertical lines by itself; when it does
  // not, the page is turned by a quarter.
  EXPECT_TRUE(page->rotated_degrees == 0 || page->rotated_degrees == 90 ||
              page->rotated_degrees == 270);
  ExpectContains(page->text, "Boulangerie Martin");
  ExpectContains(page->text, "Total TTC 1 481,47");
}

TEST(ReaderTest, MixedPdfReportsMixedSource) {
  ASSERT_NE(Engine(), nullptr);
  std::string pdf = testing::MakeMixedPdf(FrenchInvoiceLines(),
                                          {"RELEVE DE COMPTE", "Solde au 30/11/2026 : 4 210,00 EUR",
                                           "Carte CARREFOUR LYON 45,20"});
  auto analysis = AnalyzeDocument(pdf, OcrOptions());
  ASSERT_OK(analysis);
  EXPECT_EQ(analysis->pages, 2);
  EXPECT_EQ(analysis->ocr_pages, std::vector<int>{1});
  auto page = OcrDocumentPage(pdf, analysis->kind, 1, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  auto text = AssembleDocument(*analysis, {*page});
  ASSERT_OK(text);
  EXPECT_EQ(text->source, "mixed");
  ExpectContains(text->text, "Solde au 30/11/2026");
  EXPECT_LT(text->text.find("FACTURE"), text->text.find("RELEVE"));
}

TEST(ReaderTest, MultiPageTiffPagesAreCounted) {
  TempDir dir;
  Pixa* pixa = pixaCreate(2);
  for (const char* title : {"PAGE UNE", "PAGE DEUX"}) {
    std::string png = MakePng({title, "Total TTC 12,00 EUR"}, 150);
    Pix* pix = pixReadMem(reinterpret_cast<const l_uint8*>(png.data()), png.size());
    Pix* grey = pixConvertTo8(pix, 0);
    pixaAddPix(pixa, grey, L_INSERT);
    pixDestroy(&pix);
  }
  std::string path = dir.Join("two.tif");
  for (int i = 0; i < 2; ++i) {
    Pix* p = pixaGetPix(pixa, i, L_CLONE);
    pixWriteTiff(path.c_str(), p, IFF_TIFF_ZIP, i == 0 ? "w" : "a");
    pixDestroy(&p);
  }
  pixaDestroy(&pixa);
  auto analysis = AnalyzeDocument(testing::ReadFile(path), OcrOptions());
  ASSERT_OK(analysis);
  EXPECT_EQ(analysis->mime, "image/tiff");
  EXPECT_EQ(analysis->pages, 2);
  EXPECT_EQ(analysis->ocr_pages, (std::vector<int>{0, 1}));
}

TEST(ReaderTest, TypedErrorsForBadInput) {
  OcrOptions options;
  EXPECT_EQ(GetReadErrorCode(AnalyzeDocument("", options).status()), ReadErrorCode::kCorrupt);
  EXPECT_EQ(GetReadErrorCode(AnalyzeDocument("PK\x03\x04 zip archive here", options).status()),
            ReadErrorCode::kUnsupportedType);
  EXPECT_EQ(GetReadErrorCode(AnalyzeDocument("%PDF-1.7\n garbage", options).status()),
            ReadErrorCode::kCorrupt);
  std::string pdf = MakeTextPdf({FrenchInvoiceLines()});
  EXPECT_EQ(GetReadErrorCode(AnalyzeDocument(pdf.substr(0, pdf.size() / 3), options).status()),
            ReadErrorCode::kCorrupt);
  options.max_pages = 1;
  EXPECT_EQ(GetReadErrorCode(AnalyzeDocument(MakeTextPdf({{"a"}, {"b"}}), options).status()),
            ReadErrorCode::kTooManyPages);
  options.max_file_mb = 1;
  EXPECT_EQ(GetReadErrorCode(
                AnalyzeDocument(std::string(2 * 1024 * 1024, 'x'), options).status()),
            ReadErrorCode::kTooLarge);
}

TEST(ReaderTest, EncryptedPdfNeedsPasswordOwnerOnlyIsRead) {
  TempDir dir;
  testing::WriteFile(dir.Join("plain.pdf"), MakeTextPdf({FrenchInvoiceLines()}));
  std::string user = absl::StrCat("qpdf --encrypt secret owner 256 -- ", dir.Join("plain.pdf"),
                                  " ", dir.Join("user.pdf"));
  std::string owner = absl::StrCat("qpdf --encrypt '' owner 256 -- ", dir.Join("plain.pdf"),
                                   " ", dir.Join("owner.pdf"));
  ASSERT_EQ(std::system(user.c_str()), 0);
  ASSERT_EQ(std::system(owner.c_str()), 0);
  auto locked = AnalyzeDocument(testing::ReadFile(dir.Join("user.pdf")), OcrOptions());
  EXPECT_EQ(GetReadErrorCode(locked.status()), ReadErrorCode::kEncrypted) << locked.status();
  auto open = AnalyzeDocument(testing::ReadFile(dir.Join("owner.pdf")), OcrOptions());
  ASSERT_OK(open);
  EXPECT_EQ(open->text_pages.size(), 1u);
}

// A PNG whose header claims 100000 x 100000 pixels: refused before decoding.
TEST(ReaderTest, DecompressionBombIsRefusedFromTheHeader) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string ihdr = "IHDR" + be32(100000) + be32(100000) + std::string("\x08\x00\x00\x00\x00", 5);
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : ihdr) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(crc);
  png += be32(0) + "IEND" + be32(0xAE426082);
  auto analysis = AnalyzeDocument(png, OcrOptions());
  EXPECT_EQ(GetReadErrorCode(analysis.status()), ReadErrorCode::kImageTooLarge)
      << analysis.status();
}

TEST(ReaderTest, BlankScanHasNoText) {
  ASSERT_NE(Engine(), nullptr);
  std::string png = MakePng({}, 150);
  auto analysis = AnalyzeDocument(png, OcrOptions());
  ASSERT_OK(analysis);
  auto page = OcrDocumentPage(png, analysis->kind, 0, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  auto text = AssembleDocument(*analysis, {*page});
  EXPECT_EQ(GetReadErrorCode(text.status()), ReadErrorCode::kNoText);
}

TEST(BlankPageTest, APageOfPaperAndSensorNoiseIsNotRead) {
  ASSERT_NE(Engine(), nullptr);
  std::srand(7);
  PixPtr paper(pixCreate(1654, 2339, 8));
  pixSetAllArbitrary(paper.get(), 245);
  PixPtr noisy(pixAddGaussianNoise(paper.get(), 6.0f));
  pixSetResolution(noisy.get(), 200, 200);
  auto text = Engine()->Recognize(noisy.get());
  ASSERT_OK(text);
  EXPECT_TRUE(text->blank);
  EXPECT_EQ(text->words, 0);
  EXPECT_EQ(text->text, "");
}

TEST(BlankPageTest, AFooterAloneOrADarkBackgroundIsNotBlank) {
  ASSERT_NE(Engine(), nullptr);
  std::string png = MakePng({"Seite 3 von 3"}, 200);
  PixPtr footer(pixReadMem(reinterpret_cast<const l_uint8*>(png.data()), png.size()));
  ASSERT_TRUE(footer);
  auto text = Engine()->Recognize(footer.get());
  ASSERT_OK(text);
  EXPECT_FALSE(text->blank);
  ExpectContains(text->text, "Seite 3 von 3");
  // A receipt photographed on a dark table: the median is the table.
  PixPtr table(pixCreate(800, 1200, 8));
  pixSetAllArbitrary(table.get(), 90);
  auto dark = Engine()->Recognize(table.get());
  ASSERT_OK(dark);
  EXPECT_FALSE(dark->blank);
}

// Debian's Tesseract is built with OpenMP; in-process OCR must not be much
// slower than the bare CLI (which the benchmark compares precisely).
TEST(OpenMpTrapTest, InProcessOcrIsNotSlowerThanTesseractCli) {
  ASSERT_NE(Engine(), nullptr);
  TempDir dir;
  std::string png = MakePng(FrenchInvoiceLines(), 300);
  testing::WriteFile(dir.Join("page.png"), png);
  Pix* pix = pixReadMem(reinterpret_cast<const l_uint8*>(png.data()), png.size());
  pixSetResolution(pix, 300, 300);
  (void)Engine()->Recognize(pix);  // warm caches
  auto t0 = std::chrono::steady_clock::now();
  auto text = Engine()->Recognize(pix);
  auto in_process = std::chrono::steady_clock::now() - t0;
  pixDestroy(&pix);
  ASSERT_OK(text);
  std::string cmd = absl::StrCat("OMP_THREAD_LIMIT=1 tesseract ", dir.Join("page.png"),
                                 " ", dir.Join("out"), " -l fra+eng --psm 1 --dpi 300 >/dev/null 2>&1");
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto cli = std::chrono::steady_clock::now() - t1;
  double ratio = std::chrono::duration<double>(in_process).count() /
                 std::chrono::duration<double>(cli).count();
  std::printf("in-process %.2f s, tesseract CLI %.2f s, ratio %.2f\n",
              std::chrono::duration<double>(in_process).count(),
              std::chrono::duration<double>(cli).count(), ratio);
  EXPECT_LT(ratio, 3.0);
}

}  // namespace
}  // namespace liasse

namespace liasse {
namespace {

// Answers fixed texts: the block reading, the one-column reading, the
// one-column reading with the lighting evened and the one thresholded tile
// by tile.
class ScriptedEngine final : public OcrEngine {
 public:
  ScriptedEngine(std::string blocks, std::string column, std::string even = "",
                 std::string local = "")
      : blocks_(std::move(blocks)),
        column_(std::move(column)),
        even_(std::move(even)),
        local_(std::move(local)) {}
  absl::StatusOr<OcrText> Recognize(Pix*) override { return Text(blocks_); }
  absl::StatusOr<OcrText> RecognizeColumn(Pix*) override {
    ++column_calls;
    return Text(column_);
  }
  absl::StatusOr<OcrText> RecognizeColumnEvenLighting(Pix*) override {
    ++even_calls;
    return Text(even_);
  }
  absl::StatusOr<OcrText> RecognizeColumnLocalThreshold(Pix*) override {
    ++local_calls;
    return Text(local_);
  }
  int column_calls = 0;
  int even_calls = 0;
  int local_calls = 0;

 private:
  static OcrText Text(const std::string& t) {
    OcrText out;
    out.text = t;
    out.confidence = 0.8;
    out.words = t.empty() ? 0 : 20;  // a page read, or nothing
    out.dpi = 300;
    return out;
  }
  std::string blocks_, column_, even_, local_;
};

TEST(ReceiptSecondReadingTest, APhotoWithoutAConfirmedTotalIsReadAgainAsOneColumn) {
  std::string png = testing::MakePng({"TICKET"}, 150);
  // Block detection separated the amounts from their labels.
  ScriptedEngine engine("KEDAI RUNCIT\nTOTAL\nCASH\nCHANGE\n12/10/2026\n35.80\n50.00\n14.20\n",
                        "KEDAI RUNCIT\nTOTAL 35.80\nCASH 50.00\nCHANGE 14.20\n12/10/2026\n");
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, &rules);
  ASSERT_OK(page);
  EXPECT_EQ(engine.column_calls, 1);
  EXPECT_EQ(engine.even_calls, 0);  // confirmed by the second reading
  EXPECT_TRUE(absl::StrContains(page->text, "TOTAL 35.80")) << page->text;
  // A reading whose total is confirmed is kept without a second pass.
  ScriptedEngine sure("BOULANGERIE\nTotal HT 10,00\nTVA 5,5 % 0,55\nTotal TTC 10,55\n12/10/2026\n",
                      "unused");
  ASSERT_OK(OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &sure, &rules));
  EXPECT_EQ(sure.column_calls, 0);
  // An A4 page that reads as an invoice is not a till receipt: read once.
  ScriptedEngine a4("ACME SARL\nFACTURE N° 12\nTotal 45,00\n", "unused");
  ASSERT_OK(OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &a4, &rules));
  EXPECT_EQ(a4.column_calls, 0);
}

TEST(ReceiptSecondReadingTest, WithoutAScorerAPhotoIsReadOnce) {
  std::string png = testing::MakePng({"TICKET"}, 150);
  ScriptedEngine engine("KEDAI RUNCIT\nTOTAL\nCASH\n35.80\n", "KEDAI RUNCIT\nTOTAL 35.80\n");
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, nullptr);
  ASSERT_OK(page);
  EXPECT_EQ(engine.column_calls, 0);
  EXPECT_EQ(engine.even_calls, 0);
}

TEST(ReceiptSecondReadingTest, AShadowedPhotoIsReadAThirdTimeWithEvenLighting) {
  std::string png = testing::MakePng({"TICKET"}, 150);
  // The shadow hid the sum from both plain readings; evened, the card slip
  // and the VAT summary agree.
  ScriptedEngine engine("Marktkauf\nSALATBAR 2,24 B\nSUMME EUR\n",
                        "Marktkauf\nSALATBAR 2,24 B\nSUMME EUR\nMastercard EUR 6,20\n",
                        "Marktkauf\nSALATBAR 2,24 B\nSUMME EUR 36,20\nMastercard EUR 36,20\n"
                        "04.05.20 09:52\n");
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, &rules);
  ASSERT_OK(page);
  EXPECT_EQ(engine.column_calls, 1);
  EXPECT_EQ(engine.even_calls, 1);
  EXPECT_TRUE(absl::StrContains(page->text, "SUMME EUR 36,20")) << page->text;
  // When the evened reading is no better, the earlier one stays.
  ScriptedEngine worse("Marktkauf\nSUMME EUR\n", "Marktkauf\nSUMME EUR 6,20\n04.05.20\n",
                       "M\n");
  auto kept = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &worse, &rules);
  ASSERT_OK(kept);
  EXPECT_EQ(worse.even_calls, 1);
  EXPECT_TRUE(absl::StrContains(kept->text, "SUMME EUR 6,20")) << kept->text;
}

TEST(ReceiptSecondReadingTest, APhotoReadAsNothingIsReadWithAThresholdPerTile) {
  std::string png = testing::MakePng({"TICKET"}, 150);
  // Faint print beside a dark table: one threshold for the page saw no text.
  ScriptedEngine engine("", "", "", "KEDAI RUNCIT\nTOTAL 35.80\nCASH 50.00\nCHANGE 14.20\n");
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, &rules);
  ASSERT_OK(page);
  EXPECT_EQ(engine.local_calls, 1);
  EXPECT_TRUE(absl::StrContains(page->text, "TOTAL 35.80")) << page->text;
}

TEST(ReceiptSecondReadingTest, FaintPrintBesideADarkTableIsRead) {
  ASSERT_NE(Engine(), nullptr);
  std::string png = testing::MakeFaintReceiptOnTablePng(
      {"KEDAI RUNCIT", "TOTAL 35.80", "CASH 50.00", "CHANGE 14.20", "12/10/2026"});
  // One threshold for the whole image falls between the table and the
  // paper: the grey print is paper to it; a threshold per tile reads it.
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), Engine(), &rules);
  ASSERT_OK(page);
  ExpectContains(page->text, "TOTAL 35.80");
  ExpectContains(page->text, "CHANGE 14.20");
}

TEST(ReceiptSecondReadingTest, ATallPhotoReadAsNothingKnownIsReadAgainAsOneColumn) {
  // Till-roll proportions; the first reading gave no document type at all.
  std::string png = testing::MakeFaintReceiptOnTablePng({"TICKET"});
  ScriptedEngine engine("", "KEDAI RUNCIT\nTOTAL 35.80\nCASH 50.00\nCHANGE 14.20\n12/10/2026\n");
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, &rules);
  ASSERT_OK(page);
  EXPECT_EQ(engine.column_calls, 1);
  EXPECT_TRUE(absl::StrContains(page->text, "TOTAL 35.80")) << page->text;
}

TEST(ReceiptSecondReadingTest, WithFiguresNoSurerTheReadingThatReadMoreWins) {
  std::string png = testing::MakePng({"TICKET"}, 150);
  // Neither reading has a figure to go by: the one with words beats none.
  ScriptedEngine engine("", "", "", "Kedai Uhat Dan Runcit CHONG HWA\nJalan Perdana 5, Kepong\n");
  auto page = OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, &rules);
  ASSERT_OK(page);
  EXPECT_TRUE(absl::StrContains(page->text, "CHONG HWA")) << page->text;
}

TEST(ReceiptSecondReadingTest, APhotoReadFluentlyIsNotThresholdedPerTile) {
  std::string png = testing::MakePng({"TICKET"}, 150);
  ScriptedEngine engine("KEDAI RUNCIT\nTOTAL\nCASH\n35.80\n", "KEDAI RUNCIT\nTOTAL 35.80\n",
                        "", "unused");
  ASSERT_OK(OcrDocumentPage(png, DocumentKind::kImage, 0, OcrOptions(), &engine, &rules));
  EXPECT_EQ(engine.local_calls, 0);
}

}  // namespace
}  // namespace liasse
