// The gRPC API over the real transports: in-process, the unix socket, and TCP
// with TLS and bearer tokens (a self-signed certificate made by the test).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/api/api_server.h"
#include "daemon/api/api_service.h"
#include "daemon/process/archive.h"
#include "daemon/api/auth.h"
#include "daemon/process/intake.h"
#include "daemon/store/store.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "liasse/v1/liasse.grpc.pb.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace pb = ::liasse::v1;
using ::liasse::testing::TempDir;

constexpr char kReadToken[] = "read-token-0123456789abcdef";
constexpr char kAdminToken[] = "admin-token-0123456789abcdef";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.Join("liasse.db"), &clock_);
    ASSERT_OK(store);
    store_ = std::move(*store);
    std::vector<ClientRecord> clients;
    for (const char* id : {"acme", "bolt", "cafe"}) {
      ClientRecord c;
      c.id = id;
      c.name = absl::StrCat("Client ", id);
      clients.push_back(c);
    }
    ASSERT_OK(store_->SyncClients(clients));
    for (int i = 0; i < 5; ++i) {
      NewDocument d;
      d.client_id = i < 3 ? "acme" : "bolt";
      d.sha256 = absl::StrCat("hash", i);
      d.source = "folder";
      d.original_name = absl::StrCat("f", i, ".pdf");
      ASSERT_OK(store_->InsertDocument(d));
    }
    info_ = std::make_unique<DaemonInfo>("9.9.9", clock_.Now(), dir_.path());
    info_->SetConfig("embedded default", clock_.Now());
    auto tokens = TokenTable::Parse(
        absl::StrCat("# test tokens\nread ", kReadToken, "\nadmin ", kAdminToken, "\n"),
        "tokens");
    ASSERT_OK(tokens);
    tokens_ = *tokens;
    archive_ = std::make_unique<Archive>(dir_.Join("archive"));
    std::filesystem::create_directories(dir_.Join("archive"));
    intake_ = std::make_unique<Intake>(store_.get(), archive_.get(), 1 << 20, nullptr);
    ServiceDeps deps;
    deps.store = store_.get();
    deps.clock = &clock_;
    deps.info = info_.get();
    deps.tokens = tokens_;
    deps.intake = intake_.get();
    deps.archive = archive_.get();
    service_ = NewLiasseService(deps);
  }

  void StartServer(bool with_tls) {
    ApiServerOptions options;
    socket_path_ = dir_.Join("liasse.sock");
    options.listen.push_back(absl::StrCat("unix:", socket_path_));
    if (with_tls) {
      std::string cmd = absl::StrCat(
          "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
          "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ",
          dir_.Join("key.pem"), " -out ", dir_.Join("cert.pem"),
          " >/dev/null 2>&1");
      ASSERT_EQ(std::system(cmd.c_str()), 0);
      options.listen.push_back("127.0.0.1:0");
      options.tls_cert_file = dir_.Join("cert.pem");
      options.tls_key_file = dir_.Join("key.pem");
      options.tokens = tokens_;
    }
    auto server = ApiServer::Start(options, service_.get());
    ASSERT_OK(server);
    server_ = std::move(*server);
  }

  std::unique_ptr<pb::Liasse::Stub> InProcessStub() {
    return pb::Liasse::NewStub(server_->InProcessChannel());
  }

  std::shared_ptr<grpc::Channel> TlsChannel() {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(dir_.Join("cert.pem"));
    return grpc::CreateChannel(
        absl::StrCat("localhost:", server_->tcp_ports().at(0)),
        grpc::SslCredentials(ssl));
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return ctx;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<DaemonInfo> info_;
  std::shared_ptr<TokenTable> tokens_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<ApiServer> server_;
  std::string socket_path_;
};

TEST_F(ApiTest, GetStatusReportsVersionUptimeQueuesAndClients) {
  StartServer(false);
  clock_.Advance(absl::Seconds(90));
  auto stub = InProcessStub();
  pb::Status status;
  ASSERT_TRUE(stub->GetStatus(Ctx().get(), {}, &status).ok());
  EXPECT_EQ(status.version(), "9.9.9");
  EXPECT_EQ(status.uptime_seconds(), 90);
  EXPECT_EQ(status.document_count(), 5);
  EXPECT_EQ(status.client_count(), 3);  // the unknown pseudo-client is not one
  EXPECT_EQ(status.config_source(), "embedded default");
  int64_t received = -1;
  for (const auto& q : status.queue()) {
    if (q.status() == pb::RECEIVED) received = q.count();
  }
  EXPECT_EQ(received, 5);
}

TEST_F(ApiTest, ListClientsPagesAndFilters) {
  StartServer(false);
  auto stub = InProcessStub();
  pb::ListClientsRequest req;
  req.set_page_size(2);
  pb::ListClientsResponse page1, page2;
  ASSERT_TRUE(stub->ListClients(Ctx().get(), req, &page1).ok());
  ASSERT_EQ(page1.clients_size(), 2);
  EXPECT_EQ(page1.clients(0).name(), "clients/acme");
  ASSERT_FALSE(page1.next_page_token().empty());
  req.set_page_token(page1.next_page_token());
  ASSERT_TRUE(stub->ListClients(Ctx().get(), req, &page2).ok());
  ASSERT_EQ(page2.clients_size(), 2);  // cafe, unknown
  EXPECT_EQ(page2.clients(0).id(), "cafe");
  EXPECT_TRUE(page2.next_page_token().empty());

  pb::ListClientsRequest filtered;
  filtered.set_filter("BOL");
  pb::ListClientsResponse one;
  ASSERT_TRUE(stub->ListClients(Ctx().get(), filtered, &one).ok());
  ASSERT_EQ(one.clients_size(), 1);
  EXPECT_EQ(one.clients(0).id(), "bolt");
}

TEST_F(ApiTest, GetClientCountsItsDocuments) {
  StartServer(false);
  auto stub = InProcessStub();
  pb::GetClientRequest req;
  req.set_name("clients/acme");
  pb::Client client;
  ASSERT_TRUE(stub->GetClient(Ctx().get(), req, &client).ok());
  EXPECT_EQ(client.display_name(), "Client acme");
  EXPECT_EQ(client.document_count(), 3);
  req.set_name("clients/nobody");
  grpc::Status st = stub->GetClient(Ctx().get(), req, &client);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ApiTest, ListAndGetDocuments) {
  StartServer(false);
  auto stub = InProcessStub();
  pb::ListDocumentsRequest req;
  req.set_client("clients/bolt");
  pb::ListDocumentsResponse resp;
  ASSERT_TRUE(stub->ListDocuments(Ctx().get(), req, &resp).ok());
  ASSERT_EQ(resp.documents_size(), 2);
  EXPECT_EQ(resp.documents(0).original_name(), "f3.pdf");
  EXPECT_EQ(resp.documents(0).status(), pb::RECEIVED);

  req.Clear();
  req.set_status(pb::DONE);
  ASSERT_TRUE(stub->ListDocuments(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.documents_size(), 0);

  req.Clear();
  req.set_page_size(3);
  ASSERT_TRUE(stub->ListDocuments(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.documents_size(), 3);
  EXPECT_EQ(resp.next_page_token(), "3");
  req.set_page_token("not-a-token");
  EXPECT_EQ(stub->ListDocuments(Ctx().get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  pb::GetDocumentRequest get;
  get.set_name(resp.documents_size() ? "documents/2" : "");
  pb::Document doc;
  ASSERT_TRUE(stub->GetDocument(Ctx().get(), get, &doc).ok());
  EXPECT_EQ(doc.name(), "documents/2");
  EXPECT_EQ(doc.sha256(), "hash1");
  get.set_name("documents/999");
  EXPECT_EQ(stub->GetDocument(Ctx().get(), get, &doc).error_code(),
            grpc::StatusCode::NOT_FOUND);
  get.set_name("documents/../../etc");
  EXPECT_EQ(stub->GetDocument(Ctx().get(), get, &doc).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// A catch-up in pages: every event once, in order, for one client or all.
TEST_F(ApiTest, ListEventsPagesThroughTheLogInOrder) {
  StartServer(false);
  auto stub = InProcessStub();
  // 3 client_added + 5 received so far.
  pb::ListEventsRequest req;
  req.set_page_size(3);
  std::vector<int64_t> seqs;
  int pages = 0;
  while (true) {
    pb::ListEventsResponse page;
    ASSERT_TRUE(stub->ListEvents(Ctx().get(), req, &page).ok());
    ++pages;
    for (const pb::Event& e : page.events()) seqs.push_back(e.seq());
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(pages, 3);

  pb::ListEventsRequest one;
  one.set_client("clients/acme");
  one.set_after_seq(3);
  pb::ListEventsResponse acme;
  ASSERT_TRUE(stub->ListEvents(Ctx().get(), one, &acme).ok());
  ASSERT_GT(acme.events_size(), 0);
  for (const pb::Event& e : acme.events()) {
    EXPECT_EQ(e.client(), "acme");
    EXPECT_GT(e.seq(), 3);
  }
  one.set_page_token("not-a-seq");
  EXPECT_EQ(stub->ListEvents(Ctx().get(), one, &acme).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, WatchEventsReplaysThenFollowsAndResumes) {
  StartServer(false);
  auto stub = InProcessStub();
  // 3 client_added + 5 received so far.
  pb::WatchEventsRequest req;
  req.set_after_seq(0);
  auto ctx = Ctx();
  auto reader = stub->WatchEvents(ctx.get(), req);
  std::vector<int64_t> seqs;
  pb::Event e;
  while (reader->Read(&e)) seqs.push_back(e.seq());
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(seqs.size(), 8u);
  EXPECT_EQ(seqs.front(), 1);
  EXPECT_EQ(seqs.back(), 8);

  // Resume after 6, follow, and see an event committed while waiting.
  req.set_after_seq(6);
  req.set_follow(true);
  auto follow_ctx = Ctx();
  auto follower = stub->WatchEvents(follow_ctx.get(), req);
  ASSERT_TRUE(follower->Read(&e));
  EXPECT_EQ(e.seq(), 7);
  ASSERT_TRUE(follower->Read(&e));
  EXPECT_EQ(e.seq(), 8);
  EXPECT_EQ(e.kind(), "received");
  std::thread writer([&] {
    EventRecord event;
    event.kind = "escalation";
    event.client_id = "acme";
    event.payload_json = R"({"reason":"test"})";
    ASSERT_OK(store_->AppendEvent(event));
  });
  ASSERT_TRUE(follower->Read(&e));
  writer.join();
  EXPECT_EQ(e.seq(), 9);
  EXPECT_EQ(e.kind(), "escalation");
  EXPECT_EQ(e.client(), "acme");
  EXPECT_EQ(e.payload_json(), R"({"reason":"test"})");
  follow_ctx->TryCancel();
  while (follower->Read(&e)) {
  }
  EXPECT_EQ(follower->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ApiTest, WatchEventBatchesCarriesTheLogInFewMessagesThenFollows) {
  StartServer(false);
  auto stub = InProcessStub();
  // 3 client_added + 5 received so far, then 1,200 more: two batches
  // (1,000 + 208) while catching up.
  for (int i = 0; i < 1200; ++i) {
    EventRecord event;
    event.kind = "note";
    event.client_id = "acme";
    ASSERT_OK(store_->AppendEvent(event));
  }
  pb::WatchEventsRequest req;
  req.set_after_seq(0);
  req.set_follow(true);
  auto ctx = Ctx();
  auto reader = stub->WatchEventBatches(ctx.get(), req);
  std::vector<int64_t> seqs;
  pb::EventBatch batch;
  int messages = 0;
  while (seqs.size() < 1208u && reader->Read(&batch)) {
    ++messages;
    for (const pb::Event& e : batch.events()) seqs.push_back(e.seq());
  }
  ASSERT_EQ(seqs.size(), 1208u);
  EXPECT_EQ(messages, 2);
  for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], static_cast<int64_t>(i + 1));

  std::thread writer([&] {
    EventRecord event;
    event.kind = "escalation";
    event.client_id = "acme";
    ASSERT_OK(store_->AppendEvent(event));
  });
  ASSERT_TRUE(reader->Read(&batch));
  writer.join();
  ASSERT_EQ(batch.events_size(), 1);
  EXPECT_EQ(batch.events(0).seq(), 1209);
  EXPECT_EQ(batch.events(0).kind(), "escalation");
  ctx->TryCancel();
  while (reader->Read(&batch)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ApiTest, SubmitThenReadBackContent) {
  StartServer(false);
  auto stub = InProcessStub();
  std::string original(200000, '\0');
  for (size_t i = 0; i < original.size(); ++i) original[i] = static_cast<char>(i * 7);
  pb::Document doc;
  {
    auto ctx = Ctx();
    auto writer = stub->SubmitDocument(ctx.get(), &doc);
    pb::SubmitDocumentRequest header;
    header.mutable_header()->set_client("clients/cafe");
    header.mutable_header()->set_file_name("../../etc/passwd\x01.pdf");
    ASSERT_TRUE(writer->Write(header));
    for (size_t off = 0; off < original.size(); off += 65536) {
      pb::SubmitDocumentRequest chunk;
      chunk.set_chunk(original.substr(off, 65536));
      ASSERT_TRUE(writer->Write(chunk));
    }
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  EXPECT_EQ(doc.client(), "cafe");
  EXPECT_EQ(doc.source(), "upload");
  EXPECT_EQ(doc.original_name(), "passwd.pdf");  // a display name, never a path
  EXPECT_EQ(doc.size_bytes(), 200000);
  EXPECT_EQ(doc.sha256(), Sha256Hex(original));
  EXPECT_TRUE(std::filesystem::exists(archive_->PathOf(doc.sha256())));

  pb::GetDocumentContentRequest req;
  req.set_name(doc.name());
  auto ctx = Ctx();
  auto reader = stub->GetDocumentContent(ctx.get(), req);
  pb::DocumentContentChunk chunk;
  std::string back;
  std::string name;
  while (reader->Read(&chunk)) {
    if (name.empty()) name = chunk.original_name();
    back += chunk.data();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(back, original);
  EXPECT_EQ(name, "passwd.pdf");

  // Unknown client: refused, nothing stored.
  pb::Document none;
  auto ctx2 = Ctx();
  auto w2 = stub->SubmitDocument(ctx2.get(), &none);
  pb::SubmitDocumentRequest h2;
  h2.mutable_header()->set_client("clients/nobody");
  w2->Write(h2);
  w2->WritesDone();
  EXPECT_EQ(w2->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

// Opens a SubmitDocument stream for client "cafe" and sends its header.
std::unique_ptr<grpc::ClientWriter<pb::SubmitDocumentRequest>> OpenUpload(
    pb::Liasse::Stub* stub, grpc::ClientContext* ctx, pb::Document* doc, const std::string& name) {
  auto writer = stub->SubmitDocument(ctx, doc);
  pb::SubmitDocumentRequest header;
  header.mutable_header()->set_client("clients/cafe");
  header.mutable_header()->set_file_name(name);
  EXPECT_TRUE(writer->Write(header));
  return writer;
}

// The upload limit ([ocr] max_file_mb; 1 MiB here) holds as bytes arrive:
// nothing is kept, not even a temporary file.
TEST_F(ApiTest, AnUploadOverTheLimitIsRefusedAsItsBytesArrive) {
  StartServer(false);
  size_t before = store_->ListDocuments({})->size();
  auto stub = InProcessStub();
  pb::Document doc;
  auto ctx = Ctx();
  auto writer = OpenUpload(stub.get(), ctx.get(), &doc, "big.pdf");
  pb::SubmitDocumentRequest chunk;
  chunk.set_chunk(std::string(256 * 1024, 'x'));
  for (int i = 0; i < 8 && writer->Write(chunk); ++i) {
  }
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(store_->ListDocuments({})->size(), before);
  for (const auto& e : std::filesystem::directory_iterator(archive_->root())) {
    ADD_FAILURE() << "left in the archive: " << e.path();
  }
}

TEST_F(ApiTest, AnEmptyUploadIsRefused) {
  StartServer(false);
  size_t before = store_->ListDocuments({})->size();
  auto stub = InProcessStub();
  pb::Document doc;
  auto ctx = Ctx();
  auto writer = OpenUpload(stub.get(), ctx.get(), &doc, "empty.pdf");
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_->ListDocuments({})->size(), before);
}

// Each event follower holds a server thread: at most 64 at once, so other
// calls always find one (3,000 followers used to exhaust the pool).
TEST_F(ApiTest, EventFollowersAreCappedAndOtherCallsStillServed) {
  StartServer(false);
  auto stub = InProcessStub();
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<pb::Event>>> followers;
  pb::WatchEventsRequest follow;
  follow.set_follow(true);
  follow.set_after_seq(1000000);  // nothing to catch up on: they only wait
  for (int i = 0; i < 64; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    followers.push_back(stub->WatchEvents(contexts.back().get(), follow));
  }
  // The 65th is refused once the 64 are running (they start asynchronously).
  grpc::StatusCode refused = grpc::StatusCode::OK;
  for (int attempt = 0; attempt < 50 && refused != grpc::StatusCode::RESOURCE_EXHAUSTED; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
    auto extra = stub->WatchEvents(&ctx, follow);
    pb::Event e;
    while (extra->Read(&e)) {
    }
    refused = extra->Finish().error_code();
  }
  EXPECT_EQ(refused, grpc::StatusCode::RESOURCE_EXHAUSTED);
  pb::Status status;
  EXPECT_TRUE(stub->GetStatus(Ctx().get(), {}, &status).ok());
  for (auto& c : contexts) c->TryCancel();
  for (auto& f : followers) (void)f->Finish();
}

TEST_F(ApiTest, ReviewMovesFromUnknownSetsFieldsAndAccepts) {
  StartServer(false);
  auto stub = InProcessStub();
  NewDocument d;
  d.client_id = kUnknownClientId;
  d.sha256 = "stranger";
  d.source = "mail";
  auto id = store_->IngestDocument(d);
  ASSERT_OK(id);
  DocumentUpdate review_wait;
  review_wait.status = DocumentStatus::kNeedsReview;
  review_wait.status_reason = "unknown_sender";
  ASSERT_OK(store_->UpdateDocument(id->document_id, DocumentStatus::kReceived, review_wait, "", ""));

  pb::ReviewDocumentRequest move;
  move.set_name(absl::StrCat("documents/", id->document_id));
  move.set_move_to_client("clients/acme");
  pb::Document doc;
  grpc::Status st = stub->ReviewDocument(Ctx().get(), move, &doc);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(doc.client(), "acme");
  EXPECT_EQ(doc.status(), pb::EXTRACTED);  // concluded again, for its client

  DocumentUpdate back;
  back.status = DocumentStatus::kNeedsReview;
  ASSERT_OK(store_->UpdateDocument(id->document_id, DocumentStatus::kExtracted, back, "", ""));
  pb::ReviewDocumentRequest bad;
  bad.set_name(move.name());
  (*bad.mutable_set_fields())["total_incl_tax"] = "douze";
  EXPECT_EQ(stub->ReviewDocument(Ctx().get(), bad, &doc).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  (*bad.mutable_set_fields()).clear();
  (*bad.mutable_set_fields())["no_such_field"] = "1";
  EXPECT_EQ(stub->ReviewDocument(Ctx().get(), bad, &doc).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  pb::ReviewDocumentRequest accept;
  accept.set_name(move.name());
  accept.set_doc_type("receipt");
  (*accept.mutable_set_fields())["supplier_name"] = "Boulangerie Paul";
  (*accept.mutable_set_fields())["total_incl_tax"] = "12.50";
  (*accept.mutable_set_fields())["issue_date"] = "2026-11-27";
  accept.set_accept(true);
  accept.set_note("ticket de caisse lisible");
  st = stub->ReviewDocument(Ctx().get(), accept, &doc);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(doc.status(), pb::DONE);
  EXPECT_EQ(doc.doc_type(), "receipt");
  EXPECT_EQ(doc.fields().total_incl_tax(), "12.50");
  EXPECT_EQ(doc.fields().issue_date(), "2026-11-27");
  // Staff's word is remembered for this client's supplier (and only there).
  EXPECT_EQ(store_->LearnedSupplierType("acme", "name:boulangeriepaul").value(), DocType::kReceipt);
  EXPECT_EQ(store_->LearnedSupplierType("other", "name:boulangeriepaul").value(), DocType::kUnknown);
  auto events = store_->ListEvents(0, "acme", 100);
  std::vector<std::string> kinds;
  for (const auto& e : *events) kinds.push_back(e.kind);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "moved"), kinds.end());
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "reviewed"), 2);
}

TEST_F(ApiTest, ServesOverUnixSocketWithMode0660AndHealth) {
  StartServer(false);
  struct stat st;
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  auto channel = grpc::CreateChannel(absl::StrCat("unix:", socket_path_),
                                     grpc::InsecureChannelCredentials());
  auto stub = pb::Liasse::NewStub(channel);
  pb::Status status;
  ASSERT_TRUE(stub->GetStatus(Ctx().get(), {}, &status).ok());
  EXPECT_EQ(status.client_count(), 3);
  // A unix-socket caller is an admin: the mutating call passes auth.
  pb::WaiveItemRequest waive;
  pb::Item item;
  EXPECT_EQ(stub->WaiveItem(Ctx().get(), waive, &item).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // past auth: a reason is required

  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest hreq;
  grpc::health::v1::HealthCheckResponse hresp;
  ASSERT_TRUE(health->Check(Ctx().get(), hreq, &hresp).ok());
  EXPECT_EQ(hresp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ApiTest, TcpNeedsAKnownBearerToken) {
  StartServer(true);
  auto stub = pb::Liasse::NewStub(TlsChannel());
  pb::Status status;
  EXPECT_EQ(stub->GetStatus(Ctx().get(), {}, &status).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub->GetStatus(Ctx("wrong-token-0123456789").get(), {}, &status)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status ok = stub->GetStatus(Ctx(kReadToken).get(), {}, &status);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(status.version(), "9.9.9");
  // Health and reflection also sit behind the token on TCP.
  auto health = grpc::health::v1::Health::NewStub(TlsChannel());
  grpc::health::v1::HealthCheckResponse hresp;
  EXPECT_EQ(health->Check(Ctx().get(), {}, &hresp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// What SIGHUP does to the tokens: a token removed from the file fails from
// the next call on, a new one works, on the running server.
TEST_F(ApiTest, ReplacedTokensTakeEffectAtOnce) {
  StartServer(true);
  auto stub = pb::Liasse::NewStub(TlsChannel());
  pb::Status status;
  ASSERT_TRUE(stub->GetStatus(Ctx(kReadToken).get(), {}, &status).ok());
  const std::string fresh_token = "fresh-token-0123456789";
  auto fresh = TokenTable::Parse(absl::StrCat("read ", fresh_token, "\n"), "tokens");
  ASSERT_OK(fresh);
  tokens_->Replace(**fresh);
  EXPECT_EQ(stub->GetStatus(Ctx(kReadToken).get(), {}, &status).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub->GetStatus(Ctx(fresh_token).get(), {}, &status).ok());
}

TEST_F(ApiTest, ReadTokenCannotMutateAdminTokenCan) {
  StartServer(true);
  auto stub = pb::Liasse::NewStub(TlsChannel());
  pb::ReviewDocumentRequest review;
  review.set_name("documents/1");
  pb::Document doc;
  EXPECT_EQ(stub->ReviewDocument(Ctx(kReadToken).get(), review, &doc).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Past auth: document 1 is `received`, not waiting for review.
  review.set_accept(true);
  EXPECT_EQ(stub->ReviewDocument(Ctx(kAdminToken).get(), review, &doc).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // A dry run only reads.
  pb::SendRemindersRequest dry;
  dry.set_dry_run(true);
  pb::SendRemindersResponse sent;
  EXPECT_EQ(stub->SendReminders(Ctx(kReadToken).get(), dry, &sent).error_code(),
            grpc::StatusCode::UNAVAILABLE);  // past auth; this test server has no collector
  dry.set_dry_run(false);
  EXPECT_EQ(stub->SendReminders(Ctx(kReadToken).get(), dry, &sent).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ApiTest, ReplacesStaleSocketButNotOtherFiles) {
  socket_path_ = dir_.Join("liasse.sock");
  // A socket file left by a dead process: bound, never listening.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path_.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  StartServer(false);
  auto channel = grpc::CreateChannel(absl::StrCat("unix:", socket_path_),
                                     grpc::InsecureChannelCredentials());
  pb::Status status;
  EXPECT_TRUE(pb::Liasse::NewStub(channel)->GetStatus(Ctx().get(), {}, &status).ok());

  // While it serves, a second server on the same path is refused.
  ApiServerOptions again;
  again.listen.push_back(absl::StrCat("unix:", socket_path_));
  EXPECT_EQ(ApiServer::Start(again, service_.get()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  std::ofstream(dir_.Join("plain-file")) << "keep me";
  ApiServerOptions onto_file;
  onto_file.listen.push_back(absl::StrCat("unix:", dir_.Join("plain-file")));
  EXPECT_EQ(ApiServer::Start(onto_file, service_.get()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadAll(dir_.Join("plain-file")), "keep me");
}

}  // namespace
}  // namespace liasse
