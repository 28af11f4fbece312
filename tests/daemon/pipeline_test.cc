// The pipeline on its own: a real SQLite store and archive, a fake extractor
// that answers with prepared readings, a fake host, and time advanced by a
// fake clock (never slept).
#include "daemon/process/pipeline.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>

#include "daemon/process/intake.h"
#include "ocr/read_error.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_pipeline_host.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace liasse {
namespace {

// Answers each Extract with the next prepared reading (or error).
class FakeExtractor : public Extractor {
 public:
  absl::StatusOr<ExtractedDocument> Extract(const std::string&) override {
    ++calls;
    if (answers.empty()) return absl::InternalError("no prepared reading");
    absl::StatusOr<ExtractedDocument> next = answers.front();
    answers.pop_front();
    return next;
  }
  void Cancel() override {}
  int workers() const override { return 1; }
  int restarts() const override { return 0; }

  // A one-page text-layer reading of `text`.
  static ExtractedDocument Text(const std::string& text) {
    ExtractedDocument d;
    d.analysis.mime = "application/pdf";
    d.analysis.pages = 1;
    d.text.source = "text_layer";
    d.text.pages = 1;
    d.text.text = text;
    return d;
  }

  std::deque<absl::StatusOr<ExtractedDocument>> answers;
  int calls = 0;
};

constexpr char kInvoice[] =
    "FACTURE N° FA-2026-118\n"
    "Boulangerie Martin SARL, 69002 Lyon\n"
    "SIREN 732 829 320 - TVA FR44732829320\n"
    "Date : 28/11/2026\n"
    "Total HT 1 234,56 €\n"
    "TVA 20 % 246,91 €\n"
    "Total TTC 1 481,47 €\n";

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("archive"));
    store_ = testing::OpenTestStore(dir_.path(), &clock_, {testing::TestClient("acme")});
    ASSERT_NE(store_, nullptr);
    archive_ = std::make_unique<Archive>(dir_.Join("archive"));
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(), 1 << 20, [] {});
    Pipeline::Options options;
    options.workers = 1;
    options.max_attempts = 3;
    options.first_backoff = absl::Seconds(10);
    pipeline_ = std::make_unique<Pipeline>(store_.get(), archive_.get(), &extractor_, &clock_,
                                           &host_, options);
  }

  int64_t Ingest(const std::string& bytes) {
    absl::StatusOr<IntakeResult> r = intake_->IngestBytes("acme", "upload", "f.pdf", bytes);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->document_id : 0;
  }

  DocumentRecord Doc(int64_t id) { return store_->GetDocument(id).value_or(DocumentRecord()); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Intake> intake_;
  FakeExtractor extractor_;
  FakePipelineHost host_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, AnInvoiceTheRulesAreSureOfIsDoneAndFiled) {
  extractor_.answers.push_back(FakeExtractor::Text(kInvoice));
  int64_t id = Ingest("%PDF-1.4 invoice");
  pipeline_->RunUntilIdle();
  DocumentRecord d = Doc(id);
  EXPECT_EQ(d.status, DocumentStatus::kDone) << d.status_reason;
  EXPECT_EQ(d.doc_type, DocType::kInvoice);
  ASSERT_TRUE(d.fields && d.fields->total_incl_tax);
  EXPECT_EQ(*d.fields->total_incl_tax, Money{148147});
  ASSERT_EQ(host_.concluded.size(), 1u);
  EXPECT_EQ(host_.concluded[0], std::make_pair(id, FollowUp::kFile));
}

TEST_F(PipelineTest, TheExtractedEventSaysWhatVouchedForTheTotalAndDate) {
  extractor_.answers.push_back(FakeExtractor::Text(kInvoice));
  int64_t id = Ingest("%PDF-1.4 invoice");
  pipeline_->RunUntilIdle();
  absl::StatusOr<std::vector<EventRecord>> events = store_->ListEvents(0, "acme", 100);
  ASSERT_OK(events);
  std::string extracted;
  for (const EventRecord& e : *events) {
    if (e.document_id == id && e.payload_json.find("\"to\":\"extracted\"") != std::string::npos) {
      extracted = e.payload_json;
    }
  }
  EXPECT_NE(extracted.find("\"decided_by\":\"rules\""), std::string::npos) << extracted;
  EXPECT_NE(extracted.find("\"total_evidence\":\"net+tax\""), std::string::npos) << extracted;
  EXPECT_NE(extracted.find("\"date_evidence\":\"label\""), std::string::npos) << extracted;
}

TEST_F(PipelineTest, ATransientFailureWaitsForItsBackoffBeforeTheNextAttempt) {
  extractor_.answers.push_back(absl::UnavailableError("worker busy"));
  extractor_.answers.push_back(FakeExtractor::Text(kInvoice));
  int64_t id = Ingest("%PDF-1.4 invoice");
  pipeline_->RunUntilIdle();
  EXPECT_EQ(Doc(id).status, DocumentStatus::kReceived);
  EXPECT_EQ(extractor_.calls, 1);
  pipeline_->RunUntilIdle();
  EXPECT_EQ(extractor_.calls, 1);  // not due yet
  clock_.Advance(absl::Seconds(13));  // 10 s ± 20 % jitter
  pipeline_->RunUntilIdle();
  EXPECT_EQ(extractor_.calls, 2);
  EXPECT_EQ(Doc(id).status, DocumentStatus::kDone);
}

TEST_F(PipelineTest, ACorruptFileIsQuarantinedWithItsTypedReasonAndKept) {
  extractor_.answers.push_back(ReadError(ReadErrorCode::kCorrupt, "truncated xref"));
  int64_t id = Ingest("%PDF-1.4 broken");
  pipeline_->RunUntilIdle();
  DocumentRecord d = Doc(id);
  EXPECT_EQ(d.status, DocumentStatus::kQuarantined);
  EXPECT_EQ(d.status_reason.rfind("corrupt", 0), 0u) << d.status_reason;
  EXPECT_TRUE(archive_->Contains(d.sha256));
  EXPECT_TRUE(host_.concluded.empty());
}

TEST_F(PipelineTest, AnOriginalMissingFromTheArchiveIsQuarantinedNotRetried) {
  int64_t id = Ingest("%PDF-1.4 gone");
  ASSERT_OK(archive_->Remove(Doc(id).sha256));
  pipeline_->RunUntilIdle();
  DocumentRecord d = Doc(id);
  EXPECT_EQ(d.status, DocumentStatus::kQuarantined);
  EXPECT_NE(d.status_reason.find("archive"), std::string::npos) << d.status_reason;
  EXPECT_EQ(extractor_.calls, 0);
}

}  // namespace
}  // namespace liasse
