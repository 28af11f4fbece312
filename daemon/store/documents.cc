// Documents: intake, updates, listings; files seen in keep-folders; mailbox state.
#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/record_json.h"
#include "daemon/store/rows.h"

namespace liasse {

absl::StatusOr<int64_t> SqliteStore::InsertDocument(const NewDocument& doc) {
  absl::StatusOr<IntakeResult> r = Ingest(doc, /*record_duplicate=*/false);
  if (!r.ok()) return r.status();
  if (r->duplicate) {
    return absl::AlreadyExistsError(absl::StrCat(
        "document ", r->document_id, " of client ", doc.client_id, " has the same content"));
  }
  return r->document_id;
}

absl::StatusOr<IntakeResult> SqliteStore::IngestDocument(const NewDocument& doc) {
  return Ingest(doc, /*record_duplicate=*/true);
}

absl::StatusOr<IntakeResult> SqliteStore::Ingest(const NewDocument& doc, bool record_duplicate) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  absl::StatusOr<int64_t> first = FindSameBytesLocked(doc);
  if (!first.ok()) return first.status();
  if (*first != 0 && !record_duplicate) return IntakeResult{*first, true};
  if (*first != 0) {
    nlohmann::json payload = {{"source", doc.source},
                              {"name", doc.original_name},
                              {"sha256", doc.sha256},
                              {"first_document", *first}};
    if (absl::Status st = InsertEventLocked(now, "duplicate", doc.client_id, *first,
                                            payload.dump());
        !st.ok()) {
      return st;
    }
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return IntakeResult{*first, true};
  }
  absl::StatusOr<int64_t> id = InsertReceivedLocked(now, doc);
  if (!id.ok()) return id.status();
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return IntakeResult{*id, false};
}

absl::Status SqliteStore::UpdateDocument(int64_t id, DocumentStatus expected,
                            const DocumentUpdate& u,
                            absl::string_view event_kind,
                            const std::string& payload) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  if (absl::Status st = UpdateDocumentLocked(txn.now, id, expected, u, event_kind, payload);
      !st.ok()) {
    return st;
  }
  return txn.Commit();
}

absl::StatusOr<int> SqliteStore::ImportDocuments(const std::vector<ImportedDocument>& docs) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  int added = 0;
  for (const ImportedDocument& d : docs) {
    absl::StatusOr<int64_t> first = FindSameBytesLocked(d.doc);
    if (!first.ok()) return first.status();
    if (*first != 0) continue;
    absl::StatusOr<int64_t> id = InsertReceivedLocked(txn.now, d.doc);
    if (!id.ok()) return id.status();
    if (absl::Status st = UpdateDocumentLocked(txn.now, *id, DocumentStatus::kReceived, d.update,
                                               d.event_kind, d.event_payload);
        !st.ok()) {
      return st;
    }
    ++added;
  }
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return added;
}

absl::Status SqliteStore::UpdateDocumentLocked(const std::string& now, int64_t id,
                                               DocumentStatus expected, const DocumentUpdate& u,
                                               absl::string_view event_kind,
                                               const std::string& payload) {
  absl::StatusOr<std::string> client =
      ClientIfStateLocked("document", "status", id, std::string(DocumentStatusName(expected)));
  if (!client.ok()) return client.status();
  // NULL parameters leave a column as it is.
  Stmt s(writer_,
         "UPDATE document SET status = COALESCE(?2, status), status_reason = "
         "COALESCE(?3, status_reason), pages = COALESCE(?4, pages), "
         "text_source = COALESCE(?5, text_source), ocr_confidence = "
         "CASE WHEN ?6 IS NULL THEN ocr_confidence WHEN ?6 < 0 THEN NULL "
         "ELSE ?6 END, doc_type = COALESCE(?7, doc_type), fields = "
         "COALESCE(?8, fields), checks = COALESCE(?9, checks), text_content "
         "= COALESCE(?10, text_content), next_attempt_at = COALESCE(?11, "
         "next_attempt_at), attempts = attempts + ?12, updated_at = ?13, mime "
         "= COALESCE(?14, mime), invoice_number = CASE WHEN ?8 IS NULL THEN "
         "invoice_number ELSE ?15 END WHERE id = ?1");
  s.Bind(1, id);
  auto bind_text = [&](int i, const std::optional<std::string>& v) {
    if (v) {
      s.Bind(i, *v);
    } else {
      s.BindNull(i);
    }
  };
  if (u.status) {
    s.Bind(2, std::string(DocumentStatusName(*u.status)));
  } else {
    s.BindNull(2);
  }
  bind_text(3, u.status_reason);
  if (u.pages) {
    s.Bind(4, int64_t{*u.pages});
  } else {
    s.BindNull(4);
  }
  bind_text(5, u.text_source ? std::optional<std::string>(TextSourceName(*u.text_source))
                             : std::nullopt);
  if (u.ocr_confidence) {
    s.BindDouble(6, *u.ocr_confidence);
  } else {
    s.BindNull(6);
  }
  bind_text(7, u.doc_type ? std::optional<std::string>(DocTypeName(*u.doc_type)) : std::nullopt);
  // Stored as JSON text (the `liasse extract --json` form); "" = none.
  std::optional<std::string> fields_json, checks_json;
  if (u.fields) fields_json = FieldsToJson(*u.fields).dump();
  if (u.checks) checks_json = ChecksToJson(*u.checks).dump();
  bind_text(8, fields_json);
  bind_text(9, checks_json);
  bind_text(10, u.text);
  if (u.next_attempt_at) {
    s.Bind(11, FormatStoreTime(*u.next_attempt_at));
  } else {
    s.BindNull(11);
  }
  s.Bind(12, int64_t{u.increment_attempts ? 1 : 0});
  s.Bind(13, now);
  bind_text(14, u.mime);
  s.Bind(15, u.fields ? u.fields->invoice_number : std::string());
  if (absl::Status st = s.Run(); !st.ok()) return st;
  if (!event_kind.empty()) {
    return InsertEventLocked(now, event_kind, *client, id, payload.empty() ? "{}" : payload);
  }
  return absl::OkStatus();
}

// The WHERE of the partial index document_pending, word for word: SQLite
// uses a partial index only when the query's terms imply its condition.
// Due documents come in the index's order (due time, id), so that no plan
// prefers walking every document in id order — with nothing pending, the
// partial index has no statistics and the planner would.
constexpr char kPending[] = "status NOT IN ('done', 'needs_review', 'quarantined')";

absl::StatusOr<std::vector<DocumentRecord>> SqliteStore::ListDueDocuments(
    absl::Time now, int limit) {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT ", kDocumentColumns, " FROM document WHERE ", kPending,
                               " AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2")
                      .c_str());
  s.Bind(1, FormatStoreTime(now)).Bind(2, int64_t{limit});
  return ReadAll<DocumentRecord>(s, ReadDocument);
}

absl::StatusOr<absl::Time> SqliteStore::NextDueTime() {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT MIN(next_attempt_at) FROM document WHERE ", kPending).c_str());
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  if (s.IsNull(0)) return absl::InfiniteFuture();
  // "" (due at once) and unreadable stamps read as the epoch: due now.
  return TimeOrEpoch(s.Text(0));
}

absl::StatusOr<int64_t> SqliteStore::CountPendingDocuments() {
  absl::StatusOr<std::map<DocumentStatus, int64_t>> counts = CountDocumentsByStatus("");
  if (!counts.ok()) return counts.status();
  int64_t n = 0;
  for (const auto& [status, count] : *counts) {
    if (!IsFinal(status)) n += count;
  }
  return n;
}

absl::StatusOr<std::vector<DocumentRecord>> SqliteStore::DocumentsWithNumber(
    const std::string& client_id, const std::string& invoice_number,
    int64_t except_id) {
  if (invoice_number.empty()) return std::vector<DocumentRecord>();
  ReadConn conn(this);
  // invoice_number <> '' lets the planner take the partial index.
  Stmt s(conn.db,
         absl::StrCat("SELECT ", kDocumentColumns,
                      " FROM document WHERE client_id = ?1 AND invoice_number = ?2 AND "
                      "invoice_number <> '' AND id <> ?3 LIMIT 50")
             .c_str());
  s.Bind(1, client_id).Bind(2, invoice_number).Bind(3, except_id);
  return ReadAll<DocumentRecord>(s, ReadDocument);
}

absl::StatusOr<std::string> SqliteStore::GetDocumentText(int64_t id) {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT text_content FROM document WHERE id = ?1");
  s.Bind(1, id);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("document ", id));
  return s.Text(0);
}

absl::StatusOr<bool> SqliteStore::IsFileSeen(const std::string& client_id,
                                const std::string& path, int64_t size,
                                int64_t mtime_ns) {
  ReadConn conn(this);
  Stmt s(conn.db,
         "SELECT 1 FROM seen_file WHERE client_id = ?1 AND path = ?2 AND "
         "size = ?3 AND mtime_ns = ?4");
  s.Bind(1, client_id).Bind(2, path).Bind(3, size).Bind(4, mtime_ns);
  return s.Step();
}

absl::Status SqliteStore::RememberFile(const std::string& client_id,
                          const std::string& path, int64_t size,
                          int64_t mtime_ns, const std::string& sha256,
                          int64_t document_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO seen_file (client_id, path, size, mtime_ns, sha256, "
         "document_id, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON "
         "CONFLICT (client_id, path) DO UPDATE SET size = ?3, mtime_ns = ?4, "
         "sha256 = ?5, document_id = ?6, seen_at = ?7");
  s.Bind(1, client_id).Bind(2, path).Bind(3, size).Bind(4, mtime_ns);
  s.Bind(5, sha256).Bind(6, document_id).Bind(7, FormatStoreTime(clock_->Now()));
  return s.Run();
}

absl::Status SqliteStore::MoveDocument(int64_t id, const std::string& to_client,
                          const std::string& why) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  std::string from, sha;
  {
    Stmt s(writer_, "SELECT client_id, sha256 FROM document WHERE id = ?1");
    s.Bind(1, id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("document ", id));
    from = s.Text(0);
    sha = s.Text(1);
  }
  {
    Stmt s(writer_, "SELECT 1 FROM client WHERE id = ?1");
    s.Bind(1, to_client);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("client ", to_client));
  }
  {
    Stmt s(writer_, "SELECT id FROM document WHERE client_id = ?1 AND sha256 = ?2");
    s.Bind(1, to_client).Bind(2, sha);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (*row) {
      return absl::AlreadyExistsError(absl::StrCat(
          "client ", to_client, " already has these bytes as document ", s.Int(0)));
    }
  }
  Stmt s(writer_, "UPDATE document SET client_id = ?2, updated_at = ?3 WHERE id = ?1");
  s.Bind(1, id).Bind(2, to_client).Bind(3, now);
  if (absl::Status st = s.Run(); !st.ok()) return st;
  nlohmann::json payload = {{"from", from}, {"to", to_client}, {"why", why}};
  if (absl::Status st = InsertEventLocked(now, "moved", to_client, id, payload.dump());
      !st.ok()) {
    return st;
  }
  return txn.Commit();
}

absl::StatusOr<MailboxState> SqliteStore::GetMailboxState(const std::string& mailbox,
                                             const std::string& folder) {
  ReadConn conn(this);
  Stmt s(conn.db,
         "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?1 "
         "AND folder = ?2");
  s.Bind(1, mailbox).Bind(2, folder);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  MailboxState state;
  if (*row) {
    state.uidvalidity = s.Int(0);
    state.last_uid = s.Int(1);
  }
  return state;
}

absl::Status SqliteStore::SetMailboxState(const std::string& mailbox, const std::string& folder,
                             const MailboxState& state) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO mailbox_state (mailbox, folder, uidvalidity, last_uid, "
         "updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (mailbox, "
         "folder) DO UPDATE SET uidvalidity = ?3, last_uid = ?4, updated_at = ?5");
  s.Bind(1, mailbox).Bind(2, folder).Bind(3, state.uidvalidity).Bind(4, state.last_uid);
  s.Bind(5, FormatStoreTime(clock_->Now()));
  return s.Run();
}

absl::StatusOr<DocumentRecord> SqliteStore::GetDocument(int64_t id) {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT ", kDocumentColumns,
                               " FROM document WHERE id = ?1")
                      .c_str());
  s.Bind(1, id);
  return ReadOne<DocumentRecord>(s, ReadDocument, absl::StrCat("document ", id));
}

absl::StatusOr<std::vector<DocumentRecord>> SqliteStore::ListDocuments(
    const DocumentFilter& filter) {
  ReadConn conn(this);
  Where where;
  where.AddIfSet("client_id = ?", filter.client_id);
  if (filter.status) where.Add("status = ?", {std::string(DocumentStatusName(*filter.status))});
  where.Add("id > ?", {filter.after_id});  // also the first page: a range, not a scan
  Stmt s(conn.db, absl::StrCat("SELECT ", kDocumentColumns, " FROM document", where.Sql(),
                               " ORDER BY id LIMIT ?", where.next())
                      .c_str());
  where.BindTo(s);
  s.Bind(where.next(), int64_t{filter.limit});
  return ReadAll<DocumentRecord>(s, ReadDocument);
}

absl::StatusOr<std::map<DocumentStatus, int64_t>> SqliteStore::CountDocumentsByStatus(
    const std::string& client_id) {
  ReadConn conn(this);
  // Kept by triggers (schema version 7); '*' holds the totals.
  Stmt s(conn.db, "SELECT status, n FROM document_count WHERE client_id = ?1");
  s.Bind(1, client_id.empty() ? std::string("*") : client_id);
  std::map<DocumentStatus, int64_t> out;
  for (DocumentStatus st : kAllDocumentStatuses) out[st] = 0;
  absl::Status stepped = ForEachRow(s, [&] {
    DocumentStatus st =
        ParseDocumentStatus(s.Text(0)).value_or(DocumentStatus::kNeedsReview);
    out[st] += s.Int(1);
  });
  if (!stepped.ok()) return stepped;
  return out;
}

// The client's document with these bytes, 0 when none. Caller holds
// write_mu_ inside a transaction.
absl::StatusOr<int64_t> SqliteStore::FindSameBytesLocked(const NewDocument& doc) {
  Stmt s(writer_, "SELECT id FROM document WHERE client_id = ?1 AND sha256 = ?2");
  s.Bind(1, doc.client_id).Bind(2, doc.sha256);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return *row ? s.Int(0) : 0;
}

// A new document in state `received` and its `received` event.
absl::StatusOr<int64_t> SqliteStore::InsertReceivedLocked(const std::string& now, const NewDocument& doc) {
  Stmt s(writer_,
         "INSERT INTO document (client_id, sha256, source, original_name, "
         "received_at, mime, size_bytes, status, updated_at) VALUES (?1, ?2, "
         "?3, ?4, ?5, ?6, ?7, 'received', ?5)");
  s.Bind(1, doc.client_id).Bind(2, doc.sha256).Bind(3, doc.source);
  s.Bind(4, doc.original_name).Bind(5, now).Bind(6, doc.mime);
  s.Bind(7, doc.size_bytes);
  if (absl::Status st = s.Run(); !st.ok()) return st;
  int64_t id = sqlite3_last_insert_rowid(writer_);
  nlohmann::json payload = {{"source", doc.source},
                            {"name", doc.original_name},
                            {"sha256", doc.sha256}};
  if (absl::Status st = InsertEventLocked(now, "received", doc.client_id, id, payload.dump());
      !st.ok()) {
    return st;
  }
  return id;
}

}  // namespace liasse
