// The extraction helper pool with real liasse-worker processes: documents
// read through it, pages spread over workers, and helpers that crash, hang
// or send garbage killed, reported with a typed error, and replaced.
#include "daemon/process/extractor.h"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <thread>
#include <filesystem>
#include <fstream>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/process/understand.h"
#include "ocr/read_error.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

std::string WorkerBinary() {
  return (fs::path(LIASSED_PATH).parent_path() / "liasse-worker").string();
}

std::unique_ptr<Extractor> StartPool(int workers, int timeout_s = 60,
                                     const std::string& binary = WorkerBinary()) {
  Extractor::Options options;
  options.workers = workers;
  options.ocr.timeout_s = timeout_s;
  options.worker_binary = binary;
  options.quiet = true;
  auto pool = Extractor::Start(options);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? std::move(*pool) : nullptr;
}

std::string Script(const testing::TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.Join(name);
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(ExtractorTest, ReadsTextPdfAndScanThroughWorkers) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("text.pdf"), testing::MakeTextPdf({testing::FrenchInvoiceLines()}));
  testing::WriteFile(dir.Join("scan.pdf"),
            testing::MakeScannedPdf({testing::FrenchInvoiceLines(), {"PAGE DEUX", "Total TTC 12,00 EUR"},
                                     {"PAGE TROIS", "Net a payer 99,00 EUR"}}));
  auto pool = StartPool(2);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->workers(), 2);
  auto text = pool->Extract(dir.Join("text.pdf"));
  ASSERT_OK(text);
  EXPECT_EQ(text->text.source, "text_layer");
  auto scan = pool->Extract(dir.Join("scan.pdf"));
  ASSERT_OK(scan);
  EXPECT_EQ(scan->text.source, "ocr");
  EXPECT_EQ(scan->text.pages, 3);
  ASSERT_EQ(scan->text.page_texts.size(), 3u);
  EXPECT_TRUE(absl::StrContains(scan->text.page_texts[1].text, "DEUX"));
  EXPECT_TRUE(absl::StrContains(scan->text.page_texts[2].text, "TROIS"));
  EXPECT_EQ(pool->restarts(), 0);
}

TEST(ExtractorTest, MissingFileIsNotFound) {
  auto pool = StartPool(1);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->Extract("/nonexistent/x.pdf").status().code(), absl::StatusCode::kNotFound);
}

TEST(ExtractorTest, CrashingHelperGivesCrashedAndIsReplaced) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("doc.pdf"), testing::MakeTextPdf({testing::FrenchInvoiceLines()}));
  // A helper that dies the moment it gets a job, as a segfault would.
  auto pool = StartPool(1, 30, Script(dir, "crash.sh", "read line <&3; kill -SEGV $$"));
  ASSERT_NE(pool, nullptr);
  auto first = pool->Extract(dir.Join("doc.pdf"));
  EXPECT_EQ(GetReadErrorCode(first.status()), ReadErrorCode::kCrashed) << first.status();
  EXPECT_TRUE(absl::StrContains(first.status().message(), "signal 11")) << first.status();
  auto second = pool->Extract(dir.Join("doc.pdf"));
  EXPECT_EQ(GetReadErrorCode(second.status()), ReadErrorCode::kCrashed);
  EXPECT_EQ(pool->restarts(), 2);  // a fresh helper each time
}

TEST(ExtractorTest, HangingHelperIsKilledAtTheDeadline) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("doc.pdf"), testing::MakeTextPdf({testing::FrenchInvoiceLines()}));
  auto pool = StartPool(1, 1, Script(dir, "hang.sh", "exec sleep 600"));
  ASSERT_NE(pool, nullptr);
  auto start = std::chrono::steady_clock::now();
  auto result = pool->Extract(dir.Join("doc.pdf"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(GetReadErrorCode(result.status()), ReadErrorCode::kTimeout) << result.status();
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_EQ(pool->restarts(), 1);
}

TEST(ExtractorTest, GarbageFromHelperIsCrashed) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("doc.pdf"), testing::MakeTextPdf({testing::FrenchInvoiceLines()}));
  auto pool = StartPool(1, 30, Script(dir, "garbage.sh", "read line <&3; echo 'not json' >&3; sleep 600"));
  ASSERT_NE(pool, nullptr);
  auto result = pool->Extract(dir.Join("doc.pdf"));
  EXPECT_EQ(GetReadErrorCode(result.status()), ReadErrorCode::kCrashed) << result.status();
}

// A scripted helper speaking the workers' line protocol on fd 3: "stuck*"
// never finishes its analysis, "long*" has 20 pages to OCR (0.3 s each),
// anything else one page (0.05 s).
constexpr char kScriptedHelper[] = R"py(
import json, os, socket, sys, time
sock = socket.socket(fileno=3)
reader = sock.makefile("r")
for line in reader:
    req = json.loads(line)
    name = os.path.basename(req["path"])
    if req["op"] == "analyze":
        if name.startswith("stuck"):
            time.sleep(600)
        pages = 20 if name.startswith("long") else 1
        reply = {"ok": True, "analysis": {"mime": "image/png", "kind": "image", "pages": pages,
                                          "ocr_pages": list(range(pages))}}
    else:
        time.sleep(0.3 if name.startswith("long") else 0.05)
        reply = {"ok": True, "page": {"index": req["page"], "source": "ocr",
                                      "text": "page %d of %s: FACTURE 2026-11 TOTAL TTC 120,00 EUR"
                                              % (req["page"], name),
                                      "words": 3, "dpi": 300, "confidence": 90}}
    sock.sendall((json.dumps(reply) + "\n").encode())
)py";

// One worker stuck on a hostile file and a 20-page scan queued: an invoice
// dropped after them is read while the scan is still going (head-of-line
// blocking was: the invoice waited for every page of the scan), and the scan
// still completes on the worker that is left.
TEST(ExtractorTest, AShortDocumentIsNotHeldUpByLongOnesOrAStuckOne) {
  testing::TempDir dir;
  std::string helper = dir.Join("helper.py");
  std::ofstream(helper) << kScriptedHelper;
  std::string launcher = Script(dir, "helper.sh", absl::StrCat("exec /usr/bin/python3 ", helper, " \"$@\""));
  for (const char* name : {"stuck.png", "long.png", "short.png"}) testing::WriteFile(dir.Join(name), "x");
  std::unique_ptr<Extractor> pool = StartPool(2, 30, launcher);
  ASSERT_NE(pool, nullptr);
  Extractor& extractor = *pool;
  // Whatever happens below, the stuck helper is killed before the futures
  // are waited for.
  auto cancel = absl::MakeCleanup([&] { extractor.Cancel(); });
  auto stuck = std::async(std::launch::async, [&] { return extractor.Extract(dir.Join("stuck.png")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the stuck one starts first
  auto long_doc = std::async(std::launch::async, [&] { return extractor.Extract(dir.Join("long.png")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // its pages are queued, the other is stuck
  absl::StatusOr<ExtractedDocument> short_doc = extractor.Extract(dir.Join("short.png"));
  EXPECT_OK(short_doc);
  if (short_doc.ok()) {
    EXPECT_TRUE(absl::StrContains(short_doc->text.text, "page 0 of short.png"));
  }
  EXPECT_EQ(long_doc.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the invoice waited for the whole scan";
  absl::StatusOr<ExtractedDocument> long_text = long_doc.get();  // and the scan still completes
  EXPECT_OK(long_text);
  if (long_text.ok()) {
    EXPECT_EQ(long_text->text.pages, 20);
  }
  extractor.Cancel();
  EXPECT_FALSE(stuck.get().ok());
}

TEST(ExtractorTest, MissingHelperBinaryFailsAtStart) {
  Extractor::Options options;
  options.worker_binary = "/nonexistent/liasse-worker";
  EXPECT_EQ(Extractor::Start(options).status().code(), absl::StatusCode::kFailedPrecondition);
}

// Every file of ../shared/samples/malformed gives a typed error, within its
// time limit, and the pool keeps working afterwards.
TEST(ExtractorTest, MalformedSamplesGiveTypedErrors) {
  fs::path samples = fs::path(LIASSE_SOURCE_DIR) / ".." / "shared" / "samples" / "malformed";
  if (!fs::exists(samples)) GTEST_SKIP() << "no ../shared/samples here";
  auto pool = StartPool(2, 20);
  ASSERT_NE(pool, nullptr);
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(samples)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().string());
    auto start = std::chrono::steady_clock::now();
    auto result = pool->Extract(entry.path().string());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(25));
    ASSERT_FALSE(result.ok()) << "read as " << result->text.source;
    EXPECT_TRUE(GetReadErrorCode(result.status()).has_value()) << result.status();
    std::printf("%-60s %s\n", entry.path().filename().c_str(),
                std::string(ReadErrorName(*GetReadErrorCode(result.status()))).c_str());
    ++checked;
  }
  EXPECT_GE(checked, 10);
  testing::TempDir dir;
  testing::WriteFile(dir.Join("ok.pdf"), testing::MakeTextPdf({testing::FrenchInvoiceLines()}));
  EXPECT_OK(pool->Extract(dir.Join("ok.pdf")));
}

TEST(ExtractorTest, RenderedFrenchTillTicketsAreReadAsReceipts) {
  // Real workers and Tesseract on rendered tickets (200 dpi, grey): typed
  // receipt, total and date exact, by the rules alone (no bank data, no
  // model).
  testing::TempDir dir;
  struct Ticket {
    std::vector<std::string> lines;
    int64_t total;
    int day;
  };
  const Ticket tickets[] = {{testing::SupermarketTicketLines(), 4520, 5},
                            {testing::BakeryCashTicketLines(), 1040, 7},
                            {testing::FuelTicketLines(), 6236, 6}};
  auto pool = StartPool(2);
  ASSERT_NE(pool, nullptr);
  for (size_t i = 0; i < std::size(tickets); ++i) {
    std::string path = dir.Join(absl::StrCat("ticket", i, ".png"));
    testing::WriteFile(path, testing::MakePng(tickets[i].lines, 200));
    auto doc = pool->Extract(path);
    ASSERT_OK(doc);
    Understanding u = Understand(*doc, UnderstandOptions(), 1'796'000'000);
    EXPECT_EQ(u.doc_type, DocType::kReceipt) << doc->text.text;
    EXPECT_TRUE(u.sure) << doc->text.text;
    EXPECT_FALSE(u.llm_needed) << doc->text.text;
    EXPECT_EQ(u.fields.total_incl_tax, Money{tickets[i].total}) << doc->text.text;
    EXPECT_EQ(u.fields.issue_date,
              std::chrono::year_month_day(std::chrono::year{2026}, std::chrono::November,
                                          std::chrono::day{static_cast<unsigned>(tickets[i].day)}))
        << doc->text.text;
  }
}

TEST(ExtractorTest, APagePreviewForVisionModelsComesBackFromTheWorkerWhenAsked) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("photo.png"), testing::MakePng(testing::BakeryCashTicketLines(), 200));
  for (int preview_px : {0, 600}) {
    Extractor::Options options;
    options.workers = 1;
    options.worker_binary = WorkerBinary();
    options.quiet = true;
    options.ocr.preview_px = preview_px;
    auto pool = Extractor::Start(options);
    ASSERT_OK(pool);
    auto doc = (*pool)->Extract(dir.Join("photo.png"));
    ASSERT_OK(doc);
    ASSERT_EQ(doc->text.page_texts.size(), 1u);
    const std::string& jpeg = doc->text.page_texts[0].preview_jpeg;
    if (preview_px == 0) {
      EXPECT_TRUE(jpeg.empty());
      continue;
    }
    ASSERT_GT(jpeg.size(), 2u);
    EXPECT_EQ(jpeg.substr(0, 2), "\xff\xd8");  // a JPEG
    EXPECT_LE(jpeg.size(), kMaxPreviewBytes);
    Pix* pix = pixReadMem(reinterpret_cast<const l_uint8*>(jpeg.data()), jpeg.size());
    ASSERT_NE(pix, nullptr);
    EXPECT_EQ(std::max(pixGetWidth(pix), pixGetHeight(pix)), preview_px);
    pixDestroy(&pix);
  }
}

TEST(ExtractorTest, WordsTesseractWasUnsureOfComeBackFromTheWorkerWithTheText) {
  // Clear words, then strings no language model knows: those are guesses.
  testing::TempDir dir;
  testing::WriteFile(dir.Join("photo.png"),
                     testing::MakePng({"BOULANGERIE DU MARCHE", "Baguette 1,20",
                                       "lIl1|Il1 0O0oO8 rnrnm", "vvVvwW xXkK 5S5sS",
                                       "TOTAL 1,20"},
                                      200));
  Extractor::Options options;
  options.workers = 1;
  options.worker_binary = WorkerBinary();
  options.quiet = true;
  auto pool = Extractor::Start(options);
  ASSERT_OK(pool);
  auto doc = (*pool)->Extract(dir.Join("photo.png"));
  ASSERT_OK(doc);
  ASSERT_EQ(doc->text.page_texts.size(), 1u);
  const PageText& page = doc->text.page_texts[0];
  ASSERT_FALSE(page.unsure_words.empty()) << page.text;
  EXPECT_LT(page.unsure_words.size(), static_cast<size_t>(page.words));
  for (const OcrWord& w : page.unsure_words) {
    EXPECT_LT(w.confidence, kUnsureWordConfidence) << w.text;
    EXPECT_GE(w.confidence, 0.0) << w.text;
    EXPECT_FALSE(w.text.empty());
  }
}

}  // namespace
}  // namespace liasse
