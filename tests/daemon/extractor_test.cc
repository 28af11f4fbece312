// The extraction helper pool with real liasse-worker processes: documents
// read through it, pages spread over workers, and helpers that crash, hang
// or send garbage killed, reported with a typed error, and replaced.
#include "daemon/extractor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ocr/read_error.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;
using ::liasse::testing::FrenchInvoiceLines;
using ::liasse::testing::TempDir;
using ::liasse::testing::WriteFile;

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

std::string Script(const TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.Join(name);
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(ExtractorTest, ReadsTextPdfAndScanThroughWorkers) {
  TempDir dir;
  WriteFile(dir.Join("text.pdf"), testing::MakeTextPdf({FrenchInvoiceLines()}));
  WriteFile(dir.Join("scan.pdf"),
            testing::MakeScannedPdf({FrenchInvoiceLines(), {"PAGE DEUX", "Total TTC 12,00 EUR"},
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
  TempDir dir;
  WriteFile(dir.Join("doc.pdf"), testing::MakeTextPdf({FrenchInvoiceLines()}));
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
  TempDir dir;
  WriteFile(dir.Join("doc.pdf"), testing::MakeTextPdf({FrenchInvoiceLines()}));
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
  TempDir dir;
  WriteFile(dir.Join("doc.pdf"), testing::MakeTextPdf({FrenchInvoiceLines()}));
  auto pool = StartPool(1, 30, Script(dir, "garbage.sh", "read line <&3; echo 'not json' >&3; sleep 600"));
  ASSERT_NE(pool, nullptr);
  auto result = pool->Extract(dir.Join("doc.pdf"));
  EXPECT_EQ(GetReadErrorCode(result.status()), ReadErrorCode::kCrashed) << result.status();
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
  TempDir dir;
  WriteFile(dir.Join("ok.pdf"), testing::MakeTextPdf({FrenchInvoiceLines()}));
  EXPECT_OK(pool->Extract(dir.Join("ok.pdf")));
}

}  // namespace
}  // namespace liasse
