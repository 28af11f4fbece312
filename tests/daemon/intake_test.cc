// Intake and pipeline with real components: SQLite in a temp dir, the archive
// on disk, inotify on real folders, liasse-worker processes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/process/archive.h"
#include "daemon/process/extractor.h"
#include "daemon/process/intake.h"
#include "daemon/process/pipeline.h"
#include "daemon/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_pipeline_host.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"
#include "workflows/names.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.Join("archive"));
    store_ = testing::OpenTestStore(dir_.path(), &clock_, {testing::TestClient("acme")});
    ASSERT_NE(store_, nullptr);
    archive_ = std::make_unique<Archive>(dir_.Join("archive"));
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(), 10 << 20,
                                       [this] { ++wakeups_; });
  }

  std::unique_ptr<Pipeline> MakePipeline(Extractor* extractor) {
    Pipeline::Options options;
    options.workers = 1;
    options.max_attempts = 3;
    options.first_backoff = absl::Seconds(10);
    return std::make_unique<Pipeline>(store_.get(), archive_.get(), extractor, &clock_, nullptr,
                                      options);
  }

  std::unique_ptr<Extractor> RealExtractor() {
    Extractor::Options options;
    options.workers = 1;
    options.worker_binary = (fs::path(LIASSED_PATH).parent_path() / "liasse-worker").string();
    options.quiet = true;
    auto e = Extractor::Start(options);
    EXPECT_TRUE(e.ok()) << e.status();
    return std::move(*e);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Intake> intake_;
  int wakeups_ = 0;
};

TEST_F(IntakeTest, ArchivesByHashThenRecordsAndWakesPipeline) {
  std::string bytes = testing::MakeTextPdf({testing::FrenchInvoiceLines()});
  testing::WriteFile(dir_.Join("facture.pdf"), bytes);
  auto result = intake_->IngestFile("acme", "folder", "facture.pdf", dir_.Join("facture.pdf"));
  ASSERT_OK(result);
  EXPECT_FALSE(result->duplicate);
  EXPECT_EQ(wakeups_, 1);
  auto doc = store_->GetDocument(result->document_id);
  ASSERT_OK(doc);
  EXPECT_EQ(doc->sha256, Sha256Hex(bytes));
  EXPECT_EQ(doc->status, DocumentStatus::kReceived);
  std::string stored = archive_->PathOf(doc->sha256);
  EXPECT_EQ(stored, dir_.Join(absl::StrCat("archive/", doc->sha256.substr(0, 2), "/", doc->sha256)));
  EXPECT_EQ(testing::ReadFile(stored), bytes);
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(dir_.Join("archive"))) {
    EXPECT_FALSE(absl::StartsWith(e.path().filename().string(), ".tmp")) << e.path();
  }
}

TEST_F(IntakeTest, SameBytesAgainIsADuplicateEvent) {
  testing::WriteFile(dir_.Join("a.pdf"), "same bytes");
  testing::WriteFile(dir_.Join("b.pdf"), "same bytes");
  auto first = intake_->IngestFile("acme", "folder", "a.pdf", dir_.Join("a.pdf"));
  auto second = intake_->IngestFile("acme", "mail", "b.pdf", dir_.Join("b.pdf"));
  ASSERT_OK(first);
  ASSERT_OK(second);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->document_id, first->document_id);
  EXPECT_EQ(store_->ListDocuments({})->size(), 1u);
  auto events = store_->ListEvents(0, "acme", 100);
  ASSERT_OK(events);
  ASSERT_EQ(events->back().kind, "duplicate");
  EXPECT_EQ(events->back().document_id, first->document_id);
  EXPECT_EQ(nlohmann::json::parse(events->back().payload_json)["name"], "b.pdf");
}

TEST_F(IntakeTest, VanishedFilesAndSymlinksAreRefused) {
  EXPECT_EQ(intake_->IngestFile("acme", "folder", "x", dir_.Join("gone.pdf")).status().code(),
            absl::StatusCode::kNotFound);
  fs::create_symlink("/etc/passwd", dir_.Join("link.pdf"));
  auto link = intake_->IngestFile("acme", "folder", "link.pdf", dir_.Join("link.pdf"));
  EXPECT_FALSE(link.ok());
  EXPECT_TRUE(store_->ListDocuments({})->empty());
}

TEST_F(IntakeTest, HostileNamesNeverBecomePaths) {
  const char* names[] = {"../../../etc/cron.d/x", "/etc/passwd", "a\0b.pdf",
                         "\x1b[31mred.pdf", "..", ""};
  int i = 0;
  for (const char* raw : names) {
    std::string name = i == 2 ? std::string("a\0b.pdf", 7) : std::string(raw);
    auto result = intake_->IngestBytes("acme", "mail", name, absl::StrCat("content ", i++));
    ASSERT_OK(result);
    auto doc = store_->GetDocument(result->document_id);
    EXPECT_EQ(doc->original_name.find('/'), std::string::npos) << doc->original_name;
    EXPECT_EQ(doc->original_name.find('\0'), std::string::npos);
    EXPECT_NE(doc->original_name, "..");
    EXPECT_FALSE(doc->original_name.empty());
    // The stored original lives inside the archive whatever the name.
    EXPECT_TRUE(absl::StartsWith(archive_->PathOf(doc->sha256), dir_.Join("archive/")));
  }
  EXPECT_EQ(SanitizeDisplayName(std::string(300, 'a') + ".pdf").size(), 200u);
  EXPECT_TRUE(absl::EndsWith(SanitizeDisplayName(std::string(300, 'a') + ".pdf"), ".pdf"));
}

TEST_F(IntakeTest, PipelineTakesEachDocumentToAFinalState) {
  auto extractor = RealExtractor();
  auto pipeline = MakePipeline(extractor.get());
  fs::path samples = fs::path(LIASSE_SOURCE_DIR) / ".." / "shared" / "samples";
  std::string einvoice =
      (samples / "zugferd_corpus/files/XML-Rechnung/FX/EN16931_Reisekostenabrechnung.pdf").string();
  int64_t invoice_id = 0;
  if (fs::exists(einvoice)) {
    invoice_id = intake_->IngestFile("acme", "folder", "f.pdf", einvoice)->document_id;
  }
  int64_t text_id = intake_->IngestBytes("acme", "folder", "t.pdf",
                                         testing::MakeTextPdf({testing::FrenchInvoiceLines()}))
                        ->document_id;
  int64_t empty_id = intake_->IngestBytes("acme", "folder", "empty.pdf", "")->document_id;
  int64_t junk_id = intake_->IngestBytes("acme", "folder", "x.pdf", "%PDF-1.4 junk")->document_id;
  int64_t minutes_id =
      intake_->IngestBytes("acme", "folder", "cr.pdf",
                           testing::MakeTextPdf({{"Compte rendu de la réunion de chantier",
                                                  "Présents : M. Martin, Mme Durand",
                                                  "Prochaine réunion jeudi"}}))
          ->document_id;
  int64_t unknown_id = intake_->IngestBytes(kUnknownClientId, "mail", "u.pdf",
                                            testing::MakeTextPdf({{"Facture 12", "Total 10,00 EUR",
                                                                   "Merci de votre confiance"}}))
                           ->document_id;
  pipeline->RunUntilIdle();
  if (invoice_id) {
    auto doc = store_->GetDocument(invoice_id);
    EXPECT_EQ(doc->status, DocumentStatus::kDone);
    EXPECT_EQ(doc->doc_type, DocType::kInvoice);
    EXPECT_EQ(doc->text_source, TextSource::kEInvoice);
    ASSERT_TRUE(doc->fields.has_value());
    EXPECT_EQ(doc->fields->invoice_number, "280081");
  }
  // The rules are sure of this one: type, totals and date.
  auto text = store_->GetDocument(text_id);
  EXPECT_EQ(text->status, DocumentStatus::kDone);
  EXPECT_EQ(text->doc_type, DocType::kInvoice);
  ASSERT_TRUE(text->fields && text->fields->total_incl_tax);
  EXPECT_EQ(FormatDecimal(*text->fields->total_incl_tax), "1481.47");
  EXPECT_EQ(text->text_source, TextSource::kTextLayer);
  EXPECT_EQ(text->mime, "application/pdf");
  EXPECT_TRUE(absl::StrContains(*store_->GetDocumentText(text_id), "Boulangerie Martin"));
  auto minutes = store_->GetDocument(minutes_id);
  EXPECT_EQ(minutes->status, DocumentStatus::kNeedsReview);
  EXPECT_EQ(minutes->status_reason, "unclassified");
  auto empty = store_->GetDocument(empty_id);
  EXPECT_EQ(empty->status, DocumentStatus::kQuarantined);
  EXPECT_TRUE(absl::StartsWith(empty->status_reason, "corrupt:")) << empty->status_reason;
  EXPECT_EQ(store_->GetDocument(junk_id)->status, DocumentStatus::kQuarantined);
  auto unknown = store_->GetDocument(unknown_id);
  EXPECT_EQ(unknown->status, DocumentStatus::kNeedsReview);
  EXPECT_EQ(unknown->status_reason, "unknown_sender");
  EXPECT_EQ(store_->CountPendingDocuments().value(), 0);
}

TEST_F(IntakeTest, SameInvoiceWithOtherBytesIsAProbableDuplicate) {
  std::vector<std::string> copy = testing::FrenchInvoiceLines();
  copy.push_back("Duplicata");
  int64_t first = intake_->IngestBytes("acme", "folder", "a.pdf",
                                       testing::MakeTextPdf({testing::FrenchInvoiceLines()}))
                      ->document_id;
  auto extractor = RealExtractor();
  MakePipeline(extractor.get())->RunUntilIdle();
  int64_t second =
      intake_->IngestBytes("acme", "mail", "b.pdf", testing::MakeTextPdf({copy}))->document_id;
  ASSERT_NE(first, second);  // other bytes: a second document
  MakePipeline(extractor.get())->RunUntilIdle();
  EXPECT_EQ(store_->GetDocument(first)->status, DocumentStatus::kDone);
  auto dup = store_->GetDocument(second);
  EXPECT_EQ(dup->status, DocumentStatus::kNeedsReview);
  EXPECT_EQ(dup->status_reason, "duplicate");
}

TEST_F(IntakeTest, BuyerSirenOfAnEInvoiceDecidesAnUnknownSender) {
  std::string xml = R"(<?xml version="1.0"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocument><ram:ID>F-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20261101</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
  <ram:SellerTradeParty><ram:Name>Fournisseur</ram:Name></ram:SellerTradeParty>
  <ram:BuyerTradeParty><ram:Name>ACME</ram:Name>
   <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">732829320</ram:ID></ram:SpecifiedLegalOrganization>
  </ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:TaxBasisTotalAmount>10.00</ram:TaxBasisTotalAmount>
   <ram:TaxTotalAmount currencyID="EUR">2.00</ram:TaxTotalAmount><ram:GrandTotalAmount>12.00</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>)";
  int64_t id = intake_->IngestBytes(kUnknownClientId, "mail", "f.xml", xml)->document_id;
  auto extractor = RealExtractor();
  Pipeline::Options options;
  options.workers = 1;
  FakePipelineHost host;
  host.client_by_buyer_siren["732829320"] = "acme";
  Pipeline pipeline(store_.get(), archive_.get(), extractor.get(), &clock_, &host, options);
  pipeline.RunUntilIdle();
  auto doc = store_->GetDocument(id);
  EXPECT_EQ(doc->client_id, "acme");
  EXPECT_EQ(doc->status, DocumentStatus::kDone);
  ASSERT_EQ(host.concluded.size(), 1u);
  EXPECT_EQ(host.concluded[0], std::make_pair(id, FollowUp::kFile));
}

TEST_F(IntakeTest, InterruptedOnceIsRetriedTwiceIsQuarantinedAsCrashed) {
  int64_t once = intake_->IngestBytes("acme", "folder", "a.pdf",
                                      testing::MakeTextPdf({testing::FrenchInvoiceLines()}))
                     ->document_id;
  int64_t twice = intake_->IngestBytes("acme", "folder", "b.pdf", "%PDF-1.4 b")->document_id;
  // As a killed daemon leaves them: attempt committed, step never finished.
  DocumentUpdate begin;
  begin.status = DocumentStatus::kExtracting;
  begin.increment_attempts = true;
  ASSERT_OK(store_->UpdateDocument(once, DocumentStatus::kReceived, begin, "", ""));
  ASSERT_OK(store_->UpdateDocument(twice, DocumentStatus::kReceived, begin, "", ""));
  DocumentUpdate again;
  again.increment_attempts = true;
  ASSERT_OK(store_->UpdateDocument(twice, DocumentStatus::kExtracting, again, "", ""));

  auto extractor = RealExtractor();
  auto pipeline = MakePipeline(extractor.get());
  ASSERT_OK(pipeline->Start());
  pipeline->Stop();
  EXPECT_EQ(store_->GetDocument(once)->status, DocumentStatus::kReceived);
  auto crashed = store_->GetDocument(twice);
  EXPECT_EQ(crashed->status, DocumentStatus::kQuarantined);
  EXPECT_TRUE(absl::StartsWith(crashed->status_reason, "crashed")) << crashed->status_reason;
  MakePipeline(extractor.get())->RunUntilIdle();
  EXPECT_EQ(store_->GetDocument(once)->status, DocumentStatus::kDone);
}

TEST_F(IntakeTest, TimeoutIsRetriedOnceWithBackoffThenQuarantined) {
  testing::TempDir scripts;
  std::string hang = scripts.Join("hang.sh");
  std::ofstream(hang) << "#!/bin/sh\nexec sleep 600\n";
  ::chmod(hang.c_str(), 0755);
  Extractor::Options options;
  options.workers = 1;
  options.worker_binary = hang;
  options.ocr.timeout_s = 1;
  auto extractor = Extractor::Start(options);
  ASSERT_OK(extractor);
  auto pipeline = MakePipeline(extractor->get());
  int64_t id = intake_->IngestBytes("acme", "folder", "slow.pdf", "%PDF slow")->document_id;
  pipeline->RunUntilIdle();
  auto doc = store_->GetDocument(id);
  EXPECT_EQ(doc->status, DocumentStatus::kReceived);  // waiting for its retry
  EXPECT_EQ(doc->attempts, 1);
  pipeline->RunUntilIdle();  // not due yet: nothing happens
  EXPECT_EQ(store_->GetDocument(id)->attempts, 1);
  clock_.Advance(absl::Minutes(1));
  pipeline->RunUntilIdle();
  doc = store_->GetDocument(id);
  EXPECT_EQ(doc->status, DocumentStatus::kQuarantined);
  EXPECT_TRUE(absl::StartsWith(doc->status_reason, "timeout:")) << doc->status_reason;
  EXPECT_EQ(doc->attempts, 2);
}

}  // namespace
}  // namespace liasse
