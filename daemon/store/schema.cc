#include "daemon/store/schema.h"

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite.h"

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
    // 7: firm scale. Counts kept by triggers in the writing transaction
    // (per client and status, and totals under client_id '*', which no
    // client id can be), so status calls never count rows; indexes for each
    // access path the request and pipeline queries take (the queries name
    // only the filters given, so the planner can use them); the invoice
    // number in its own column for the duplicate check.
    R"sql(
CREATE TABLE document_count (
  client_id TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (client_id, status)
) WITHOUT ROWID;
INSERT INTO document_count (client_id, status, n)
  SELECT client_id, status, COUNT(*) FROM document GROUP BY client_id, status;
INSERT INTO document_count (client_id, status, n)
  SELECT '*', status, COUNT(*) FROM document GROUP BY status;
CREATE TRIGGER document_count_insert AFTER INSERT ON document BEGIN
  INSERT INTO document_count (client_id, status, n) VALUES (NEW.client_id, NEW.status, 1)
    ON CONFLICT (client_id, status) DO UPDATE SET n = n + 1;
  INSERT INTO document_count (client_id, status, n) VALUES ('*', NEW.status, 1)
    ON CONFLICT (client_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER document_count_delete AFTER DELETE ON document BEGIN
  UPDATE document_count SET n = n - 1
    WHERE status = OLD.status AND client_id IN (OLD.client_id, '*');
END;
CREATE TRIGGER document_count_update AFTER UPDATE OF client_id, status ON document
WHEN OLD.client_id <> NEW.client_id OR OLD.status <> NEW.status BEGIN
  UPDATE document_count SET n = n - 1
    WHERE status = OLD.status AND client_id IN (OLD.client_id, '*');
  INSERT INTO document_count (client_id, status, n) VALUES (NEW.client_id, NEW.status, 1)
    ON CONFLICT (client_id, status) DO UPDATE SET n = n + 1;
  INSERT INTO document_count (client_id, status, n) VALUES ('*', NEW.status, 1)
    ON CONFLICT (client_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TABLE event_count (
  kind TEXT PRIMARY KEY,
  n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO event_count (kind, n) SELECT kind, COUNT(*) FROM event GROUP BY kind;
CREATE TRIGGER event_count_insert AFTER INSERT ON event BEGIN
  INSERT INTO event_count (kind, n) VALUES (NEW.kind, 1)
    ON CONFLICT (kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER event_count_delete AFTER DELETE ON event BEGIN
  UPDATE event_count SET n = n - 1 WHERE kind = OLD.kind;
END;
ALTER TABLE document ADD COLUMN invoice_number TEXT NOT NULL DEFAULT '';
UPDATE document SET invoice_number = COALESCE(json_extract(fields, '$.invoice_number'), '')
  WHERE fields <> '' AND json_valid(fields);
CREATE INDEX document_by_number ON document (client_id, invoice_number)
  WHERE invoice_number <> '';
CREATE INDEX document_by_client_status ON document (client_id, status, id);
DROP INDEX document_due;
CREATE INDEX document_pending ON document (next_attempt_at, id)
  WHERE status NOT IN ('done', 'needs_review', 'quarantined');
CREATE INDEX event_by_kind ON event (kind, ts);
CREATE INDEX client_in_config ON client (in_config);
CREATE INDEX document_by_sha ON document (sha256);
CREATE INDEX item_open_by_due ON item (state, due_date, client_id);
CREATE INDEX item_by_client ON item (client_id, due_date);
CREATE INDEX outbox_by_client ON outbox (client_id, kind, state, id);
CREATE INDEX outbox_by_kind ON outbox (kind, state, id);
CREATE INDEX outbox_by_message_id ON outbox (message_id);
DROP INDEX outbox_by_state;
CREATE INDEX outbox_by_state ON outbox (state, id);
)sql",
    // 8: the charge or revenue account staff chose per third party (its
    // auxiliary account), for the entries of its next documents.
    R"sql(
CREATE TABLE supplier_account (
  client_id TEXT NOT NULL,
  supplier_key TEXT NOT NULL,
  account TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (client_id, supplier_key)
) WITHOUT ROWID;
)sql",
    // 9: what each export of a period's entries held, per document (the
    // entry as exported), so the next export says what changed since.
    R"sql(
CREATE TABLE exported_entry (
  client_id TEXT NOT NULL,
  period TEXT NOT NULL,
  document_id INTEGER NOT NULL,
  entry TEXT NOT NULL,
  exported_at TEXT NOT NULL,
  PRIMARY KEY (client_id, period, document_id)
) WITHOUT ROWID;
)sql",
    // 10: the third parties the firm already has in a client's books
    // (liasse import-fec): their auxiliary account, name, control account
    // and usual charge or revenue account.
    R"sql(
CREATE TABLE known_third_party (
  client_id TEXT NOT NULL,
  aux TEXT NOT NULL,
  label TEXT NOT NULL,
  control TEXT NOT NULL,
  account TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (client_id, aux)
) WITHOUT ROWID;
)sql",
    // 11: what each export of a period held per bank movement (the bank
    // journal's entries), as exported_entry per document; and the client's
    // movements by date, for a period's bank journal.
    R"sql(
CREATE TABLE exported_bank_entry (
  client_id TEXT NOT NULL,
  period TEXT NOT NULL,
  bank_txn_id INTEGER NOT NULL,
  entry TEXT NOT NULL,
  exported_at TEXT NOT NULL,
  PRIMARY KEY (client_id, period, bank_txn_id)
) WITHOUT ROWID;
CREATE INDEX bank_txn_by_date ON bank_txn (client_id, date);
)sql",
};

constexpr int kLatestVersion =
    static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

}  // namespace

int LatestSchema() { return kLatestVersion; }

absl::Status Migrate(sqlite3* db, int target) {
  int version = 0;
  {
    // Finalised before migrating: DROP fails while a statement is pending.
    Stmt v(db, "PRAGMA user_version");
    absl::StatusOr<bool> row = v.Step();
    if (!row.ok()) return row.status();
    version = static_cast<int>(v.Int(0));
  }
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

}  // namespace liasse
