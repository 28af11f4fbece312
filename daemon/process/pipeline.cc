#include "daemon/process/pipeline.h"

#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/process/understand.h"
#include "ocr/read_error.h"
#include "workflows/validate.h"

namespace liasse {
namespace {

// An idle worker looks for work at least this often even when nothing is
// due, in case the wall clock jumped.
constexpr absl::Duration kIdleRecheck = absl::Minutes(1);

using nlohmann::json;

std::string StatusPayload(DocumentStatus from, DocumentStatus to,
                          const std::string& reason = "", const json& detail = json::object()) {
  json j = {{"from", DocumentStatusName(from)}, {"to", DocumentStatusName(to)}};
  if (!reason.empty()) j["reason"] = reason;
  j.update(detail);
  return j.dump();
}

}  // namespace

Pipeline::Pipeline(Store* store, const Archive* archive, Extractor* extractor,
                   const Clock* clock, PipelineHost* host, Options options)
    : store_(store),
      archive_(archive),
      extractor_(extractor),
      clock_(clock),
      host_(host),
      options_(options) {}

Pipeline::~Pipeline() { Stop(); }

absl::Status Pipeline::Start() {
  // A document found mid-extraction was interrupted by a crash or a kill.
  // Its attempt was committed before it began: the first interruption is
  // retried, the second is taken for the document's fault.
  absl::StatusOr<std::vector<DocumentRecord>> due =
      store_->ListDueDocuments(absl::InfiniteFuture(), 100000);
  if (!due.ok()) return due.status();
  for (const DocumentRecord& doc : *due) {
    if (doc.status != DocumentStatus::kExtracting) continue;
    if (doc.attempts >= 2) {
      (void)Quarantine(doc.id, DocumentStatus::kExtracting,
                       "crashed: reading this document was interrupted twice");
    } else {
      DocumentUpdate u;
      u.status = DocumentStatus::kReceived;
      u.status_reason = "interrupted by a restart";
      (void)store_->UpdateDocument(doc.id, DocumentStatus::kExtracting, u, "status",
                                   StatusPayload(DocumentStatus::kExtracting,
                                                 DocumentStatus::kReceived,
                                                 "interrupted by a restart"));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  busy_since_.assign(static_cast<size_t>(options_.workers), absl::InfiniteFuture());
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] { ThreadLoop(i); });
  }
  return absl::OkStatus();
}

void Pipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Pipeline::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

bool Pipeline::Healthy() const {
  absl::Time now = clock_->Now();
  std::lock_guard<std::mutex> lock(mu_);
  for (absl::Time since : busy_since_) {
    if (since != absl::InfiniteFuture() && now - since > options_.stuck_after) {
      return false;
    }
  }
  return true;
}

void Pipeline::RunUntilIdle() {
  if (busy_since_.empty()) busy_since_.assign(1, absl::InfiniteFuture());
  while (ProcessNext(0)) {
  }
}

void Pipeline::ThreadLoop(int index) {
  while (true) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    if (ProcessNext(index)) continue;
    // Idle: sleep until the earliest retry comes due (one index lookup), or
    // until Wake() — intake, a requeue, another worker done with a document
    // (what is due now but not picked is in another worker's hands). The
    // cap only guards against the wall clock jumping.
    absl::Duration wait = kIdleRecheck;
    absl::StatusOr<absl::Time> next = store_->NextDueTime();
    absl::Time now = clock_->Now();
    if (next.ok() && *next > now) wait = std::min(wait, *next - now);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(wait + absl::Milliseconds(1)),
                 [&] { return stopping_ || wakeups_ != seen; });
    if (stopping_) return;
  }
}

bool Pipeline::ProcessNext(int index) {
  absl::StatusOr<std::vector<DocumentRecord>> due =
      store_->ListDueDocuments(clock_->Now(), 64);
  if (!due.ok()) {
    spdlog::error("event=pipeline_store_error error=\"{}\"", due.status().ToString());
    return false;
  }
  const DocumentRecord* picked = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    for (const DocumentRecord& doc : *due) {
      if (in_flight_.insert(doc.id).second) {
        picked = &doc;
        break;
      }
    }
    if (!picked) return false;
    busy_since_[static_cast<size_t>(index)] = clock_->Now();
  }
  Process(*picked);
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(picked->id);
    busy_since_[static_cast<size_t>(index)] = absl::InfiniteFuture();
    ++wakeups_;  // idle workers look again: this one held a due document
  }
  cv_.notify_all();
  return true;
}

void Pipeline::Process(const DocumentRecord& doc) {
  absl::Status st;
  switch (doc.status) {
    case DocumentStatus::kReceived:
    case DocumentStatus::kExtracting:
      st = Extract(doc);
      break;
    case DocumentStatus::kExtracted:
    case DocumentStatus::kClassified:
    case DocumentStatus::kValidated:
      st = Conclude(doc.id, doc);
      break;
    default:
      return;
  }
  if (!st.ok() && st.code() != absl::StatusCode::kFailedPrecondition) {
    spdlog::error("event=pipeline_error client={} doc={} error=\"{}\"", doc.client_id,
                  doc.id, st.ToString());
  }
}

absl::Duration Pipeline::Backoff(int attempts) const {
  absl::Duration d = options_.first_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  d = std::min(d, options_.max_backoff);
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return d * jitter(rng);
}

absl::Status Pipeline::Quarantine(int64_t id, DocumentStatus from,
                                  const std::string& reason) {
  DocumentUpdate u;
  u.status = DocumentStatus::kQuarantined;
  u.status_reason = reason;
  spdlog::warn("event=quarantined doc={} reason=\"{}\"", id, reason);
  return store_->UpdateDocument(id, from, u, "status",
                                StatusPayload(from, DocumentStatus::kQuarantined, reason));
}

absl::Status Pipeline::Extract(const DocumentRecord& doc) {
  // Commit the attempt before the risky step.
  DocumentUpdate begin;
  begin.status = DocumentStatus::kExtracting;
  begin.increment_attempts = true;
  if (absl::Status st = store_->UpdateDocument(
          doc.id, doc.status, begin, doc.status == DocumentStatus::kExtracting ? "" : "status",
          StatusPayload(doc.status, DocumentStatus::kExtracting));
      !st.ok()) {
    return st;
  }
  int attempts = doc.attempts + 1;
  if (attempts > options_.max_attempts) {
    return Quarantine(doc.id, DocumentStatus::kExtracting,
                      absl::StrCat("max_attempts: ", doc.status_reason.empty()
                                                         ? "too many attempts"
                                                         : doc.status_reason));
  }
  if (host_ != nullptr && doc.client_id != kUnknownClientId) {
    // Bank exports are text: only those are read whole here.
    absl::StatusOr<UniqueFd> fd = archive_->Open(doc.sha256);
    if (!fd.ok()) {
      return Quarantine(doc.id, DocumentStatus::kExtracting,
                        absl::StrCat("archive: ", fd.status().message()));
    }
    std::string head(4096, '\0');
    ssize_t n = ::pread(fd->get(), head.data(), head.size(), 0);
    head.resize(n > 0 ? static_cast<size_t>(n) : 0);
    bool text_like = !head.empty() && head.find('\0') == std::string::npos &&
                     !absl::StartsWith(head, "%PDF") && doc.size_bytes <= (64 << 20);
    absl::StatusOr<std::string> bytes =
        text_like ? archive_->Read(doc.sha256, 64 << 20) : absl::StatusOr<std::string>("");
    if (text_like && bytes.ok()) {
      absl::StatusOr<Fields> statement = host_->ImportBankFile(doc, *bytes);
      if (statement.ok()) {
        DocumentUpdate done;
        done.status = DocumentStatus::kExtracted;
        done.status_reason = "";
        done.text_source = TextSource::kBankFile;
        done.doc_type = DocType::kBankStatement;
        done.fields = *statement;
        done.checks = std::vector<Check>();
        return CommitExtracted(doc.id, done);
      }
      if (!absl::IsNotFound(statement.status())) {
        return Quarantine(doc.id, DocumentStatus::kExtracting,
                          absl::StrCat("bank_statement: ", statement.status().message()));
      }
    }
  }
  spdlog::debug("event=extracting client={} doc={} attempt={}", doc.client_id, doc.id, attempts);
  absl::StatusOr<ExtractedDocument> result =
      extractor_->Extract(archive_->PathOf(doc.sha256));
  if (!result.ok()) {
    std::optional<ReadErrorCode> code = GetReadErrorCode(result.status());
    std::string reason =
        absl::StrCat(code ? ReadErrorName(*code) : "error", ": ", result.status().message());
    bool transient =
        (code == ReadErrorCode::kTimeout || code == ReadErrorCode::kCrashed)
            ? attempts < 2  // final after one retry
            : !code && (result.status().code() == absl::StatusCode::kUnavailable ||
                        result.status().code() == absl::StatusCode::kDeadlineExceeded ||
                        result.status().code() == absl::StatusCode::kCancelled);
    if (transient && attempts < options_.max_attempts) {
      DocumentUpdate retry;
      retry.status = DocumentStatus::kReceived;
      retry.status_reason = reason;
      retry.next_attempt_at = clock_->Now() + Backoff(attempts);
      return store_->UpdateDocument(doc.id, DocumentStatus::kExtracting, retry, "retry",
                                    json({{"reason", reason}, {"attempt", attempts}}).dump());
    }
    return Quarantine(doc.id, DocumentStatus::kExtracting, reason);
  }
  DocumentUpdate done;
  done.status = DocumentStatus::kExtracted;
  done.status_reason = "";
  done.pages = result->text.pages;
  done.text_source = ParseTextSource(result->text.source);
  done.ocr_confidence = result->text.ocr_confidence.value_or(-1.0);
  done.text = result->text.text;
  done.mime = result->analysis.mime;
  // Type, fields and checks: the same decision as `liasse extract` shows.
  UnderstandOptions understand;
  if (host_ != nullptr) understand = host_->ClientOptions(doc.client_id);
  if (doc.client_id == kUnknownClientId) understand.llm_allowed = false;  // nobody's consent
  understand.learned_type = [this, &doc](const Fields& f) {
    std::string key = SupplierKey(f);
    if (key.empty()) return DocType::kUnknown;
    absl::StatusOr<DocType> t = store_->LearnedSupplierType(doc.client_id, key);
    return t.ok() ? *t : DocType::kUnknown;
  };
  understand.rules_confidence = options_.rules_confidence;
  understand.min_ocr_confidence = options_.min_ocr_confidence;
  Understanding u = Understand(*result, understand, absl::ToUnixSeconds(clock_->Now()),
                               options_.llm, doc.sha256);
  done.fields = u.fields;
  if (u.sure) done.doc_type = u.doc_type;
  std::vector<Check> found = u.checks;
  if (!u.fields.invoice_number.empty()) {
    absl::StatusOr<std::vector<DocumentRecord>> same =
        store_->DocumentsWithNumber(doc.client_id, u.fields.invoice_number, doc.id);
    if (same.ok()) {
      std::vector<Fields> others;
      for (const DocumentRecord& o : *same) {
        if (o.fields) others.push_back(*o.fields);
      }
      found.push_back(DuplicateCheck(u.fields, others));
    }
  }
  done.checks = std::move(found);
  // Who decided, and what vouched for the total and the date: a person
  // looking at the document's events sees why it was (or was not) sure.
  std::vector<std::pair<std::string, std::string>> why = {{"decided_by", u.decided_by}};
  if (!u.total_evidence.empty()) why.emplace_back("total_evidence", u.total_evidence);
  if (!u.date_evidence.empty()) why.emplace_back("date_evidence", u.date_evidence);
  return CommitExtracted(doc.id, done, why);
}

// extracting → extracted with what was read, then on to the conclusion.
absl::Status Pipeline::CommitExtracted(
    int64_t id, const DocumentUpdate& extracted,
    const std::vector<std::pair<std::string, std::string>>& why) {
  json detail = json::object();
  for (const auto& [key, value] : why) detail[key] = value;
  if (absl::Status st = store_->UpdateDocument(
          id, DocumentStatus::kExtracting, extracted, "status",
          StatusPayload(DocumentStatus::kExtracting, DocumentStatus::kExtracted, "", detail));
      !st.ok()) {
    return st;
  }
  absl::StatusOr<DocumentRecord> fresh = store_->GetDocument(id);
  if (!fresh.ok()) return fresh.status();
  return Conclude(id, *fresh);
}

// extracted → classified → validated → done | needs_review: an unknown
// sender, a failed error check or an unsure type waits for a person.
absl::Status Pipeline::Conclude(int64_t id, const DocumentRecord& doc) {
  DocumentStatus at = doc.status;
  if (at == DocumentStatus::kExtracted) {
    DocumentUpdate u;
    u.status = DocumentStatus::kClassified;
    if (absl::Status st = store_->UpdateDocument(
            id, at, u, "status",
            StatusPayload(at, DocumentStatus::kClassified, std::string(DocTypeName(doc.doc_type))));
        !st.ok()) {
      return st;
    }
    at = DocumentStatus::kClassified;
  }
  if (at == DocumentStatus::kClassified) {
    DocumentUpdate u;
    u.status = DocumentStatus::kValidated;
    if (absl::Status st = store_->UpdateDocument(
            id, at, u, "status", StatusPayload(at, DocumentStatus::kValidated));
        !st.ok()) {
      return st;
    }
    at = DocumentStatus::kValidated;
  }
  std::string client = doc.client_id;
  if (client == kUnknownClientId && host_ != nullptr && doc.fields) {
    std::string buyer = host_->ClientOfBuyer(*doc.fields);
    if (!buyer.empty() && store_->MoveDocument(id, buyer, "buyer of the e-invoice").ok()) {
      client = buyer;
    }
  }
  Conclusion conclusion = ConcludeDocument(client != kUnknownClientId, doc.checks, doc.doc_type);
  DocumentUpdate final_update;
  final_update.status = conclusion.done ? DocumentStatus::kDone : DocumentStatus::kNeedsReview;
  final_update.status_reason = conclusion.reason;
  if (conclusion.checks) final_update.checks = *conclusion.checks;
  if (absl::Status st = store_->UpdateDocument(
          id, at, final_update, "status", StatusPayload(at, *final_update.status, conclusion.reason));
      !st.ok()) {
    return st;
  }
  if (host_ != nullptr) host_->Concluded(id, conclusion);
  return absl::OkStatus();
}

}  // namespace liasse
