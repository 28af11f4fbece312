#include "daemon/api/api_service.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "daemon/api/auth.h"
#include "daemon/llm/llm_chain.h"
#include "daemon/process/archive.h"
#include "daemon/process/collector.h"
#include "daemon/process/intake.h"
#include "daemon/process/oauth_tokens.h"
#include "daemon/process/understand.h"
#include "liasse/v1/liasse.grpc.pb.h"
#include "workflows/collection.h"
#include "workflows/date.h"
#include "workflows/doc_type.h"
#include "workflows/entries.h"
#include "workflows/fields.h"

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

// ListMissing's page tokens: "k.DUE.CLIENT.ID" (a keyset position; client
// ids hold no dot) or "f.N" (a position in a forecast); "" = the start.
std::string MissingToken(const MissingCursor& c) {
  if (c.key.id != 0) {
    return absl::StrCat("k.", FormatIsoDate(c.key.due_date), ".", c.key.client_id, ".", c.key.id);
  }
  return c.offset != 0 ? absl::StrCat("f.", c.offset) : std::string();
}

absl::StatusOr<MissingCursor> ParseMissingToken(const std::string& token) {
  MissingCursor c;
  if (token.empty()) return c;
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  bool ok = false;
  if (parts.size() == 4 && parts[0] == "k") {
    absl::StatusOr<Date> due = ParseIsoDate(parts[1]);
    ok = due.ok() && !parts[2].empty() && absl::SimpleAtoi(parts[3], &c.key.id) && c.key.id > 0;
    if (ok) {
      c.key.due_date = *due;
      c.key.client_id = parts[2];
    }
  } else if (parts.size() == 2 && parts[0] == "f") {
    ok = absl::SimpleAtoi(parts[1], &c.offset) && c.offset > 0;
  }
  if (!ok) return absl::InvalidArgumentError("bad page_token");
  return c;
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

std::string MoneyText(const std::optional<Money>& m) { return m ? FormatDecimal(*m) : ""; }
std::string DateText(const std::optional<Date>& d) { return d ? FormatIsoDate(*d) : ""; }

pb::Direction ToProto(Direction direction) {
  switch (direction) {
    case Direction::kPurchase: return pb::DIRECTION_PURCHASE;
    case Direction::kSale: return pb::DIRECTION_SALE;
    case Direction::kUnknown: break;
  }
  return pb::DIRECTION_UNSPECIFIED;
}

void FillFields(const Fields& f, pb::Fields* out) {
  out->set_supplier_name(f.supplier_name);
  out->set_supplier_siren(f.supplier_siren);
  out->set_supplier_vat(f.supplier_vat);
  out->set_invoice_number(f.invoice_number);
  out->set_issue_date(DateText(f.issue_date));
  out->set_due_date(DateText(f.due_date));
  out->set_currency(f.currency);
  out->set_total_excl_tax(MoneyText(f.total_excl_tax));
  out->set_total_tax(MoneyText(f.total_tax));
  out->set_total_incl_tax(MoneyText(f.total_incl_tax));
  out->set_amount_due(MoneyText(f.amount_due));
  out->set_total_tax_eur(MoneyText(f.total_tax_eur));
  out->set_iban(f.iban);
  out->set_type_code(f.type_code);
  out->set_buyer_name(f.buyer_name);
  out->set_buyer_siren(f.buyer_siren);
  out->set_buyer_vat(f.buyer_vat);
  for (const TaxLine& t : f.tax_breakdown) {
    pb::TaxLine* line = out->add_tax_breakdown();
    line->set_rate(FormatRate(t.rate));
    line->set_base(FormatDecimal(t.base));
    line->set_amount(FormatDecimal(t.amount));
    line->set_category(t.category);
    line->set_exemption_reason(t.exemption_reason);
    line->set_exemption_reason_code(t.exemption_reason_code);
  }
  out->set_direction(ToProto(f.direction));
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
  out->set_text_source(std::string(TextSourceName(d.text_source)));
  out->set_ocr_confidence(d.ocr_confidence.value_or(0.0));
  out->set_doc_type(std::string(DocTypeName(d.doc_type)));
  if (d.fields) FillFields(*d.fields, out->mutable_fields());
  out->set_status(ToProto(d.status));
  out->set_attempts(d.attempts);
  out->set_status_reason(d.status_reason);
  out->set_size_bytes(d.size_bytes);
  SetTimestamp(d.updated_at, out->mutable_updated_at());
  for (const Check& c : d.checks) {
    pb::Check* check = out->add_checks();
    check->set_code(c.code);
    check->set_ok(c.ok);
    check->set_severity(c.severity);
    check->set_message_fr(c.message_fr);
    check->set_message_en(c.message_en);
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

// Handlers run on gRPC's synchronous thread pool: WatchEvents holds a thread
// for as long as a follower stays connected, which suits the few staff tools
// that follow events. Every handler checks the caller's role first.
// Counts one WatchEvents follower for its lifetime; not ok() when `limit`
// followers already run (a negative limit: not counted).
class FollowerSlot {
 public:
  FollowerSlot(std::atomic<int>* count, int limit) : count_(limit < 0 ? nullptr : count) {
    if (count_ && count_->fetch_add(1) >= limit) {
      count_->fetch_sub(1);
      count_ = nullptr;
      ok_ = false;
    }
  }
  ~FollowerSlot() {
    if (count_) count_->fetch_sub(1);
  }
  FollowerSlot(const FollowerSlot&) = delete;
  FollowerSlot& operator=(const FollowerSlot&) = delete;
  bool ok() const { return ok_; }

 private:
  std::atomic<int>* count_;
  bool ok_ = true;
};

class LiasseService final : public pb::Liasse::Service {
 public:
  static constexpr int kMaxFollowers = 64;

  explicit LiasseService(const ServiceDeps& deps)
      : store_(deps.store),
        clock_(deps.clock),
        info_(deps.info),
        tokens_(deps.tokens),
        intake_(deps.intake),
        archive_(deps.archive),
        on_requeue_(deps.on_requeue),
        llm_(deps.llm),
        collector_(deps.collector),
        oauth_(deps.oauth) {}

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
    // Totals only: listing clients is ListClients' job.
    auto clients = store_->CountClients();
    if (!clients.ok()) return ToGrpc(clients.status());
    out->set_client_count(*clients);
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
    if (oauth_) {
      for (const OAuthProfileStatus& p : oauth_->Status()) {
        pb::OAuthProfileStatus* o = out->add_oauth_profiles();
        o->set_name(p.name);
        o->set_grant(p.grant);
        o->set_has_token(p.has_token);
        if (p.has_token) SetTimestamp(p.valid_until, o->mutable_valid_until());
        if (p.last_renewal != absl::InfinitePast()) {
          SetTimestamp(p.last_renewal, o->mutable_last_renewal());
        }
        o->set_last_error(p.last_error);
        o->set_needs_person(p.needs_person);
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status OAuthLogin(grpc::ServerContext* ctx, const pb::OAuthLoginRequest* req,
                          grpc::ServerWriter<pb::OAuthLoginProgress>* writer) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!oauth_) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no [[oauth]] profile");
    absl::StatusOr<absl::Time> valid_until = oauth_->Login(
        req->profile(),
        [&](const OAuthTokens::DevicePrompt& p) {
          pb::OAuthLoginProgress progress;
          progress.set_verification_uri(p.verification_uri);
          progress.set_user_code(p.user_code);
          progress.set_message(p.message);
          SetTimestamp(p.expires_at, progress.mutable_code_expires_at());
          writer->Write(progress);
        },
        [&](absl::Duration d) {
          // Real time: a person is typing a code. Notices a caller who gave
          // up, and shutdown, within a quarter of a second.
          absl::Time until = absl::Now() + d;
          while (absl::Now() < until) {
            if (ctx->IsCancelled() || info_->stopping()) return false;
            absl::SleepFor(std::min(absl::Milliseconds(250), until - absl::Now()));
          }
          return true;
        });
    if (!valid_until.ok()) return ToGrpc(valid_until.status());
    pb::OAuthLoginProgress done;
    done.set_done(true);
    SetTimestamp(*valid_until, done.mutable_valid_until());
    writer->Write(done);
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
    if (collector_) {
      absl::Time now = clock_->Now();
      std::string period = req->period();
      if (period.empty()) {
        Date today = LocalDate(now, collector_->timezone());
        period = FormatYearMonth(std::chrono::year_month{today.year(), today.month()});
      }
      // The period's items, and every older item still open.
      auto items = collector_->Items(id, "", now, false);
      if (!items.ok()) return ToGrpc(items.status());
      for (const ItemView& v : *items) {
        bool open = v.item.state == ItemState::kOpen && v.status != "expected";
        if (v.item.period == period || open) FillItem(v, out->add_checklist());
      }
      auto sent = store_->CountOutbox(id, "reminder", OutboxState::kSent);
      if (sent.ok()) out->set_reminders_sent(static_cast<int32_t>(*sent));
      auto next = collector_->NextReminderAt(id, now);
      if (next.ok() && *next != absl::InfiniteFuture()) {
        out->set_next_reminder_date(absl::FormatTime("%Y-%m-%d %H:%M", *next, collector_->timezone()));
      }
    }
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

  grpc::Status ListEvents(grpc::ServerContext* ctx, const pb::ListEventsRequest* req,
                          pb::ListEventsResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    int64_t after = req->after_seq();
    if (!req->page_token().empty() && !absl::SimpleAtoi(req->page_token(), &after)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page_token");
    }
    if (after < 0) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "after_seq must be >= 0");
    int size = PageSize(req->page_size());
    auto events = store_->ListEvents(after, ResourceId(req->client(), "clients"), size);
    if (!events.ok()) return ToGrpc(events.status());
    for (const EventRecord& e : *events) FillEvent(e, out->add_events());
    if (static_cast<int>(events->size()) == size) {
      out->set_next_page_token(absl::StrCat(events->back().seq));
    }
    return grpc::Status::OK;
  }

  grpc::Status WatchEvents(grpc::ServerContext* ctx,
                           const pb::WatchEventsRequest* req,
                           grpc::ServerWriter<pb::Event>* writer) override {
    return FollowEvents(ctx, *req, 500, [writer](const std::vector<EventRecord>& events) {
      for (const EventRecord& e : events) {
        pb::Event event;
        FillEvent(e, &event);
        if (!writer->Write(event)) return false;
      }
      return true;
    });
  }

  grpc::Status WatchEventBatches(grpc::ServerContext* ctx,
                                 const pb::WatchEventsRequest* req,
                                 grpc::ServerWriter<pb::EventBatch>* writer) override {
    return FollowEvents(ctx, *req, kMaxPageSize,
                        [writer](const std::vector<EventRecord>& events) {
                          pb::EventBatch batch;
                          for (const EventRecord& e : events) FillEvent(e, batch.add_events());
                          return writer->Write(batch);
                        });
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
    // Streamed to the archive's temporary file: memory stays one chunk.
    absl::StatusOr<std::unique_ptr<ArchiveWriter>> upload = intake_->StartUpload();
    if (!upload.ok()) return ToGrpc(upload.status());
    while (reader->Read(&part)) {
      if (!part.has_chunk()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "only chunks after the header");
      }
      if (absl::Status st = (*upload)->Append(part.chunk()); !st.ok()) {
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            absl::StrCat("document larger than ", intake_->max_bytes(),
                                         " bytes ([ocr] max_file_mb)"));
      }
    }
    if ((*upload)->size() == 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "empty document");
    }
    absl::StatusOr<ArchivedFile> archived = (*upload)->Commit();
    if (!archived.ok()) return ToGrpc(archived.status());
    auto result = intake_->IngestArchived(client_id, "upload", name, *archived);
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

  grpc::Status CheckStore(grpc::ServerContext* ctx, const pb::CheckStoreRequest* req,
                          pb::CheckStoreResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    absl::StatusOr<StoreCheck> check = store_->CheckStore(req->repair());
    if (!check.ok()) return ToGrpc(check.status());
    for (const std::string& line : check->integrity) out->add_integrity(line);
    for (const std::string& line : check->wrong_counts) out->add_wrong_counts(line);
    out->set_repaired(check->repaired);
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
    // Amounts and dates must be valid; unknown names are refused.
    Fields fields = doc->fields.value_or(Fields());
    for (const auto& [key, value] : req->set_fields()) {
      if (absl::Status st = SetField(&fields, key, value); !st.ok()) return ToGrpc(st);
    }
    std::string moved_to = ResourceId(req->move_to_client(), "clients");
    // An account is remembered for the document's third party.
    std::string third_party;
    if (!req->account().empty()) {
      if (!IsAccountNumber(req->account())) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "account: letters and digits, at most 20 (e.g. 6063000)");
      }
      DocType type = !req->doc_type().empty() ? *ParseDocType(req->doc_type()) : doc->doc_type;
      third_party = ThirdPartyAccount(type, fields);
      if (third_party.empty()) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            absl::StrCat("document ", *id, ": purchase or sale is unknown; set "
                                         "direction first (--set direction=purchase)"));
      }
    }
    if (!moved_to.empty() && moved_to != doc->client_id) {
      if (auto st = store_->MoveDocument(*id, moved_to, "review"); !st.ok()) return ToGrpc(st);
    }
    DocumentUpdate update;
    // Checked above: a known type name.
    if (!req->doc_type().empty()) update.doc_type = ParseDocType(req->doc_type());
    if (!req->set_fields().empty()) update.fields = fields;
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
    if (!third_party.empty()) {
      payload["account"] = req->account();
      payload["third_party"] = third_party;
    }
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
    DocType confirmed = !req->doc_type().empty() ? *ParseDocType(req->doc_type())
                        : req->accept()          ? doc->doc_type
                                                 : DocType::kUnknown;
    std::string owner = moved_to.empty() ? doc->client_id : moved_to;
    if (confirmed != DocType::kUnknown && confirmed != DocType::kOther &&
        owner != kUnknownClientId) {
      if (std::string key = SupplierKey(fields); !key.empty()) {
        if (auto st = store_->LearnSupplierType(owner, key, confirmed); !st.ok()) {
          return ToGrpc(st);
        }
      }
    }
    if (!third_party.empty()) {
      if (auto st = store_->LearnSupplierAccount(owner, third_party, req->account()); !st.ok()) {
        return ToGrpc(st);
      }
    }
    if (update.status == DocumentStatus::kExtracted && on_requeue_) on_requeue_();
    auto fresh = store_->GetDocument(*id);
    if (!fresh.ok()) return ToGrpc(fresh.status());
    FillDocument(*fresh, out);
    return grpc::Status::OK;
  }

  grpc::Status ImportBankStatement(grpc::ServerContext* ctx,
                                   const pb::ImportBankStatementRequest* req,
                                   pb::ImportBankStatementResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    auto counts = collector_->ImportBankStatement(ResourceId(req->client(), "clients"),
                                                  req->file_name(), req->content(), req->format());
    if (!counts.ok()) return ToGrpc(counts.status());
    out->set_transactions_added(counts->added);
    out->set_transactions_skipped(counts->skipped);
    out->set_items_created(counts->items_created);
    return grpc::Status::OK;
  }

  grpc::Status SendReminders(grpc::ServerContext* ctx, const pb::SendRemindersRequest* req,
                             pb::SendRemindersResponse* out) override {
    Role needed = req->dry_run() ? Role::kRead : Role::kAdmin;
    if (auto st = CheckRole(*ctx, tokens_.get(), needed); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    auto as_of = AsOf(req->as_of());
    if (!as_of.ok()) return ToGrpc(as_of.status());
    if (!req->dry_run() && !collector_->RemindersEnabled()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "[reminders] enabled = false: nothing is sent (use dry_run to preview)");
    }
    if (!req->dry_run() && *as_of > clock_->Now() + absl::Minutes(1)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "as_of in the future is only for dry_run previews");
    }
    auto run = collector_->RunReminders(*as_of, req->dry_run(), ResourceId(req->client(), "clients"));
    if (!run.ok()) return ToGrpc(run.status());
    for (const RenderedReminder& r : run->emails) {
      pb::RenderedEmail* e = out->add_emails();
      e->set_client(r.client_id);
      for (const std::string& to : r.to) e->add_to(to);
      e->set_subject(r.subject);
      e->set_text_body(r.text);
      e->set_html_body(r.html);
      e->set_message_id(r.message_id);
    }
    out->set_sent(run->scheduled);
    out->set_escalations(run->escalations);
    if (!req->dry_run()) {
      if (auto st = collector_->Deliver(); !st.ok()) return ToGrpc(st);
    }
    return grpc::Status::OK;
  }

  grpc::Status WaiveItem(grpc::ServerContext* ctx, const pb::WaiveItemRequest* req,
                         pb::Item* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (req->reason().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a reason is required");
    }
    if (auto st = store_->WaiveItem(req->item_id(), req->reason()); !st.ok()) return ToGrpc(st);
    auto item = store_->GetItem(req->item_id());
    if (!item.ok()) return ToGrpc(item.status());
    FillItem(ItemView{*item, "waived"}, out);
    return grpc::Status::OK;
  }

  grpc::Status ExportPeriod(grpc::ServerContext* ctx, const pb::ExportPeriodRequest* req,
                            pb::ExportPeriodResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    if (req->directory().empty() || req->directory()[0] != '/') {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "directory must be an absolute path on the daemon's machine");
    }
    auto n = collector_->Export(ResourceId(req->client(), "clients"), req->period(),
                                req->directory(), req->format());
    if (!n.ok()) return ToGrpc(n.status());
    out->set_documents(n->documents);
    out->set_path(n->path);
    if (req->format().empty() || req->format() == "csv") out->set_index_path(n->path);
    out->set_entries(n->entries);
    out->set_to_review(n->to_review);
    out->set_added(n->added);
    out->set_changed(n->changed);
    out->set_removed(n->removed);
    return grpc::Status::OK;
  }

  grpc::Status DownloadExport(grpc::ServerContext* ctx, const pb::ExportPeriodRequest* req,
                              grpc::ServerWriter<pb::ExportChunk>* writer) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    // Written in a private directory of the state dir, streamed, removed.
    std::error_code ec;
    std::filesystem::path tmp_root = std::filesystem::path(info_->state_dir()) / "tmp";
    std::filesystem::create_directories(tmp_root, ec);
    std::string pattern = (tmp_root / "export-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          absl::StrCat("cannot create ", pattern, ": ", std::strerror(errno)));
    }
    const std::filesystem::path dir = pattern;
    struct Cleanup {
      std::filesystem::path dir;
      ~Cleanup() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
      }
    } cleanup{dir};
    auto n = collector_->Export(ResourceId(req->client(), "clients"), req->period(), dir.string(),
                                req->format());
    if (!n.ok()) return ToGrpc(n.status());
    std::vector<std::string> names;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
      if (f.is_regular_file()) names.push_back(f.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    std::string buffer(1 << 20, '\0');
    for (const std::string& name : names) {
      std::ifstream in(dir / name, std::ios::binary);
      bool first = true;
      while (in || first) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        std::streamsize got = in.gcount();
        if (got == 0 && !first) break;
        pb::ExportChunk chunk;
        chunk.set_name(name);
        chunk.set_data(buffer.data(), static_cast<size_t>(got));
        if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "caller left");
        first = false;
      }
      if (in.bad()) return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("read ", name));
    }
    pb::ExportChunk last;
    pb::ExportPeriodResponse* out = last.mutable_summary();
    out->set_documents(n->documents);
    out->set_path(std::filesystem::path(n->path).filename().string());
    if (req->format().empty() || req->format() == "csv") out->set_index_path(out->path());
    out->set_entries(n->entries);
    out->set_to_review(n->to_review);
    out->set_added(n->added);
    out->set_changed(n->changed);
    out->set_removed(n->removed);
    writer->Write(last);
    return grpc::Status::OK;
  }

  grpc::Status ImportFec(grpc::ServerContext* ctx, const pb::ImportFecRequest* req,
                         pb::ImportFecResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kAdmin); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    auto learned = collector_->ImportFec(ResourceId(req->client(), "clients"), req->content());
    if (!learned.ok()) return ToGrpc(learned.status());
    out->set_lines(learned->lines);
    out->set_third_parties(learned->third_parties);
    out->set_with_account(learned->with_account);
    return grpc::Status::OK;
  }

  grpc::Status ListEntries(grpc::ServerContext* ctx, const pb::ListEntriesRequest* req,
                           pb::ListEntriesResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    std::string client = ResourceId(req->client(), "clients");
    int64_t offset = 0;
    if (!req->page_token().empty() &&
        (!absl::SimpleAtoi(req->page_token(), &offset) || offset < 0)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page_token");
    }
    auto proposed = collector_->Entries(client, req->period());
    if (!proposed.ok()) return ToGrpc(proposed.status());
    auto exported = store_->ExportedEntries(client, req->period());
    if (!exported.ok()) return ToGrpc(exported.status());
    const int64_t total = static_cast<int64_t>(proposed->entries.size());
    const int64_t first = std::min(offset, total);
    const int64_t end = std::min(total, first + PageSize(req->page_size()));
    out->set_first_number(static_cast<int32_t>(first + 1));
    if (end < total) out->set_next_page_token(absl::StrCat(end));
    for (int64_t i = first; i < end; ++i) {
      const Entry& e = proposed->entries[static_cast<size_t>(i)];
      pb::AccountingEntry* pe = out->add_entries();
      const std::map<int64_t, std::string>& was =
          e.bank_txn_id ? exported->by_bank_txn : exported->by_document;
      auto before = was.find(e.bank_txn_id ? e.bank_txn_id : e.document_id);
      pe->set_state(before == was.end()             ? "proposed"
                    : before->second == FecLines(e) ? "exported"
                                                    : "changed");
      pe->set_document_id(e.document_id);
      pe->set_bank_txn_id(e.bank_txn_id);
      pe->set_journal(e.journal);
      pe->set_date(FormatIsoDate(e.date));
      pe->set_piece_ref(e.piece_ref);
      pe->set_label(e.label);
      for (const EntryLine& l : e.lines) {
        pb::EntryLine* pl = pe->add_lines();
        pl->set_account(l.account);
        pl->set_account_label(l.account_label);
        pl->set_aux(l.aux);
        pl->set_aux_label(l.aux_label);
        pl->set_debit(FormatDecimal(l.debit));
        pl->set_credit(FormatDecimal(l.credit));
        if (l.vat_rate) pl->set_vat_rate(FormatRate(*l.vat_rate));
        if (l.foreign_amount) {
          pl->set_foreign_amount(FormatDecimal(*l.foreign_amount));
          pl->set_currency(l.currency);
        }
        pl->set_lettering(l.lettering);
        if (l.lettering_date) pl->set_lettering_date(FormatIsoDate(*l.lettering_date));
      }
    }
    for (const Unbooked& u : proposed->review) {
      if (offset != 0) break;  // the first page carries them
      pb::AccountingEntry* pe = out->add_to_review();
      pe->set_document_id(u.document_id);
      pe->set_bank_txn_id(u.bank_txn_id);
      pe->set_date(FormatIsoDate(u.date));
      pe->set_label(u.supplier);
      for (const std::string& why : u.reasons) pe->add_review(why);
    }
    return grpc::Status::OK;
  }

  grpc::Status ListMissing(grpc::ServerContext* ctx, const pb::ListMissingRequest* req,
                           pb::ListMissingResponse* out) override {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    if (!collector_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collection not running");
    auto as_of = AsOf(req->as_of());
    if (!as_of.ok()) return ToGrpc(as_of.status());
    absl::StatusOr<MissingCursor> after = ParseMissingToken(req->page_token());
    if (!after.ok()) return ToGrpc(after.status());
    auto page = collector_->Missing(ResourceId(req->client(), "clients"), *as_of, *after,
                                    PageSize(req->page_size()));
    if (!page.ok()) return ToGrpc(page.status());
    for (const ItemView& v : page->items) FillItem(v, out->add_items());
    out->set_next_page_token(MissingToken(page->next));
    return grpc::Status::OK;
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
    absl::StatusOr<UniqueFd> fd = archive_->Open(doc->sha256);
    if (!fd.ok()) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS,
                          absl::StrCat("original of document ", *id, " missing from the archive"));
    }
    std::string buf(64 * 1024, '\0');
    bool first = true;
    while (true) {
      ssize_t n = ::read(fd->get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ToGrpc(ErrnoStatus(errno, absl::StrCat("read original of document ", *id)));
      if (n == 0 && !first) break;
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
  std::shared_ptr<TokenTable> tokens_;
  Intake* intake_;
  const Archive* archive_;
  std::function<void()> on_requeue_;
  const LlmChain* llm_;
  Collector* collector_;
  OAuthTokens* oauth_;
  std::atomic<int> followers_{0};

  // The event feed behind both watch calls: `emit` sends one listing of up
  // to `batch` events (false: the client is gone).
  grpc::Status FollowEvents(grpc::ServerContext* ctx, const pb::WatchEventsRequest& req,
                            int batch,
                            const std::function<bool(const std::vector<EventRecord>&)>& emit) {
    if (auto st = CheckRole(*ctx, tokens_.get(), Role::kRead); !st.ok()) return ToGrpc(st);
    if (req.after_seq() < 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "after_seq must be >= 0");
    }
    // Each follower holds a server thread: a bounded number of them, so the
    // other calls always find one.
    FollowerSlot slot(&followers_, req.follow() ? kMaxFollowers : -1);
    if (!slot.ok()) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat("too many event followers (", kMaxFollowers,
                                       "); try again later"));
    }
    std::string client = ResourceId(req.client(), "clients");
    int64_t seq = req.after_seq();
    while (!ctx->IsCancelled()) {
      // Read before listing, so an event committed meanwhile wakes the wait.
      int64_t watermark = store_->LastEventSeq();
      auto events = store_->ListEvents(seq, client, batch);
      if (!events.ok()) return ToGrpc(events.status());
      if (!events->empty()) {
        if (!emit(*events)) return grpc::Status::OK;  // client gone
        seq = events->back().seq;
        continue;
      }
      if (!req.follow() || info_->stopping()) return grpc::Status::OK;
      // Wake up at least every 250 ms to notice cancellation and shutdown.
      store_->WaitForEventsAfter(watermark, absl::Milliseconds(250));
    }
    return grpc::Status::OK;
  }

  // "" = now; "2026-12-10" = that day at noon, firm time (outside quiet
  // hours); or a full RFC 3339 time.
  absl::StatusOr<absl::Time> AsOf(const std::string& text) const {
    if (text.empty()) return clock_->Now();
    absl::TimeZone tz = collector_ ? collector_->timezone() : absl::UTCTimeZone();
    if (absl::StatusOr<Date> d = ParseIsoDate(text); d.ok()) {
      return absl::FromCivil(absl::CivilHour(static_cast<int>(d->year()),
                                             static_cast<unsigned>(d->month()),
                                             static_cast<unsigned>(d->day()), 12),
                             tz);
    }
    absl::Time t;
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
    if (absl::ParseTime("%Y-%m-%dT%H:%M", text, tz, &t, &err)) return t;
    return absl::InvalidArgumentError(absl::StrCat("as_of: \"", text, "\" is not a date or time"));
  }

  static void FillItem(const ItemView& v, pb::Item* out) {
    out->set_id(v.item.id);
    out->set_client(v.item.client_id);
    out->set_period(v.item.period);
    out->set_kind(v.item.kind);
    out->set_label(v.item.kind == "redo" && !v.item.reason.empty()
                       ? absl::StrCat(v.item.label, " — ", v.item.reason)
                       : v.item.label);
    out->set_status(v.status);
    out->set_due_date(FormatIsoDate(v.item.due_date));
    out->set_document_id(v.item.document_id);
    out->set_bank_txn_id(v.item.bank_txn_id);
    out->set_amount_cents(v.item.amount.cents);
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewLiasseService(const ServiceDeps& deps) {
  return std::make_unique<LiasseService>(deps);
}

}  // namespace liasse
