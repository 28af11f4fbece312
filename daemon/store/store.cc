#include "daemon/store/store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace liasse {
namespace {

// Each entry is one schema version; entry i brings version i to i + 1 and runs
// in one transaction together with the user_version bump.
constexpr const char* kMigrations[] = {
    // 1: clients, documents, event log.
    R"sql(
CREATE TABLE client (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  legal_names TEXT NOT NULL DEFAULT '[]',
  siren TEXT NOT NULL DEFAULT '',
  vat TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT 'fr',
  emails TEXT NOT NULL DEFAULT '[]',
  domains TEXT NOT NULL DEFAULT '[]',
  folder TEXT NOT NULL DEFAULT '',
  manager TEXT NOT NULL DEFAULT '',
  paused INTEGER NOT NULL DEFAULT 0,
  in_config INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE document (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL REFERENCES client(id),
  sha256 TEXT NOT NULL,
  source TEXT NOT NULL,
  original_name TEXT NOT NULL DEFAULT '',
  received_at TEXT NOT NULL,
  mime TEXT NOT NULL DEFAULT '',
  size_bytes INTEGER NOT NULL DEFAULT 0,
  pages INTEGER NOT NULL DEFAULT 0,
  text_source TEXT NOT NULL DEFAULT '',
  ocr_confidence REAL,
  doc_type TEXT NOT NULL DEFAULT '',
  fields TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'received',
  status_reason TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  checks TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL,
  UNIQUE (client_id, sha256)
);
CREATE TABLE event (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  kind TEXT NOT NULL,
  client_id TEXT NOT NULL DEFAULT '',
  document_id INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL DEFAULT '{}'
);
)sql",
    // 2: indexes for the pipeline queue, per-client listings and event feeds.
    R"sql(
CREATE INDEX document_by_status ON document (status, id);
CREATE INDEX document_by_client ON document (client_id, id);
CREATE INDEX event_by_client ON event (client_id, seq);
)sql",
    // 3: the pipeline's retry schedule and extracted text; files seen in
    // folders whose originals are kept in place (after = "keep").
    R"sql(
ALTER TABLE document ADD COLUMN next_attempt_at TEXT NOT NULL DEFAULT '';
ALTER TABLE document ADD COLUMN text_content TEXT NOT NULL DEFAULT '';
CREATE INDEX document_due ON document (status, next_attempt_at, id);
CREATE TABLE seen_file (
  client_id TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  document_id INTEGER NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (client_id, path)
);
)sql",
    // 4: IMAP progress per mailbox folder, kept whatever the server allows.
    R"sql(
CREATE TABLE mailbox_state (
  mailbox TEXT NOT NULL,
  folder TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL,
  last_uid INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (mailbox, folder)
);
)sql",
    // 5: LLM answers by (document hash, model, prompt version); document types
    // staff confirmed per supplier, so the rules decide the next one.
    R"sql(
CREATE TABLE llm_cache (
  key TEXT PRIMARY KEY,
  answer TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE supplier_type (
  client_id TEXT NOT NULL,
  supplier_key TEXT NOT NULL,
  doc_type TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (client_id, supplier_key)
);
)sql",
    // 6: collection: what each client owes (items), bank movements, the
    // e-mail outbox, and per-client contact state.
    R"sql(
CREATE TABLE item (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL,
  period TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  account TEXT NOT NULL DEFAULT '',
  due_date TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',
  document_id INTEGER NOT NULL DEFAULT 0,
  bank_txn_id INTEGER NOT NULL DEFAULT 0,
  amount_cents INTEGER NOT NULL DEFAULT 0,
  txn_date TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- account: the IBAN of a statement's account, or "document:ID" for a
  -- document the client must send again.
  UNIQUE (client_id, kind, period, account, bank_txn_id)
);
CREATE INDEX item_open ON item (state, client_id, due_date);
CREATE TABLE bank_txn (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL,
  account TEXT NOT NULL DEFAULT '',
  date TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL,
  document_id INTEGER NOT NULL DEFAULT 0,
  imported_at TEXT NOT NULL,
  UNIQUE (client_id, fingerprint)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  slot TEXT NOT NULL,
  items TEXT NOT NULL DEFAULT '[]',
  recipients TEXT NOT NULL DEFAULT '[]',
  message_id TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  sent_at TEXT NOT NULL DEFAULT '',
  UNIQUE (client_id, kind, slot)
);
CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
CREATE TABLE contact_state (
  client_id TEXT PRIMARY KEY,
  paused_until TEXT NOT NULL DEFAULT '',
  bad_addresses TEXT NOT NULL DEFAULT '[]'
);
)sql",
};

constexpr int kLatestVersion =
    static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  int code = sqlite3_extended_errcode(db);
  std::string message =
      absl::StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// A prepared statement, finalised on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  absl::Status status() const {
    return rc_ == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, "prepare");
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& BindDouble(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW → true, SQLITE_DONE → false, else an error.
  absl::StatusOr<bool> Step() {
    if (rc_ != SQLITE_OK) return SqliteError(db_, "prepare");
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, "step");
  }
  absl::Status Run() {
    absl::StatusOr<bool> row = Step();
    return row.ok() ? absl::OkStatus() : row.status();
  }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Calls `on_row` for each row of `s`; the first stepping error stops it.
template <typename OnRow>
absl::Status ForEachRow(Stmt& s, OnRow on_row) {
  while (true) {
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    on_row();
  }
}

// Every row of `s`, each read by `read`.
template <typename T, typename Read>
absl::StatusOr<std::vector<T>> ReadAll(Stmt& s, Read read) {
  std::vector<T> out;
  absl::Status stepped = ForEachRow(s, [&] { out.push_back(read(s)); });
  if (!stepped.ok()) return stepped;
  return out;
}

absl::Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    absl::Status status = SqliteError(db, "exec");
    return absl::Status(status.code(), absl::StrCat("sqlite: ", message));
  }
  return absl::OkStatus();
}

std::string ToJsonList(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

std::vector<std::string> FromJsonList(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

absl::Time TimeOrEpoch(const std::string& text) {
  absl::StatusOr<absl::Time> t = ParseStoreTime(text);
  return t.ok() ? *t : absl::UnixEpoch();
}

constexpr char kDocumentColumns[] =
    "id, client_id, sha256, source, original_name, received_at, mime, "
    "size_bytes, pages, text_source, ocr_confidence, doc_type, fields, status, "
    "status_reason, attempts, checks, updated_at";

DocumentRecord ReadDocument(const Stmt& s) {
  DocumentRecord d;
  d.id = s.Int(0);
  d.client_id = s.Text(1);
  d.sha256 = s.Text(2);
  d.source = s.Text(3);
  d.original_name = s.Text(4);
  d.received_at = TimeOrEpoch(s.Text(5));
  d.mime = s.Text(6);
  d.size_bytes = s.Int(7);
  d.pages = static_cast<int>(s.Int(8));
  d.text_source = s.Text(9);
  if (!s.IsNull(10)) d.ocr_confidence = s.Double(10);
  d.doc_type = s.Text(11);
  d.fields_json = s.Text(12);
  // An unknown status in the database is a bug or a newer schema; show it as
  // needing review rather than pretending it is fresh.
  d.status = ParseDocumentStatus(s.Text(13)).value_or(DocumentStatus::kNeedsReview);
  d.status_reason = s.Text(14);
  d.attempts = static_cast<int>(s.Int(15));
  d.checks_json = s.Text(16);
  d.updated_at = TimeOrEpoch(s.Text(17));
  return d;
}

constexpr char kClientColumns[] =
    "id, name, legal_names, siren, vat, language, emails, domains, folder, "
    "manager, paused, in_config";

ClientRecord ReadClient(const Stmt& s) {
  ClientRecord c;
  c.id = s.Text(0);
  c.name = s.Text(1);
  c.legal_names = FromJsonList(s.Text(2));
  c.siren = s.Text(3);
  c.vat = s.Text(4);
  c.language = s.Text(5);
  c.emails = FromJsonList(s.Text(6));
  c.domains = FromJsonList(s.Text(7));
  c.folder = s.Text(8);
  c.manager = s.Text(9);
  c.paused = s.Int(10) != 0;
  c.in_config = s.Int(11) != 0;
  return c;
}

bool SameClient(const ClientRecord& a, const ClientRecord& b) {
  return a.name == b.name && a.legal_names == b.legal_names &&
         a.siren == b.siren && a.vat == b.vat && a.language == b.language &&
         a.emails == b.emails && a.domains == b.domains &&
         a.folder == b.folder && a.manager == b.manager &&
         a.paused == b.paused && a.in_config == b.in_config;
}

constexpr char kItemColumns[] =
    "id, client_id, period, kind, label, account, due_date, state, document_id, bank_txn_id, "
    "amount_cents, txn_date, reason";

ItemRecord ReadItem(const Stmt& s) {
  ItemRecord i;
  i.id = s.Int(0);
  i.client_id = s.Text(1);
  i.period = s.Text(2);
  i.kind = s.Text(3);
  i.label = s.Text(4);
  i.account = s.Text(5);
  i.due_date = s.Text(6);
  i.state = s.Text(7);
  i.document_id = s.Int(8);
  i.bank_txn_id = s.Int(9);
  i.amount_cents = s.Int(10);
  i.txn_date = s.Text(11);
  i.reason = s.Text(12);
  return i;
}

constexpr char kTxnColumns[] =
    "id, client_id, account, date, amount_cents, label, fingerprint, document_id";

BankTxnRecord ReadTxn(const Stmt& s) {
  BankTxnRecord t;
  t.id = s.Int(0);
  t.client_id = s.Text(1);
  t.account = s.Text(2);
  t.date = s.Text(3);
  t.amount_cents = s.Int(4);
  t.label = s.Text(5);
  t.fingerprint = s.Text(6);
  t.document_id = s.Int(7);
  return t;
}

// One row of `SELECT seq, ts, kind, client_id, document_id, payload`.
EventRecord ReadEvent(const Stmt& s) {
  EventRecord e;
  e.seq = s.Int(0);
  e.ts = TimeOrEpoch(s.Text(1));
  e.kind = s.Text(2);
  e.client_id = s.Text(3);
  e.document_id = s.Int(4);
  e.payload_json = s.Text(5);
  return e;
}

constexpr char kOutboxColumns[] =
    "id, client_id, kind, slot, items, recipients, message_id, message, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at";

OutboxRecord ReadOutbox(const Stmt& s) {
  OutboxRecord r;
  r.id = s.Int(0);
  r.client_id = s.Text(1);
  r.kind = s.Text(2);
  r.slot = s.Text(3);
  r.items_json = s.Text(4);
  r.recipients_json = s.Text(5);
  r.message_id = s.Text(6);
  r.message = s.Text(7);
  r.state = s.Text(8);
  r.attempts = static_cast<int>(s.Int(9));
  r.next_attempt_at = s.Text(10).empty() ? absl::InfiniteFuture() : TimeOrEpoch(s.Text(10));
  r.last_error = s.Text(11);
  r.created_at = TimeOrEpoch(s.Text(12));
  if (!s.Text(13).empty()) r.sent_at = TimeOrEpoch(s.Text(13));
  return r;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const Clock* clock, sqlite3* writer, std::vector<sqlite3*> readers)
      : clock_(clock), writer_(writer), free_readers_(std::move(readers)) {
    all_readers_ = free_readers_;
  }

  ~SqliteStore() override {
    for (sqlite3* db : all_readers_) sqlite3_close_v2(db);
    sqlite3_close_v2(writer_);
  }

  absl::Status Init() {
    Stmt s(writer_, "SELECT COALESCE(MAX(seq), 0) FROM event");
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    last_seq_ = s.Int(0);
    return absl::OkStatus();
  }

  absl::StatusOr<int> SchemaVersion() override {
    ReadConn conn(this);
    Stmt s(conn.db, "PRAGMA user_version");
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return static_cast<int>(s.Int(0));
  }

  absl::StatusOr<std::string> JournalMode() override {
    std::lock_guard<std::mutex> lock(write_mu_);
    Stmt s(writer_, "PRAGMA journal_mode");
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return s.Text(0);
  }

  absl::Status SyncClients(const std::vector<ClientRecord>& wanted) override {
    std::vector<ClientRecord> all = wanted;
    ClientRecord unknown;
    unknown.id = kUnknownClientId;
    unknown.name = "Expéditeurs inconnus / unknown senders";
    unknown.in_config = false;
    all.push_back(unknown);

    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    std::map<std::string, ClientRecord> existing;
    {
      Stmt s(writer_, absl::StrCat("SELECT ", kClientColumns, " FROM client").c_str());
      absl::Status stepped = ForEachRow(s, [&] {
        ClientRecord c = ReadClient(s);
        existing[c.id] = c;
      });
      if (!stepped.ok()) return stepped;
    }
    std::set<std::string> wanted_ids;
    for (const ClientRecord& c : all) {
      wanted_ids.insert(c.id);
      auto it = existing.find(c.id);
      if (it != existing.end() && SameClient(it->second, c)) continue;
      Stmt s(writer_,
             "INSERT INTO client (id, name, legal_names, siren, vat, language, "
             "emails, domains, folder, manager, paused, in_config, created_at, "
             "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
             "?12, ?13, ?13) ON CONFLICT (id) DO UPDATE SET name = ?2, "
             "legal_names = ?3, siren = ?4, vat = ?5, language = ?6, emails = "
             "?7, domains = ?8, folder = ?9, manager = ?10, paused = ?11, "
             "in_config = ?12, updated_at = ?13");
      s.Bind(1, c.id).Bind(2, c.name).Bind(3, ToJsonList(c.legal_names));
      s.Bind(4, c.siren).Bind(5, c.vat).Bind(6, c.language);
      s.Bind(7, ToJsonList(c.emails)).Bind(8, ToJsonList(c.domains));
      s.Bind(9, c.folder).Bind(10, c.manager);
      s.Bind(11, int64_t{c.paused}).Bind(12, int64_t{c.in_config}).Bind(13, now);
      if (absl::Status st = s.Run(); !st.ok()) return st;
      if (c.id == kUnknownClientId) continue;
      const char* kind = it == existing.end() ? "client_added"
                         : !it->second.in_config ? "client_added"
                                                 : "client_updated";
      if (absl::Status st = InsertEventLocked(now, kind, c.id, 0, "{}");
          !st.ok()) {
        return st;
      }
    }
    for (const auto& [id, c] : existing) {
      if (wanted_ids.count(id) || !c.in_config) continue;
      Stmt s(writer_,
             "UPDATE client SET in_config = 0, updated_at = ?2 WHERE id = ?1");
      s.Bind(1, id).Bind(2, now);
      if (absl::Status st = s.Run(); !st.ok()) return st;
      if (absl::Status st = InsertEventLocked(now, "client_removed", id, 0, "{}");
          !st.ok()) {
        return st;
      }
    }
    return txn.Commit();
  }

  absl::StatusOr<std::vector<ClientRecord>> ListClients(
      const std::string& filter, const std::string& after_id,
      int limit) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           absl::StrCat("SELECT ", kClientColumns,
                        " FROM client WHERE id > ?1 AND (?2 = '' OR "
                        "instr(lower(id), lower(?2)) > 0 OR instr(lower(name), "
                        "lower(?2)) > 0) ORDER BY id LIMIT ?3")
               .c_str());
    s.Bind(1, after_id).Bind(2, filter).Bind(3, int64_t{limit});
    return ReadAll<ClientRecord>(s, ReadClient);
  }

  absl::StatusOr<ClientRecord> GetClient(const std::string& id) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           absl::StrCat("SELECT ", kClientColumns, " FROM client WHERE id = ?1")
               .c_str());
    s.Bind(1, id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("client ", id));
    return ReadClient(s);
  }

  absl::StatusOr<int64_t> InsertDocument(const NewDocument& doc) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    absl::StatusOr<int64_t> first = FindSameBytesLocked(doc);
    if (!first.ok()) return first.status();
    if (*first != 0) {
      return absl::AlreadyExistsError(absl::StrCat(
          "document ", *first, " of client ", doc.client_id, " has the same content"));
    }
    absl::StatusOr<int64_t> id = InsertReceivedLocked(now, doc);
    if (!id.ok()) return id.status();
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return *id;
  }

  absl::StatusOr<IntakeResult> IngestDocument(const NewDocument& doc) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    absl::StatusOr<int64_t> first = FindSameBytesLocked(doc);
    if (!first.ok()) return first.status();
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

  absl::Status UpdateDocument(int64_t id, DocumentStatus expected,
                              const DocumentUpdate& u,
                              absl::string_view event_kind,
                              const std::string& payload) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    std::string client;
    {
      Stmt s(writer_, "SELECT status, client_id FROM document WHERE id = ?1");
      s.Bind(1, id);
      absl::StatusOr<bool> row = s.Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::NotFoundError(absl::StrCat("document ", id));
      if (s.Text(0) != DocumentStatusName(expected)) {
        return absl::FailedPreconditionError(
            absl::StrCat("document ", id, " is ", s.Text(0), ", not ",
                         DocumentStatusName(expected)));
      }
      client = s.Text(1);
    }
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
           "= COALESCE(?14, mime) WHERE id = ?1");
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
    bind_text(5, u.text_source);
    if (u.ocr_confidence) {
      s.BindDouble(6, *u.ocr_confidence);
    } else {
      s.BindNull(6);
    }
    bind_text(7, u.doc_type);
    bind_text(8, u.fields_json);
    bind_text(9, u.checks_json);
    bind_text(10, u.text);
    if (u.next_attempt_at) {
      s.Bind(11, FormatStoreTime(*u.next_attempt_at));
    } else {
      s.BindNull(11);
    }
    s.Bind(12, int64_t{u.increment_attempts ? 1 : 0});
    s.Bind(13, now);
    bind_text(14, u.mime);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    if (!event_kind.empty()) {
      if (absl::Status st = InsertEventLocked(now, event_kind, client, id,
                                              payload.empty() ? "{}" : payload);
          !st.ok()) {
        return st;
      }
    }
    return txn.Commit();
  }

  absl::StatusOr<std::vector<DocumentRecord>> ListDueDocuments(
      absl::Time now, int limit) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           absl::StrCat("SELECT ", kDocumentColumns,
                        " FROM document WHERE status NOT IN ('done', "
                        "'needs_review', 'quarantined') AND next_attempt_at <= "
                        "?1 ORDER BY id LIMIT ?2")
               .c_str());
    s.Bind(1, FormatStoreTime(now)).Bind(2, int64_t{limit});
    return ReadAll<DocumentRecord>(s, ReadDocument);
  }

  absl::StatusOr<int64_t> CountPendingDocuments() override {
    ReadConn conn(this);
    Stmt s(conn.db,
           "SELECT COUNT(*) FROM document WHERE status NOT IN ('done', "
           "'needs_review', 'quarantined')");
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return s.Int(0);
  }

  absl::StatusOr<std::vector<DocumentRecord>> DocumentsWithNumber(
      const std::string& client_id, const std::string& invoice_number,
      int64_t except_id) override {
    ReadConn conn(this);
    // SQLite's JSON1; a PostgreSQL store would say fields->>'invoice_number'.
    Stmt s(conn.db,
           absl::StrCat("SELECT ", kDocumentColumns,
                        " FROM document WHERE client_id = ?1 AND id <> ?3 AND fields <> '' "
                        "AND json_valid(fields) AND json_extract(fields, "
                        "'$.invoice_number') = ?2 LIMIT 50")
               .c_str());
    s.Bind(1, client_id).Bind(2, invoice_number).Bind(3, except_id);
    return ReadAll<DocumentRecord>(s, ReadDocument);
  }

  absl::StatusOr<std::string> GetDocumentText(int64_t id) override {
    ReadConn conn(this);
    Stmt s(conn.db, "SELECT text_content FROM document WHERE id = ?1");
    s.Bind(1, id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("document ", id));
    return s.Text(0);
  }

  absl::StatusOr<bool> IsFileSeen(const std::string& client_id,
                                  const std::string& path, int64_t size,
                                  int64_t mtime_ns) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           "SELECT 1 FROM seen_file WHERE client_id = ?1 AND path = ?2 AND "
           "size = ?3 AND mtime_ns = ?4");
    s.Bind(1, client_id).Bind(2, path).Bind(3, size).Bind(4, mtime_ns);
    return s.Step();
  }

  absl::Status RememberFile(const std::string& client_id,
                            const std::string& path, int64_t size,
                            int64_t mtime_ns, const std::string& sha256,
                            int64_t document_id) override {
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

  absl::Status MoveDocument(int64_t id, const std::string& to_client,
                            const std::string& why) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
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

  absl::StatusOr<std::vector<std::string>> PurgeClient(
      const std::string& client_id, int* documents_deleted) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    {
      Stmt s(writer_, "SELECT in_config FROM client WHERE id = ?1");
      s.Bind(1, client_id);
      absl::StatusOr<bool> row = s.Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::NotFoundError(absl::StrCat("client ", client_id));
      if (s.Int(0) != 0 || client_id == kUnknownClientId) {
        return absl::FailedPreconditionError(absl::StrCat(
            "client ", client_id,
            " is still in the config: remove it there and reload first"));
      }
    }
    std::vector<std::string> orphans;
    {
      Stmt s(writer_,
             "SELECT DISTINCT sha256 FROM document d WHERE client_id = ?1 AND NOT "
             "EXISTS (SELECT 1 FROM document o WHERE o.sha256 = d.sha256 AND "
             "o.client_id <> ?1)");
      s.Bind(1, client_id);
      absl::Status stepped = ForEachRow(s, [&] {
        orphans.push_back(s.Text(0));
      });
      if (!stepped.ok()) return stepped;
    }
    {
      Stmt s(writer_, "DELETE FROM document WHERE client_id = ?1");
      s.Bind(1, client_id);
      if (absl::Status st = s.Run(); !st.ok()) return st;
      *documents_deleted = sqlite3_changes(writer_);
    }
    // Every table that holds rows of a client (items, bank lines, outbox,
    // learned supplier types, contact state, seen files, events… and any
    // added later): found in the schema, not listed by hand.
    std::vector<std::string> tables;
    {
      Stmt s(writer_,
             "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c "
             "WHERE m.type = 'table' AND c.name = 'client_id' ORDER BY m.name");
      absl::Status listed = ForEachRow(s, [&] { tables.push_back(s.Text(0)); });
      if (!listed.ok()) return listed;
    }
    for (const std::string& table : tables) {
      Stmt s(writer_, absl::StrCat("DELETE FROM \"", table, "\" WHERE client_id = ?1").c_str());
      s.Bind(1, client_id);
      if (absl::Status st = s.Run(); !st.ok()) return st;
    }
    {
      Stmt s(writer_, "DELETE FROM client WHERE id = ?1");
      s.Bind(1, client_id);
      if (absl::Status st = s.Run(); !st.ok()) return st;
    }
    nlohmann::json payload = {{"client", client_id},
                              {"documents_deleted", *documents_deleted},
                              {"originals_deleted", orphans.size()}};
    if (absl::Status st = InsertEventLocked(now, "purged", "", 0, payload.dump()); !st.ok()) {
      return st;
    }
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return orphans;
  }

  absl::StatusOr<MailboxState> GetMailboxState(const std::string& mailbox,
                                               const std::string& folder) override {
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

  absl::Status SetMailboxState(const std::string& mailbox, const std::string& folder,
                               const MailboxState& state) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    Stmt s(writer_,
           "INSERT INTO mailbox_state (mailbox, folder, uidvalidity, last_uid, "
           "updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (mailbox, "
           "folder) DO UPDATE SET uidvalidity = ?3, last_uid = ?4, updated_at = ?5");
    s.Bind(1, mailbox).Bind(2, folder).Bind(3, state.uidvalidity).Bind(4, state.last_uid);
    s.Bind(5, FormatStoreTime(clock_->Now()));
    return s.Run();
  }

  absl::StatusOr<std::optional<std::string>> GetLlmAnswer(const std::string& key) override {
    ReadConn conn(this);
    Stmt s(conn.db, "SELECT answer FROM llm_cache WHERE key = ?1");
    s.Bind(1, key);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(s.Text(0));
  }

  absl::Status PutLlmAnswer(const std::string& key, const std::string& answer) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    Stmt s(writer_,
           "INSERT INTO llm_cache (key, answer, created_at) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (key) DO UPDATE SET answer = ?2, created_at = ?3");
    s.Bind(1, key).Bind(2, answer).Bind(3, FormatStoreTime(clock_->Now()));
    return s.Run();
  }

  absl::Status LearnSupplierType(const std::string& client_id, const std::string& supplier_key,
                                 const std::string& doc_type) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    Stmt s(writer_,
           "INSERT INTO supplier_type (client_id, supplier_key, doc_type, updated_at) "
           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (client_id, supplier_key) DO UPDATE "
           "SET doc_type = ?3, updated_at = ?4");
    s.Bind(1, client_id).Bind(2, supplier_key).Bind(3, doc_type);
    s.Bind(4, FormatStoreTime(clock_->Now()));
    return s.Run();
  }

  absl::StatusOr<std::string> LearnedSupplierType(const std::string& client_id,
                                                  const std::string& supplier_key) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           "SELECT doc_type FROM supplier_type WHERE client_id = ?1 AND supplier_key = ?2");
    s.Bind(1, client_id).Bind(2, supplier_key);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return *row ? s.Text(0) : std::string();
  }

  // ---------- collection

  absl::StatusOr<std::pair<int64_t, bool>> EnsureItem(const ItemRecord& item) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    absl::StatusOr<std::pair<int64_t, bool>> r = EnsureItemLocked(now, item);
    if (!r.ok()) return r.status();
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return r;
  }

  absl::StatusOr<std::vector<ItemRecord>> ListItems(const std::string& client_id,
                                                    const std::string& period,
                                                    bool open_only) override {
    ReadConn conn(this);
    Stmt s(conn.db, absl::StrCat("SELECT ", kItemColumns,
                                 " FROM item WHERE (?1 = '' OR client_id = ?1) AND (?2 = '' OR "
                                 "period = ?2) AND (?3 = 0 OR state = 'open') ORDER BY due_date, id")
                        .c_str());
    s.Bind(1, client_id).Bind(2, period).Bind(3, int64_t{open_only ? 1 : 0});
    return ReadAll<ItemRecord>(s, ReadItem);
  }

  absl::StatusOr<ItemRecord> GetItem(int64_t id) override {
    ReadConn conn(this);
    Stmt s(conn.db, absl::StrCat("SELECT ", kItemColumns, " FROM item WHERE id = ?1").c_str());
    s.Bind(1, id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("item ", id));
    return ReadItem(s);
  }

  absl::Status ReceiveItem(int64_t item_id, int64_t document_id) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    if (absl::Status st = ReceiveItemLocked(now, item_id, document_id); !st.ok()) return st;
    return txn.Commit();
  }

  absl::Status WaiveItem(int64_t item_id, const std::string& reason) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    std::string client;
    {
      Stmt s(writer_, "SELECT client_id, state FROM item WHERE id = ?1");
      s.Bind(1, item_id);
      absl::StatusOr<bool> row = s.Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::NotFoundError(absl::StrCat("item ", item_id));
      if (s.Text(1) != "open") {
        return absl::FailedPreconditionError(
            absl::StrCat("item ", item_id, " is ", s.Text(1), ", not open"));
      }
      client = s.Text(0);
    }
    Stmt u(writer_, "UPDATE item SET state = 'waived', reason = ?2, updated_at = ?3 WHERE id = ?1");
    u.Bind(1, item_id).Bind(2, reason).Bind(3, now);
    if (absl::Status st = u.Run(); !st.ok()) return st;
    if (absl::Status st = InsertEventLocked(
            now, "item_waived", client, 0,
            nlohmann::json({{"item", item_id}, {"reason", reason}}).dump());
        !st.ok()) {
      return st;
    }
    return txn.Commit();
  }

  absl::StatusOr<ImportCounts> ImportBankTxns(const std::string& client_id,
                                              const std::vector<NewBankTxn>& txns,
                                              const std::string& source_name) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    ImportCounts counts;
    for (const NewBankTxn& n : txns) {
      Stmt s(writer_,
             "INSERT INTO bank_txn (client_id, account, date, amount_cents, label, fingerprint, "
             "document_id, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT "
             "(client_id, fingerprint) DO NOTHING");
      s.Bind(1, client_id).Bind(2, n.txn.account).Bind(3, n.txn.date).Bind(4, n.txn.amount_cents);
      s.Bind(5, n.txn.label).Bind(6, n.txn.fingerprint).Bind(7, n.matched_document_id).Bind(8, now);
      if (absl::Status st = s.Run(); !st.ok()) return st;
      if (sqlite3_changes(writer_) == 0) {
        ++counts.skipped;
        continue;
      }
      ++counts.added;
      int64_t txn_id = sqlite3_last_insert_rowid(writer_);
      if (!n.needs_receipt) continue;
      ItemRecord item;
      item.client_id = client_id;
      item.period = n.period;
      item.kind = "receipt";
      item.label = n.item_label;
      item.account = n.txn.account;
      item.due_date = now.substr(0, 10);
      item.bank_txn_id = txn_id;
      item.amount_cents = -n.txn.amount_cents;
      item.txn_date = n.txn.date;
      absl::StatusOr<std::pair<int64_t, bool>> made = EnsureItemLocked(now, item);
      if (!made.ok()) return made.status();
      if (made->second) ++counts.items_created;
      if (n.matched_document_id != 0) {
        if (absl::Status st = ReceiveItemLocked(now, made->first, n.matched_document_id); !st.ok()) {
          return st;
        }
      }
    }
    if (absl::Status st = InsertEventLocked(
            now, "bank_imported", client_id, 0,
            nlohmann::json({{"file", source_name},
                            {"added", counts.added},
                            {"skipped", counts.skipped},
                            {"items_created", counts.items_created}})
                .dump());
        !st.ok()) {
      return st;
    }
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return counts;
  }

  absl::StatusOr<std::vector<BankTxnRecord>> ListUnmatchedDebits(
      const std::string& client_id) override {
    ReadConn conn(this);
    Stmt s(conn.db, absl::StrCat("SELECT ", kTxnColumns,
                                 " FROM bank_txn WHERE client_id = ?1 AND document_id = 0 AND "
                                 "amount_cents < 0 ORDER BY date, id")
                        .c_str());
    s.Bind(1, client_id);
    return ReadAll<BankTxnRecord>(s, ReadTxn);
  }

  absl::StatusOr<BankTxnRecord> GetBankTxn(int64_t id) override {
    ReadConn conn(this);
    Stmt s(conn.db, absl::StrCat("SELECT ", kTxnColumns, " FROM bank_txn WHERE id = ?1").c_str());
    s.Bind(1, id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("bank transaction ", id));
    return ReadTxn(s);
  }

  absl::Status MatchBankTxn(int64_t txn_id, int64_t document_id) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    Stmt u(writer_, "UPDATE bank_txn SET document_id = ?2 WHERE id = ?1 AND document_id = 0");
    u.Bind(1, txn_id).Bind(2, document_id);
    if (absl::Status st = u.Run(); !st.ok()) return st;
    if (sqlite3_changes(writer_) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("bank transaction ", txn_id, " is already matched or unknown"));
    }
    Stmt items(writer_, "SELECT id FROM item WHERE bank_txn_id = ?1 AND state = 'open'");
    items.Bind(1, txn_id);
    std::vector<int64_t> ids;
    absl::Status stepped = ForEachRow(items, [&] {
      ids.push_back(items.Int(0));
    });
    if (!stepped.ok()) return stepped;
    for (int64_t id : ids) {
      if (absl::Status st = ReceiveItemLocked(now, id, document_id); !st.ok()) return st;
    }
    return txn.Commit();
  }

  absl::StatusOr<int64_t> BankTxnOfDocument(int64_t document_id) override {
    ReadConn conn(this);
    Stmt s(conn.db, "SELECT id FROM bank_txn WHERE document_id = ?1 LIMIT 1");
    s.Bind(1, document_id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return *row ? s.Int(0) : 0;
  }

  absl::StatusOr<int64_t> InsertOutbox(const OutboxRecord& r) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    Stmt s(writer_,
           "INSERT INTO outbox (client_id, kind, slot, items, recipients, message_id, message, "
           "state, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.Bind(1, r.client_id).Bind(2, r.kind).Bind(3, r.slot).Bind(4, r.items_json);
    s.Bind(5, r.recipients_json).Bind(6, r.message_id).Bind(7, r.message).Bind(8, r.state);
    s.Bind(9, FormatStoreTime(r.next_attempt_at == absl::InfinitePast() ? clock_->Now()
                                                                         : r.next_attempt_at));
    s.Bind(10, now);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    int64_t id = sqlite3_last_insert_rowid(writer_);
    if (absl::Status st = InsertEventLocked(
            now, absl::StrCat(r.kind, "_", r.state), r.client_id, 0,
            nlohmann::json({{"outbox", id}, {"slot", r.slot}, {"items", nlohmann::json::parse(r.items_json, nullptr, false)}}).dump());
        !st.ok()) {
      return st;
    }
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return id;
  }

  absl::Status SetOutboxState(int64_t id, const std::string& from, const std::string& to,
                              const std::string& error, absl::Time next_attempt_at) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    std::string client, kind, slot;
    {
      Stmt q(writer_, "SELECT client_id, kind, slot, state FROM outbox WHERE id = ?1");
      q.Bind(1, id);
      absl::StatusOr<bool> row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::NotFoundError(absl::StrCat("outbox ", id));
      if (q.Text(3) != from) {
        return absl::FailedPreconditionError(
            absl::StrCat("outbox ", id, " is ", q.Text(3), ", not ", from));
      }
      client = q.Text(0);
      kind = q.Text(1);
      slot = q.Text(2);
    }
    Stmt u(writer_,
           "UPDATE outbox SET state = ?2, last_error = ?3, next_attempt_at = ?4, attempts = "
           "attempts + (?2 = 'sending'), sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END "
           "WHERE id = ?1");
    u.Bind(1, id).Bind(2, to).Bind(3, error);
    u.Bind(4, next_attempt_at == absl::InfinitePast() ? std::string() : FormatStoreTime(next_attempt_at));
    u.Bind(5, now);
    if (absl::Status st = u.Run(); !st.ok()) return st;
    if (to != "sending") {
      nlohmann::json payload = {{"outbox", id}, {"slot", slot}};
      if (!error.empty()) payload["error"] = error;
      if (absl::Status st = InsertEventLocked(now, absl::StrCat(kind, "_", to), client, 0, payload.dump());
          !st.ok()) {
        return st;
      }
    }
    return txn.Commit();
  }

  absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(const std::string& client_id,
                                                       const std::string& kind,
                                                       const std::string& state,
                                                       int limit) override {
    ReadConn conn(this);
    Stmt s(conn.db, absl::StrCat("SELECT ", kOutboxColumns,
                                 " FROM outbox WHERE (?1 = '' OR client_id = ?1) AND (?2 = '' "
                                 "OR kind = ?2) AND (?3 = '' OR state = ?3) ORDER BY id DESC "
                                 "LIMIT ?4")
                        .c_str());
    s.Bind(1, client_id).Bind(2, kind).Bind(3, state).Bind(4, int64_t{limit});
    return ReadAll<OutboxRecord>(s, ReadOutbox);
  }

  absl::StatusOr<std::string> ClientOfMessageId(const std::string& message_id) override {
    ReadConn conn(this);
    Stmt s(conn.db, "SELECT client_id FROM outbox WHERE message_id = ?1 LIMIT 1");
    s.Bind(1, message_id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return *row ? s.Text(0) : std::string();
  }

  absl::StatusOr<std::vector<OutboxRecord>> MarkInterruptedSends() override {
    absl::StatusOr<std::vector<OutboxRecord>> sending = ListOutbox("", "", "sending", 100000);
    if (!sending.ok()) return sending.status();
    for (const OutboxRecord& r : *sending) {
      if (absl::Status st = SetOutboxState(r.id, "sending", "unknown",
                                           "interrupted while sending: not resent automatically",
                                           absl::InfinitePast());
          !st.ok()) {
        return st;
      }
    }
    return sending;
  }

  absl::StatusOr<std::pair<std::optional<absl::Time>, std::vector<std::string>>> GetContactState(
      const std::string& client_id) override {
    ReadConn conn(this);
    Stmt s(conn.db, "SELECT paused_until, bad_addresses FROM contact_state WHERE client_id = ?1");
    s.Bind(1, client_id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    std::pair<std::optional<absl::Time>, std::vector<std::string>> out;
    if (!*row) return out;
    if (!s.Text(0).empty()) out.first = TimeOrEpoch(s.Text(0));
    out.second = FromJsonList(s.Text(1));
    return out;
  }

  absl::Status SetPausedUntil(const std::string& client_id, absl::Time until) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    Stmt s(writer_,
           "INSERT INTO contact_state (client_id, paused_until) VALUES (?1, ?2) ON CONFLICT "
           "(client_id) DO UPDATE SET paused_until = ?2");
    s.Bind(1, client_id).Bind(2, FormatStoreTime(until));
    return s.Run();
  }

  absl::Status MarkBadAddress(const std::string& client_id, const std::string& address) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    std::vector<std::string> bad;
    {
      Stmt q(writer_, "SELECT bad_addresses FROM contact_state WHERE client_id = ?1");
      q.Bind(1, client_id);
      absl::StatusOr<bool> row = q.Step();
      if (!row.ok()) return row.status();
      if (*row) bad = FromJsonList(q.Text(0));
    }
    if (std::find(bad.begin(), bad.end(), address) == bad.end()) bad.push_back(address);
    Stmt s(writer_,
           "INSERT INTO contact_state (client_id, bad_addresses) VALUES (?1, ?2) ON CONFLICT "
           "(client_id) DO UPDATE SET bad_addresses = ?2");
    s.Bind(1, client_id).Bind(2, ToJsonList(bad));
    if (absl::Status st = s.Run(); !st.ok()) return st;
    if (absl::Status st = InsertEventLocked(now, "bad_address", client_id, 0,
                                            nlohmann::json({{"address", address}}).dump());
        !st.ok()) {
      return st;
    }
    return txn.Commit();
  }

  absl::StatusOr<int64_t> CountEvents(const std::string& kind) override {
    ReadConn conn(this);
    Stmt s(conn.db, "SELECT COUNT(*) FROM event WHERE kind = ?1");
    s.Bind(1, kind);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return s.Int(0);
  }

  absl::StatusOr<DocumentRecord> GetDocument(int64_t id) override {
    ReadConn conn(this);
    Stmt s(conn.db, absl::StrCat("SELECT ", kDocumentColumns,
                                 " FROM document WHERE id = ?1")
                        .c_str());
    s.Bind(1, id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("document ", id));
    return ReadDocument(s);
  }

  absl::StatusOr<std::vector<DocumentRecord>> ListDocuments(
      const DocumentFilter& filter) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           absl::StrCat("SELECT ", kDocumentColumns,
                        " FROM document WHERE id > ?1 AND (?2 = '' OR "
                        "client_id = ?2) AND (?3 = '' OR status = ?3) ORDER BY "
                        "id LIMIT ?4")
               .c_str());
    s.Bind(1, filter.after_id).Bind(2, filter.client_id);
    s.Bind(3, filter.status ? std::string(DocumentStatusName(*filter.status))
                            : std::string());
    s.Bind(4, int64_t{filter.limit});
    return ReadAll<DocumentRecord>(s, ReadDocument);
  }

  absl::StatusOr<std::map<DocumentStatus, int64_t>> CountDocumentsByStatus(
      const std::string& client_id) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           "SELECT status, COUNT(*) FROM document WHERE (?1 = '' OR client_id "
           "= ?1) GROUP BY status");
    s.Bind(1, client_id);
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

  absl::StatusOr<int64_t> AppendEvent(const EventRecord& event) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string now = FormatStoreTime(clock_->Now());
    Txn txn(this);
    if (!txn.status.ok()) return txn.status;
    if (absl::Status st = InsertEventLocked(now, event.kind, event.client_id,
                                            event.document_id,
                                            event.payload_json);
        !st.ok()) {
      return st;
    }
    int64_t seq = sqlite3_last_insert_rowid(writer_);
    if (absl::Status st = txn.Commit(); !st.ok()) return st;
    return seq;
  }

  absl::StatusOr<std::vector<EventRecord>> ListEvents(
      int64_t after_seq, const std::string& client_id, int limit) override {
    ReadConn conn(this);
    Stmt s(conn.db,
           "SELECT seq, ts, kind, client_id, document_id, payload FROM event "
           "WHERE seq > ?1 AND (?2 = '' OR client_id = ?2) ORDER BY seq LIMIT "
           "?3");
    s.Bind(1, after_seq).Bind(2, client_id).Bind(3, int64_t{limit});
    return ReadAll<EventRecord>(s, ReadEvent);
  }

  absl::StatusOr<std::vector<EventRecord>> ListEventsOfKindSince(const std::string& kind,
                                                                 absl::Time since,
                                                                 int limit) override {
    ReadConn conn(this);
    // Timestamps are sortable text (FormatStoreTime).
    Stmt s(conn.db,
           "SELECT seq, ts, kind, client_id, document_id, payload FROM event "
           "WHERE kind = ?1 AND ts >= ?2 ORDER BY seq LIMIT ?3");
    s.Bind(1, kind).Bind(2, FormatStoreTime(since)).Bind(3, int64_t{limit});
    return ReadAll<EventRecord>(s, ReadEvent);
  }

  int64_t LastEventSeq() const override {
    std::lock_guard<std::mutex> lock(event_mu_);
    return last_seq_;
  }

  bool WaitForEventsAfter(int64_t after_seq,
                          absl::Duration timeout) const override {
    std::unique_lock<std::mutex> lock(event_mu_);
    return event_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                              [&] { return last_seq_ > after_seq; });
  }

 private:
  // Borrows a read connection from the pool for one call.
  struct ReadConn {
    explicit ReadConn(SqliteStore* owner) : store(owner) {
      std::unique_lock<std::mutex> lock(store->read_mu_);
      store->read_cv_.wait(lock, [&] { return !store->free_readers_.empty(); });
      db = store->free_readers_.back();
      store->free_readers_.pop_back();
    }
    ~ReadConn() {
      {
        std::lock_guard<std::mutex> lock(store->read_mu_);
        store->free_readers_.push_back(db);
      }
      store->read_cv_.notify_one();
    }
    SqliteStore* store;
    sqlite3* db;
  };

  // A write transaction on the writer connection; rolls back unless
  // committed. The caller holds write_mu_.
  struct Txn {
    explicit Txn(SqliteStore* owner) : store(owner) {
      status = Exec(store->writer_, "BEGIN IMMEDIATE");
      active = status.ok();
    }
    ~Txn() {
      if (active) {
        (void)Exec(store->writer_, "ROLLBACK");
        store->pending_seq_ = 0;
      }
    }
    absl::Status Commit() {
      absl::Status st = Exec(store->writer_, "COMMIT");
      if (!st.ok()) return st;
      active = false;
      store->PublishPendingEvents();
      return st;
    }
    SqliteStore* store;
    absl::Status status;
    bool active = false;
  };

  absl::StatusOr<std::pair<int64_t, bool>> EnsureItemLocked(const std::string& now,
                                                            const ItemRecord& item) {
    Stmt s(writer_,
           "INSERT INTO item (client_id, period, kind, label, account, due_date, state, "
           "document_id, bank_txn_id, amount_cents, txn_date, reason, created_at, updated_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13) ON CONFLICT DO "
           "NOTHING");
    s.Bind(1, item.client_id).Bind(2, item.period).Bind(3, item.kind).Bind(4, item.label);
    s.Bind(5, item.account).Bind(6, item.due_date).Bind(7, item.state).Bind(8, item.document_id);
    s.Bind(9, item.bank_txn_id).Bind(10, item.amount_cents).Bind(11, item.txn_date);
    s.Bind(12, item.reason).Bind(13, now);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    if (sqlite3_changes(writer_) > 0) {
      int64_t id = sqlite3_last_insert_rowid(writer_);
      return std::make_pair(id, true);
    }
    Stmt q(writer_,
           "SELECT id FROM item WHERE client_id = ?1 AND kind = ?2 AND period = ?3 AND account = "
           "?4 AND bank_txn_id = ?5");
    q.Bind(1, item.client_id).Bind(2, item.kind).Bind(3, item.period).Bind(4, item.account);
    q.Bind(5, item.bank_txn_id);
    absl::StatusOr<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::InternalError("item neither inserted nor found");
    return std::make_pair(q.Int(0), false);
  }

  absl::Status ReceiveItemLocked(const std::string& now, int64_t item_id, int64_t document_id) {
    Stmt q(writer_, "SELECT client_id, state, kind, period FROM item WHERE id = ?1");
    q.Bind(1, item_id);
    absl::StatusOr<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("item ", item_id));
    if (q.Text(1) != "open") {
      return absl::FailedPreconditionError(absl::StrCat("item ", item_id, " is ", q.Text(1)));
    }
    std::string client = q.Text(0);
    nlohmann::json payload = {{"item", item_id}, {"kind", q.Text(2)}, {"period", q.Text(3)}};
    Stmt u(writer_,
           "UPDATE item SET state = 'received', document_id = ?2, updated_at = ?3 WHERE id = ?1");
    u.Bind(1, item_id).Bind(2, document_id).Bind(3, now);
    if (absl::Status st = u.Run(); !st.ok()) return st;
    return InsertEventLocked(now, "item_received", client, document_id, payload.dump());
  }

  // The client's document with these bytes, 0 when none. Caller holds
  // write_mu_ inside a transaction.
  absl::StatusOr<int64_t> FindSameBytesLocked(const NewDocument& doc) {
    Stmt s(writer_, "SELECT id FROM document WHERE client_id = ?1 AND sha256 = ?2");
    s.Bind(1, doc.client_id).Bind(2, doc.sha256);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    return *row ? s.Int(0) : 0;
  }

  // A new document in state `received` and its `received` event.
  absl::StatusOr<int64_t> InsertReceivedLocked(const std::string& now, const NewDocument& doc) {
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

  absl::Status InsertEventLocked(const std::string& now, absl::string_view kind,
                                 const std::string& client_id,
                                 int64_t document_id,
                                 const std::string& payload) {
    Stmt s(writer_,
           "INSERT INTO event (ts, kind, client_id, document_id, payload) "
           "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.Bind(1, now).Bind(2, std::string(kind)).Bind(3, client_id);
    s.Bind(4, document_id).Bind(5, payload.empty() ? std::string("{}") : payload);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    pending_seq_ = sqlite3_last_insert_rowid(writer_);
    return absl::OkStatus();
  }

  void PublishPendingEvents() {
    if (pending_seq_ == 0) return;
    {
      std::lock_guard<std::mutex> lock(event_mu_);
      last_seq_ = std::max(last_seq_, pending_seq_);
    }
    pending_seq_ = 0;
    event_cv_.notify_all();
  }

  const Clock* clock_;
  std::mutex write_mu_;
  sqlite3* writer_;
  int64_t pending_seq_ = 0;  // guarded by write_mu_

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<sqlite3*> free_readers_;
  std::vector<sqlite3*> all_readers_;

  mutable std::mutex event_mu_;
  mutable std::condition_variable event_cv_;
  int64_t last_seq_ = 0;
};

absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, bool writer,
                                        std::chrono::milliseconds busy) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                      : SQLITE_OPEN_READONLY);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status st = db ? SqliteError(db, absl::StrCat("open ", path))
                         : absl::ResourceExhaustedError("sqlite: out of memory");
    sqlite3_close_v2(db);
    return st;
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy.count()));
  sqlite3_extended_result_codes(db, 1);
  return db;
}

absl::Status Migrate(sqlite3* db, int target) {
  Stmt v(db, "PRAGMA user_version");
  absl::StatusOr<bool> row = v.Step();
  if (!row.ok()) return row.status();
  int version = static_cast<int>(v.Int(0));
  if (version > kLatestVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", version, " is newer than this liassed (",
        kLatestVersion, "): upgrade liassed or restore a backup"));
  }
  for (; version < target; ++version) {
    if (absl::Status st = Exec(db, "BEGIN IMMEDIATE"); !st.ok()) return st;
    absl::Status st = Exec(db, kMigrations[version]);
    if (st.ok()) {
      st = Exec(db, absl::StrCat("PRAGMA user_version = ", version + 1).c_str());
    }
    if (st.ok()) st = Exec(db, "COMMIT");
    if (!st.ok()) {
      (void)Exec(db, "ROLLBACK");
      return absl::Status(st.code(), absl::StrCat("migration to schema version ",
                                                  version + 1, ": ",
                                                  st.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int Store::LatestSchemaVersion() { return kLatestVersion; }

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   const Clock* clock,
                                                   Options options) {
  absl::StatusOr<sqlite3*> writer = OpenConnection(path, true, options.busy_timeout);
  if (!writer.ok()) return writer.status();
  auto close_writer = [&](absl::Status st) {
    sqlite3_close_v2(*writer);
    return st;
  };
  if (absl::Status st = Exec(*writer, "PRAGMA journal_mode = WAL"); !st.ok()) {
    return close_writer(st);
  }
  for (const char* pragma : {"PRAGMA synchronous = FULL",
                             "PRAGMA foreign_keys = ON"}) {
    if (absl::Status st = Exec(*writer, pragma); !st.ok()) return close_writer(st);
  }
  int target = options.target_version < 0 ? kLatestVersion
                                          : std::min(options.target_version,
                                                     kLatestVersion);
  if (absl::Status st = Migrate(*writer, target); !st.ok()) {
    return close_writer(st);
  }
  std::vector<sqlite3*> readers;
  for (int i = 0; i < std::max(1, options.read_connections); ++i) {
    absl::StatusOr<sqlite3*> r = OpenConnection(path, false, options.busy_timeout);
    if (!r.ok()) {
      for (sqlite3* db : readers) sqlite3_close_v2(db);
      return close_writer(r.status());
    }
    readers.push_back(*r);
  }
  auto store = std::make_unique<SqliteStore>(clock, *writer, std::move(readers));
  if (target == kLatestVersion) {
    if (absl::Status st = store->Init(); !st.ok()) return st;
  }
  return std::unique_ptr<Store>(std::move(store));
}

std::string FormatStoreTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseStoreTime(const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", text, absl::UTCTimeZone(), &t,
                       &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad timestamp \"", text, "\": ", err));
  }
  return t;
}

}  // namespace liasse
