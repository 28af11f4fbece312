#include "daemon/api_service.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/archive.h"
#include "daemon/auth.h"
#include "daemon/fields_json.h"
#include "daemon/intake.h"
#include "daemon/llm_chain.h"
#include "daemon/understand.h"
#include "liasse/v1/liasse.grpc.pb.h"
#include "workflows/doc_type.h"

namespace liasse {
namespace {

namespace pb = ::liasse::v1;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  timespec ts = absl::ToTimespec(t);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

pb::DocumentStatus ToProto(DocumentStatus s) {
  switch (s) {
    case DocumentStatus::kReceived:
      return pb::RECEIVED;
    case DocumentStatus::kExtracting:
      return pb::EXTRACTING;
    case DocumentStatus::kExtracted:
      return pb::EXTRACTED;
    case DocumentStatus::kClassified:
      return pb::CLASSIFIED;
    case DocumentStatus::kValidated:
      return pb::VALIDATED;
    case DocumentStatus::kDone:
      return pb::DONE;
    case DocumentStatus::kNeedsReview:
      return pb::NEEDS_REVIEW;
    case DocumentStatus::kQuarantined:
      return pb::QUARANTINED;
  }
  return pb::DOCUMENT_STATUS_UNSPECIFIED;
}

std::optional<DocumentStatus> FromProto(pb::DocumentStatus s) {
  for (DocumentStatus d : kAllDocumentStatuses) {
    if (ToProto(d) == s) return d;
  }
  return std::nullopt;
}

// "clients/acme" or "acme" → "acme".
std::string ResourceId(absl::string_view name, absl::string_view collection) {
  std::string prefix = absl::StrCat(collection, "/");
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return std::string(name);
}

absl::StatusOr<int64_t> DocumentId(absl::string_view name) {
  int64_t id = 0;
  std::string bare = ResourceId(name, "documents");
  if (!absl::SimpleAtoi(bare, &id) || id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not a document name (documents/ID)"));
  }
  return id;
}

int PageSize(int32_t requested) {
  if (requested <= 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

void FillClient(const ClientRecord& c, pb::Client* out) {
  out->set_name(absl::StrCat("clients/", c.id));
  out->set_id(c.id);
  out->set_display_name(c.name);
  for (const auto& n : c.legal_names) out->add_legal_names(n);
  out->set_siren(c.siren);
  out->set_vat(c.vat);
  out->set_language(c.language);
  for (const auto& e : c.emails) out->add_emails(e);
  for (const auto& d : c.domains) out->add_domains(d);
  out->set_folder(c.folder);
  out->set_manager(c.manager);
  out->set_paused(c.paused);
  out->set_in_config(c.in_config);
}

void FillDocument(const DocumentRecord& d, pb::Document* out) {
  out->set_name(absl::StrCat("documents/", d.id));
  out->set_id(d.id);
  out->set_client(d.client_id);
  out->set_sha256(d.sha256);
  out->set_source(d.source);
  out->set_original_name(d.original_name);
  SetTimestamp(d.received_at, out->mutable_received_at());
  out->set_mime(d.mime);
  out->set_pages(d.pages);
  out->set_text_source(d.text_source);
  out->set_ocr_confidence(d.ocr_confidence.value_or(0.0));
  out->set_doc_type(d.doc_type);
  out->set_fields_json(d.fields_json);
  out->set_status(ToProto(d.status));
  out->set_attempts(d.attempts);
  out->set_status_reason(d.status_reason);
  out->set_size_bytes(d.size_bytes);
  SetTimestamp(d.updated_at, out->mutable_updated_at());
  nlohmann::json checks = nlohmann::json::parse(d.checks_json, nullptr, false);
  if (checks.is_array()) {
    for (const auto& c : checks) {
      if (!c.is_object()) continue;
      pb::Check* check = out->add_checks();
      check->set_code(c.value("code", ""));
      check->set_ok(c.value("ok", false));
      check->set_severity(c.value("severity", ""));
      check->set_message_fr(c.value("message_fr", ""));
      check->set_message_en(c.value("message_en", ""));
    }
  }
}

void FillEvent(const EventRecord& e, pb::Event* out) {
  out->set_seq(e.seq);
  SetTimestamp(e.ts, out->mutable_ts());
  out->set_kind(e.kind);
  out->set_client(e.client_id);
  out->set_document_id(e.document_id);
  out->set_payload_json(e.payload_json);
}

grpc::Status NotYet(absl::string_view what) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      absl::StrCat(what, " is not implemented yet"));
}

// Handlers run on gRPC's synchronous thread pool: WatchEvents holds a thread
// for as long as a follower stays connected, which suits the few staff tools
// that follow events. Every handler checks the caller's role first.
class LiasseService final : public pb::Liasse::Service {
 public:
  explicit LiasseService(const ServiceDeps& deps)
      : store_(deps.store),
        clock_(deps.clock),
        info_(deps.info),
        tokens_(deps.tokens),
        intake_(deps.intake),
        archive_(deps.archive),
        on_requeue_(deps.on_requeue),
        llm_(deps.llm) {}

  grpc::Status GetStatus(grpc::ServerContext* ctx, const pb::GetStatusRequest*,
                         pb::Status* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    out->set_version(info_->version());
    SetTimestamp(info_->started_at(), out->mutable_started_at());
    out->set_uptime_seconds(
        absl::ToInt64Seconds(clock_->Now() - info_->started_at()));
    auto counts = store_->CountDocumentsByStatus("");
    if (!counts.ok()) return ToGrpc(counts.status());
    int64_t total = 0;
    for (const auto& [status, n] : *counts) {
      pb::QueueCount* q = out->add_queue();
      q->set_status(ToProto(status));
      q->set_count(n);
      total += n;
    }
    out->set_document_count(total);
    auto clients = store_->ListClients("", "", kMaxPageSize);
    if (!clients.ok()) return ToGrpc(clients.status());
    for (const ClientRecord& c : *clients) {
      if (!c.in_config) continue;
      out->add_client_ids(c.id);
    }
    out->set_client_count(out->client_ids_size());
    out->set_last_event_seq(store_->LastEventSeq());
    if (auto words = store_->CountEvents("client_message"); words.ok()) {
      out->set_unanswered_messages(*words);
    }
    out->set_state_dir(info_->state_dir());
    auto [source, loaded_at] = info_->config();
    out->set_config_source(source);
    SetTimestamp(loaded_at, out->mutable_config_loaded_at());
    if (llm_) {
      for (const LlmProviderStats& p : llm_->Stats()) {
        pb::LlmProviderStatus* l = out->add_llm_providers();
        l->set_name(p.name);
        l->set_model(p.model);
        l->set_calls(p.calls);
        l->set_failures(p.failures);
        l->set_cache_hits(p.cache_hits);
        l->set_prompt_tokens(p.prompt_tokens);
        l->set_completion_tokens(p.completion_tokens);
        l->set_mean_latency_ms(p.calls ? p.latency_ms_total / p.calls : 0);
        l->set_breaker_open(p.breaker_open);
        l->set_last_error(p.last_error);
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status ListClients(grpc::ServerContext* ctx,
                           const pb::ListClientsRequest* req,
                           pb::ListClientsResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    int size = PageSize(req->page_size());
    auto clients = store_->ListClients(req->filter(), req->page_token(), size + 1);
    if (!clients.ok()) return ToGrpc(clients.status());
    for (int i = 0; i < static_cast<int>(clients->size()) && i < size; ++i) {
      FillClient((*clients)[i], out->add_clients());
    }
    if (static_cast<int>(clients->size()) > size) {
      out->set_next_page_token((*clients)[size - 1].id);
    }
    return grpc::Status::OK;
  }

  grpc::Status GetClient(grpc::ServerContext* ctx,
                         const pb::GetClientRequest* req,
                         pb::Client* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    std::string id = ResourceId(req->name(), "clients");
    auto client = store_->GetClient(id);
    if (!client.ok()) return ToGrpc(client.status());
    FillClient(*client, out);
    auto counts = store_->CountDocumentsByStatus(id);
    if (!counts.ok()) return ToGrpc(counts.status());
    int64_t total = 0;
    for (const auto& [status, n] : *counts) {
      if (n == 0) continue;
      pb::QueueCount* q = out->add_documents_by_status();
      q->set_status(ToProto(status));
      q->set_count(n);
      total += n;
    }
    out->set_document_count(total);
    return grpc::Status::OK;
  }

  grpc::Status ListDocuments(grpc::ServerContext* ctx,
                             const pb::ListDocumentsRequest* req,
                             pb::ListDocumentsResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    DocumentFilter filter;
    filter.client_id = ResourceId(req->client(), "clients");
    if (req->status() != pb::DOCUMENT_STATUS_UNSPECIFIED) {
      filter.status = FromProto(req->status());
      if (!filter.status) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad status");
      }
    }
    if (!req->page_token().empty() &&
        (!absl::SimpleAtoi(req->page_token(), &filter.after_id) ||
         filter.after_id < 0)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "bad page_token");
    }
    int size = PageSize(req->page_size());
    filter.limit = size + 1;
    auto docs = store_->ListDocuments(filter);
    if (!docs.ok()) return ToGrpc(docs.status());
    for (int i = 0; i < static_cast<int>(docs->size()) && i < size; ++i) {
      FillDocument((*docs)[i], out->add_documents());
    }
    if (static_cast<int>(docs->size()) > size) {
      out->set_next_page_token(absl::StrCat((*docs)[size - 1].id));
    }
    return grpc::Status::OK;
  }

  grpc::Status GetDocument(grpc::ServerContext* ctx,
                           const pb::GetDocumentRequest* req,
                           pb::Document* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    auto id = DocumentId(req->name());
    if (!id.ok()) return ToGrpc(id.status());
    auto doc = store_->GetDocument(*id);
    if (!doc.ok()) return ToGrpc(doc.status());
    FillDocument(*doc, out);
    return grpc::Status::OK;
  }

  grpc::Status WatchEvents(grpc::ServerContext* ctx,
                           const pb::WatchEventsRequest* req,
                           grpc::ServerWriter<pb::Event>* writer) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    if (req->after_seq() < 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after_seq must be >= 0");
    }
    std::string client = ResourceId(req->client(), "clients");
    int64_t seq = req->after_seq();
    while (!ctx->IsCancelled()) {
      // Read before listing, so an event committed meanwhile wakes the wait.
      int64_t watermark = store_->LastEventSeq();
      auto events = store_->ListEvents(seq, client, 500);
      if (!events.ok()) return ToGrpc(events.status());
      for (const EventRecord& e : *events) {
        pb::Event event;
        FillEvent(e, &event);
        if (!writer->Write(event)) return grpc::Status::OK;  // client gone
        seq = e.seq;
      }
      if (!events->empty()) continue;
      if (!req->follow() || info_->stopping()) return grpc::Status::OK;
      // Wake up at least every 250 ms to notice cancellation and shutdown.
      store_->WaitForEventsAfter(watermark, absl::Milliseconds(250));
    }
    return grpc::Status::OK;
  }

  // Mutating calls need the admin role before anything else.
  grpc::Status SubmitDocument(grpc::ServerContext* ctx,
                              grpc::ServerReader<pb::SubmitDocumentRequest>* reader,
                              pb::Document* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!intake_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "intake not running");
    pb::SubmitDocumentRequest part;
    if (!reader->Read(&part) || !part.has_header()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "the first message must carry the header (client, file_name)");
    }
    std::string client_id = ResourceId(part.header().client(), "clients");
    auto client = store_->GetClient(client_id);
    if (!client.ok()) return ToGrpc(client.status());
    std::string name = part.header().file_name();
    std::string bytes;
    while (reader->Read(&part)) {
      if (!part.has_chunk()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "only chunks after the header");
      }
      if (static_cast<int64_t>(bytes.size() + part.chunk().size()) > intake_->max_bytes()) {
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            absl::StrCat("document larger than ", intake_->max_bytes(), " bytes"));
      }
      bytes += part.chunk();
    }
    auto result = intake_->IngestBytes(client_id, "upload", name, bytes);
    if (!result.ok()) return ToGrpc(result.status());
    auto doc = store_->GetDocument(result->document_id);
    if (!doc.ok()) return ToGrpc(doc.status());
    FillDocument(*doc, out);
    return grpc::Status::OK;
  }
  grpc::Status PurgeClient(grpc::ServerContext* ctx, const pb::PurgeClientRequest* req,
                           pb::PurgeClientResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!req->confirm()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "purging deletes originals for good: set confirm");
    }
    if (!archive_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "archive not open");
    int deleted = 0;
    auto orphans = store_->PurgeClient(ResourceId(req->name(), "clients"), &deleted);
    if (!orphans.ok()) return ToGrpc(orphans.status());
    int removed = 0;
    for (const std::string& sha : *orphans) {
      if (archive_->Remove(sha).ok()) ++removed;
    }
    out->set_documents_deleted(deleted);
    out->set_originals_deleted(removed);
    return grpc::Status::OK;
  }

  // Staff decisions: move to a client (from `unknown`, say), set the type or
  // fields, accept. A document moved out of `unknown` goes through the
  // pipeline's conclusion again; an accepted one is done.
  grpc::Status ReviewDocument(grpc::ServerContext* ctx, const pb::ReviewDocumentRequest* req,
                              pb::Document* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    auto id = DocumentId(req->name());
    if (!id.ok()) return ToGrpc(id.status());
    auto doc = store_->GetDocument(*id);
    if (!doc.ok()) return ToGrpc(doc.status());
    if (!req->doc_type().empty() && !IsDocTypeName(req->doc_type())) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("unknown document type ", req->doc_type()));
    }
    nlohmann::json fields = doc->fields_json.empty()
                                ? FieldsToJson(Fields())
                                : nlohmann::json::parse(doc->fields_json, nullptr, false);
    if (!fields.is_object()) fields = FieldsToJson(Fields());
    for (const auto& [key, value] : req->set_fields()) {
      if (!fields.contains(key) || key == "tax_breakdown") {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat("unknown field ", key));
      }
      fields[key] = value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
    }
    // The same parser as extraction output: amounts and dates must be valid.
    auto checked = FieldsFromJson(fields);
    if (!checked.ok()) return ToGrpc(checked.status());
    std::string moved_to = ResourceId(req->move_to_client(), "clients");
    if (!moved_to.empty() && moved_to != doc->client_id) {
      if (auto st = store_->MoveDocument(*id, moved_to, "review"); !st.ok()) return ToGrpc(st);
    }
    DocumentUpdate update;
    if (!req->doc_type().empty()) update.doc_type = req->doc_type();
    if (!req->set_fields().empty()) update.fields_json = FieldsToJson(*checked).dump();
    DocumentStatus at = doc->status;
    if (req->accept()) {
      if (at != DocumentStatus::kNeedsReview && at != DocumentStatus::kQuarantined) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            absl::StrCat("document ", *id, " is ", DocumentStatusName(at),
                                         ": only documents waiting for review are accepted"));
      }
      update.status = DocumentStatus::kDone;
      update.status_reason = "accepted by staff";
    } else if (!moved_to.empty() && at == DocumentStatus::kNeedsReview) {
      update.status = DocumentStatus::kExtracted;  // conclude again for its client
      update.status_reason = "";
    }
    nlohmann::json payload = {{"doc_type", req->doc_type()},
                              {"move_to", moved_to},
                              {"accept", req->accept()},
                              {"note", req->note()}};
    if (!req->set_fields().empty()) {
      nlohmann::json set = nlohmann::json::object();
      for (const auto& [key, value] : req->set_fields()) set[key] = value;
      payload["set_fields"] = set;
    }
    if (auto st = store_->UpdateDocument(*id, at, update, "reviewed", payload.dump()); !st.ok()) {
      return ToGrpc(st);
    }
    // Staff's word on this supplier's documents: the next one is typed by
    // the rules without asking a model.
    std::string confirmed = !req->doc_type().empty() ? req->doc_type()
                            : req->accept()          ? doc->doc_type
                                                     : "";
    std::string owner = moved_to.empty() ? doc->client_id : moved_to;
    if (!confirmed.empty() && confirmed != "other" && owner != kUnknownClientId) {
      if (std::string key = SupplierKey(*checked); !key.empty()) {
        if (auto st = store_->LearnSupplierType(owner, key, confirmed); !st.ok()) {
          return ToGrpc(st);
        }
      }
    }
    if (update.status == DocumentStatus::kExtracted && on_requeue_) on_requeue_();
    auto fresh = store_->GetDocument(*id);
    if (!fresh.ok()) return ToGrpc(fresh.status());
    FillDocument(*fresh, out);
    return grpc::Status::OK;
  }

  grpc::Status ImportBankStatement(grpc::ServerContext* ctx,
                                   const pb::ImportBankStatementRequest*,
                                   pb::ImportBankStatementResponse*) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    return NotYet("ImportBankStatement");
  }
  grpc::Status SendReminders(grpc::ServerContext* ctx,
                             const pb::SendRemindersRequest* req,
                             pb::SendRemindersResponse*) override {
    Role needed = req->dry_run() ? Role::kRead : Role::kAdmin;
    if (auto st = CheckRole(*ctx, tokens_.get(), needed); !st.ok()) return ToGrpc(st);
    return NotYet("SendReminders");
  }
  grpc::Status WaiveItem(grpc::ServerContext* ctx, const pb::WaiveItemRequest*,
                         pb::Item*) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    return NotYet("WaiveItem");
  }
  grpc::Status ExportPeriod(grpc::ServerContext* ctx,
                            const pb::ExportPeriodRequest*,
                            pb::ExportPeriodResponse*) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    return NotYet("ExportPeriod");
  }
  grpc::Status ListMissing(grpc::ServerContext* ctx,
                           const pb::ListMissingRequest*,
                           pb::ListMissingResponse*) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    return NotYet("ListMissing");
  }
  grpc::Status GetDocumentContent(
      grpc::ServerContext* ctx, const pb::GetDocumentContentRequest* req,
      grpc::ServerWriter<pb::DocumentContentChunk>* writer) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    if (!archive_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "archive not open");
    auto id = DocumentId(req->name());
    if (!id.ok()) return ToGrpc(id.status());
    auto doc = store_->GetDocument(*id);
    if (!doc.ok()) return ToGrpc(doc.status());
    std::ifstream in(archive_->PathOf(doc->sha256), std::ios::binary);
    if (!in) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS,
                          absl::StrCat("original of document ", *id, " missing from the archive"));
    }
    std::string buf(64 * 1024, '\0');
    bool first = true;
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      std::streamsize n = in.gcount();
      if (n <= 0 && !first) break;
      pb::DocumentContentChunk chunk;
      chunk.set_data(buf.data(), static_cast<size_t>(n));
      if (first) {
        chunk.set_mime(doc->mime);
        chunk.set_original_name(doc->original_name);
        first = false;
      }
      if (!writer->Write(chunk)) return grpc::Status::OK;
      if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
    }
    return grpc::Status::OK;
  }

 private:
  Store* store_;
  const Clock* clock_;
  DaemonInfo* info_;
  std::shared_ptr<const TokenTable> tokens_;
  Intake* intake_;
  const Archive* archive_;
  std::function<void()> on_requeue_;
  const LlmChain* llm_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewLiasseService(const ServiceDeps& deps) {
  return std::make_unique<LiasseService>(deps);
}

}  // namespace liasse
