// daemon/store: the daemon's state — clients, documents, items, outbox and
// the event log — in SQLite (WAL). This room is the only one that knows SQL,
// so that a PostgreSQL backend can take its place one table group at a time
// (the interfaces below); keep the SQL it runs portable.
//
// Thread-safety: every method may be called from any thread. Writes go through
// one connection, serialised by a mutex; reads use a pool of read-only
// connections and never block the writer (WAL snapshots).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "workflows/clock.h"
#include "workflows/collection.h"
#include "workflows/money.h"
#include "workflows/doc_type.h"
#include "workflows/document_status.h"
#include "workflows/entries.h"
#include "workflows/fields.h"
#include "workflows/states.h"
#include "workflows/validate.h"

namespace liasse {

struct ClientRecord {
  std::string id;
  std::string name;
  std::vector<std::string> legal_names;
  std::string siren;
  std::string vat;
  std::string language = "fr";
  std::vector<std::string> emails;
  std::vector<std::string> domains;
  std::string folder;
  std::string manager;
  bool paused = false;
  bool in_config = true;  // false once the config stops naming the client
};

// The pseudo-client that holds documents from senders nobody recognised.
inline constexpr char kUnknownClientId[] = "unknown";

struct NewDocument {
  std::string client_id;
  std::string sha256;  // lower-case hex of the original bytes
  std::string source;  // folder | mail | upload
  std::string original_name;  // sanitised, display only
  std::string mime;
  int64_t size_bytes = 0;
};

struct DocumentRecord {
  int64_t id = 0;
  std::string client_id;
  std::string sha256;
  std::string source;
  std::string original_name;
  absl::Time received_at;
  std::string mime;
  int64_t size_bytes = 0;
  int pages = 0;
  TextSource text_source = TextSource::kNone;
  std::optional<double> ocr_confidence;
  DocType doc_type = DocType::kUnknown;
  std::optional<Fields> fields;  // none yet
  DocumentStatus status = DocumentStatus::kReceived;
  std::string status_reason;
  int attempts = 0;
  std::vector<Check> checks;
  absl::Time updated_at;
};

struct EventRecord {
  int64_t seq = 0;
  absl::Time ts;
  std::string kind;
  std::string client_id;    // "" when none
  int64_t document_id = 0;  // 0 when none
  std::string payload_json = "{}";
};

struct IntakeResult {
  int64_t document_id = 0;  // the new document, or the first with these bytes
  bool duplicate = false;
};

// Columns to change; unset ones stay as they are.
struct DocumentUpdate {
  std::optional<DocumentStatus> status;
  std::optional<std::string> status_reason;
  std::optional<int> pages;
  std::optional<TextSource> text_source;
  std::optional<double> ocr_confidence;  // negative = clear
  std::optional<DocType> doc_type;
  std::optional<Fields> fields;
  std::optional<std::vector<Check>> checks;
  std::optional<std::string> text;
  std::optional<std::string> mime;
  std::optional<absl::Time> next_attempt_at;
  bool increment_attempts = false;
};

// A document already read: what intake would record, then the pipeline's
// update (Store::ImportDocuments).
struct ImportedDocument {
  NewDocument doc;
  DocumentUpdate update;
  std::string event_kind = "status";
  std::string event_payload = "{}";
};

struct MailboxState {
  int64_t uidvalidity = 0;  // 0 = never seen
  int64_t last_uid = 0;     // highest UID taken in (or skipped for good)
};

struct DocumentFilter {
  std::string client_id;  // "" = every client
  std::optional<DocumentStatus> status;
  int64_t after_id = 0;  // keyset pagination: ids greater than this
  int limit = 100;
};

// Something a client owes: a monthly document, or the receipt of a bank
// debit. `state` is stored (open | received | waived); whether an open item
// is expected, missing or overdue depends on the day it is looked at.
struct ItemRecord {
  int64_t id = 0;
  std::string client_id;
  std::string period;  // "2026-10", "2026-Q4", "FY2026"
  std::string kind;    // bank_statement, payslip, receipt, redo...
  std::string label;
  std::string account;   // IBAN of a statement's account; "document:ID" for a redo
  Date due_date{};
  ItemState state = ItemState::kOpen;
  int64_t document_id = 0;
  int64_t bank_txn_id = 0;
  Money amount;                  // a debit's receipt: what was paid (positive)
  std::optional<Date> txn_date;  // a debit's receipt: the day it was paid
  std::string reason;  // why a document must be sent again, or why waived
};

// A position in a list of items ordered by due date, client, id.
struct ItemCursor {
  Date due_date{};
  std::string client_id;
  int64_t id = 0;  // 0 = the start
};

struct BankTxnRecord {
  int64_t id = 0;
  std::string client_id;
  std::string account;
  Date date{};
  Money amount;  // negative = debit
  std::string label;
  std::string fingerprint;
  int64_t document_id = 0;
};

// An export's entries as it wrote them (their FEC lines, FecLines): by the
// document each books, and by bank movement for the bank journal.
struct ExportedEntrySet {
  std::map<int64_t, std::string> by_document;
  std::map<int64_t, std::string> by_bank_txn;
};

// A receipt item to create with its transaction, when the debit needs one.
struct NewBankTxn {
  BankTxnRecord txn;
  bool needs_receipt = false;
  std::string period;
  std::string item_label;
  int64_t matched_document_id = 0;  // a document already filed that justifies it
};

struct ImportCounts {
  int added = 0;
  int skipped = 0;
  int items_created = 0;
};

// One outgoing e-mail in the outbox: scheduled → sending → sent | failed,
// or `unknown` when a crash left it `sending`.
struct OutboxRecord {
  int64_t id = 0;
  std::string client_id;
  std::string kind;  // reminder | escalation | digest | thanks
  std::string slot;  // unique per client and kind
  std::string items_json = "[]";
  std::string recipients_json = "[]";
  std::string message_id;
  std::string message;  // the whole RFC 822 message
  OutboxState state = OutboxState::kScheduled;
  int attempts = 0;
  absl::Time next_attempt_at = absl::InfinitePast();
  std::string last_error;
  absl::Time created_at;
  std::optional<absl::Time> sent_at;
};

// Clients from the config (and the `unknown` pseudo-client), their contact state.
class ClientTable {
 public:
  virtual ~ClientTable() = default;

  // Makes the client table match `clients` (plus the `unknown`
  // pseudo-client): inserts and updates them, marks the others
  // in_config = false (their documents stay). Appends client_added /
  // client_updated / client_removed events. One transaction.
  virtual absl::Status SyncClients(const std::vector<ClientRecord>& clients) = 0;
  // Clients ordered by id, after `after_id`; `filter` matches a substring of
  // id or name, case-insensitively. Includes clients no longer in config.
  virtual absl::StatusOr<std::vector<ClientRecord>> ListClients(
      const std::string& filter, const std::string& after_id, int limit) = 0;
  virtual absl::StatusOr<ClientRecord> GetClient(const std::string& id) = 0;
  // Clients the config names (the unknown pseudo-client is not one).
  virtual absl::StatusOr<int64_t> CountClients() = 0;
  // Deletes a client no longer in the config with its documents, events and
  // seen files, and appends a `purged` audit event; one transaction. Returns
  // the hashes no other client holds (the caller deletes those originals).
  virtual absl::StatusOr<std::vector<std::string>> PurgeClient(
      const std::string& client_id, int* documents_deleted) = 0;
  // Per-client collection state: reminders paused until (a reply in
  // words), addresses that bounced.
  virtual absl::StatusOr<std::pair<std::optional<absl::Time>, std::vector<std::string>>>
  GetContactState(const std::string& client_id) = 0;
  virtual absl::Status SetPausedUntil(const std::string& client_id, absl::Time until) = 0;
  virtual absl::Status MarkBadAddress(const std::string& client_id, const std::string& address) = 0;
};

// Documents from intake to a final state; files already taken from keep-folders.
class DocumentTable {
 public:
  virtual ~DocumentTable() = default;

  // Inserts a document in state `received` and its `received` event, in one
  // transaction. AlreadyExists (with the first document's id in the message)
  // when the client already has these bytes.
  virtual absl::StatusOr<int64_t> InsertDocument(const NewDocument& doc) = 0;
  // Intake's one transaction: a new document in state `received` with its
  // `received` event, or — when the client already has these bytes — a
  // `duplicate` event pointing at the first document.
  virtual absl::StatusOr<IntakeResult> IngestDocument(const NewDocument& doc) = 0;
  // Documents read elsewhere (an earlier archive, the firm-scale
  // benchmark), many in one transaction: each is received (its `received`
  // event) and then updated as UpdateDocument would, with `event_kind`.
  // Bytes the client already has are skipped. Returns how many were added.
  virtual absl::StatusOr<int> ImportDocuments(const std::vector<ImportedDocument>& docs) = 0;
  // Applies `update` only if the document is still `expected` (else
  // FailedPrecondition), and appends an event `event_kind` (none if empty) —
  // one transaction, so a state change and its event are never apart.
  virtual absl::Status UpdateDocument(int64_t id, DocumentStatus expected,
                                      const DocumentUpdate& update,
                                      absl::string_view event_kind,
                                      const std::string& payload_json) = 0;
  // Documents not in a final state whose next attempt is due by `now`,
  // the longest due first (then by id).
  virtual absl::StatusOr<std::vector<DocumentRecord>> ListDueDocuments(
      absl::Time now, int limit) = 0;
  // When the earliest document not in a final state is due (InfiniteFuture
  // when none; a time in the past when one is due now).
  virtual absl::StatusOr<absl::Time> NextDueTime() = 0;
  virtual absl::StatusOr<int64_t> CountPendingDocuments() = 0;
  virtual absl::StatusOr<std::string> GetDocumentText(int64_t id) = 0;
  // The client's other documents whose fields carry this invoice number.
  virtual absl::StatusOr<std::vector<DocumentRecord>> DocumentsWithNumber(
      const std::string& client_id, const std::string& invoice_number,
      int64_t except_id) = 0;
  // Files of `after = "keep"` folders already taken in (path, size, mtime).
  virtual absl::StatusOr<bool> IsFileSeen(const std::string& client_id,
                                          const std::string& path, int64_t size,
                                          int64_t mtime_ns) = 0;
  virtual absl::Status RememberFile(const std::string& client_id,
                                    const std::string& path, int64_t size,
                                    int64_t mtime_ns, const std::string& sha256,
                                    int64_t document_id) = 0;
  virtual absl::StatusOr<DocumentRecord> GetDocument(int64_t id) = 0;
  // Moves a document to another client with a `moved` event. AlreadyExists
  // when that client already has the same bytes; NotFound for an unknown
  // client or document.
  virtual absl::Status MoveDocument(int64_t id, const std::string& to_client,
                                    const std::string& why) = 0;
  virtual absl::StatusOr<std::vector<DocumentRecord>> ListDocuments(
      const DocumentFilter& filter) = 0;
  // Document counts per status, for one client or all ("").
  virtual absl::StatusOr<std::map<DocumentStatus, int64_t>>
  CountDocumentsByStatus(const std::string& client_id) = 0;
};

// Where mail intake stands in each IMAP folder.
class MailboxTable {
 public:
  virtual ~MailboxTable() = default;

  virtual absl::StatusOr<MailboxState> GetMailboxState(const std::string& mailbox,
                                                       const std::string& folder) = 0;
  virtual absl::Status SetMailboxState(const std::string& mailbox,
                                       const std::string& folder,
                                       const MailboxState& state) = 0;
};

// What the daemon remembers: LLM answers, supplier types staff confirmed.
class LearningTable {
 public:
  virtual ~LearningTable() = default;

  // The LLM answer cache (key: document hash, model, prompt version).
  virtual absl::StatusOr<std::optional<std::string>> GetLlmAnswer(const std::string& key) = 0;
  virtual absl::Status PutLlmAnswer(const std::string& key, const std::string& answer) = 0;
  // Supplier ↔ type pairs staff confirmed in review; kUnknown when none.
  virtual absl::Status LearnSupplierType(const std::string& client_id,
                                         const std::string& supplier_key, DocType doc_type) = 0;
  virtual absl::StatusOr<DocType> LearnedSupplierType(const std::string& client_id,
                                                      const std::string& supplier_key) = 0;
  // The charge or revenue account staff chose for a third party (its
  // auxiliary account, ThirdPartyAccount), and all of a client's.
  virtual absl::Status LearnSupplierAccount(const std::string& client_id,
                                            const std::string& supplier_key,
                                            const std::string& account) = 0;
  virtual absl::StatusOr<std::map<std::string, std::string>> LearnedSupplierAccounts(
      const std::string& client_id) = 0;
  // The third parties of the client's books (from its FEC), added or
  // replaced by auxiliary account; an empty account keeps the one known.
  virtual absl::Status RememberThirdParties(const std::string& client_id,
                                            const std::vector<KnownParty>& parties) = 0;
  virtual absl::StatusOr<std::vector<KnownParty>> KnownThirdParties(
      const std::string& client_id) = 0;
};

// What clients owe (items) and their bank movements.
class CollectionTables {
 public:
  virtual ~CollectionTables() = default;

  // The entries of the last export of a client's period, and replacing
  // them with this export's.
  virtual absl::StatusOr<ExportedEntrySet> ExportedEntries(const std::string& client_id,
                                                           const std::string& period) = 0;
  virtual absl::Status RecordExportedEntries(const std::string& client_id,
                                             const std::string& period,
                                             const ExportedEntrySet& entries) = 0;

  // Inserts the item unless one with the same client, kind, period, account
  // and bank transaction exists; returns the id either way, and whether it
  // was created.
  virtual absl::StatusOr<std::pair<int64_t, bool>> EnsureItem(const ItemRecord& item) = 0;
  // EnsureItem for many items in one transaction; returns how many were
  // created.
  virtual absl::StatusOr<int> EnsureItems(const std::vector<ItemRecord>& items) = 0;
  // client "" = all; open_only: state = open. Ordered by due date, id.
  virtual absl::StatusOr<std::vector<ItemRecord>> ListItems(const std::string& client_id,
                                                            const std::string& period,
                                                            bool open_only) = 0;
  // Open items due on or before `due_by` (client "" = all), ordered by due
  // date, client, id, after the cursor `after` (id 0 = from the start), at
  // most `limit`: pages of what is missing, read through an index.
  virtual absl::StatusOr<std::vector<ItemRecord>> ListOpenItemsDue(const std::string& client_id,
                                                                   Date due_by,
                                                                   const ItemCursor& after,
                                                                   int limit) = 0;
  virtual absl::StatusOr<ItemRecord> GetItem(int64_t id) = 0;
  // open → received with the document, and an `item_received` event.
  virtual absl::Status ReceiveItem(int64_t item_id, int64_t document_id) = 0;
  // → waived with the reason, and an `item_waived` event.
  virtual absl::Status WaiveItem(int64_t item_id, const std::string& reason) = 0;
  // Imports movements in one transaction: known fingerprints are skipped,
  // receipt items created for new debits that need one (closed at once
  // when `matched_document_id` is set).
  virtual absl::StatusOr<ImportCounts> ImportBankTxns(const std::string& client_id,
                                                      const std::vector<NewBankTxn>& txns,
                                                      const std::string& source_name) = 0;
  // The client's movements dated from `first` to `last`, by date and id.
  virtual absl::StatusOr<std::vector<BankTxnRecord>> ListBankTxns(const std::string& client_id,
                                                                  Date first, Date last) = 0;
  // The client's debits with no document yet.
  virtual absl::StatusOr<std::vector<BankTxnRecord>> ListUnmatchedDebits(
      const std::string& client_id) = 0;
  virtual absl::StatusOr<BankTxnRecord> GetBankTxn(int64_t id) = 0;
  // Links a debit to the document that justifies it and closes the
  // debit's receipt item; one transaction.
  virtual absl::Status MatchBankTxn(int64_t txn_id, int64_t document_id) = 0;
  // The bank transaction matched to a document, 0 when none.
  virtual absl::StatusOr<int64_t> BankTxnOfDocument(int64_t document_id) = 0;
};

// E-mails to send, each slot at most once.
class OutboxTable {
 public:
  virtual ~OutboxTable() = default;

  // Outbox. InsertOutbox: AlreadyExists when the client already has this
  // kind and slot (a slot is sent at most once).
  virtual absl::StatusOr<int64_t> InsertOutbox(const OutboxRecord& row) = 0;
  // Moves a row from `from` to `to` (FailedPrecondition if it is not in
  // `from`), with an event of the same name.
  virtual absl::Status SetOutboxState(int64_t id, OutboxState from, OutboxState to,
                                      const std::string& error, absl::Time next_attempt_at) = 0;
  // client "" = all; kind "" = all; no state = all; newest first.
  virtual absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(const std::string& client_id,
                                                               const std::string& kind,
                                                               std::optional<OutboxState> state,
                                                               int limit) = 0;
  // How many rows match (same filters as ListOutbox).
  virtual absl::StatusOr<int64_t> CountOutbox(const std::string& client_id,
                                              const std::string& kind,
                                              std::optional<OutboxState> state) = 0;
  // The client an outbox message was written for, by its Message-ID
  // (without angle brackets); "" when none.
  virtual absl::StatusOr<std::string> ClientOfMessageId(const std::string& message_id) = 0;
  // Rows left `sending` by a crash become `unknown`; returns them.
  virtual absl::StatusOr<std::vector<OutboxRecord>> MarkInterruptedSends() = 0;
};

// The append-only event log and the sequence watchers wait on.
class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends one event in its own transaction; returns its sequence number.
  virtual absl::StatusOr<int64_t> AppendEvent(const EventRecord& event) = 0;
  // Events with seq > after_seq in order, at most `limit`; client "" = all.
  virtual absl::StatusOr<std::vector<EventRecord>> ListEvents(
      int64_t after_seq, const std::string& client_id, int limit) = 0;
  // Events of one kind stamped at or after `since`, by time, at most `limit`.
  virtual absl::StatusOr<std::vector<EventRecord>> ListEventsOfKindSince(
      const std::string& kind, absl::Time since, int limit) = 0;
  // The sequence number of the last committed event (0 when none).
  virtual int64_t LastEventSeq() const = 0;
  // Blocks until an event with seq > after_seq is committed or `timeout`
  // passes; returns whether one was.
  virtual bool WaitForEventsAfter(int64_t after_seq,
                                  absl::Duration timeout) const = 0;
  // `hook` runs on the committing thread after each commit that appended
  // events (null: none). It must be quick and must not write to the store;
  // once this returns, a hook it replaced no longer runs.
  virtual void OnEventsCommitted(std::function<void()> hook) = 0;
  virtual absl::StatusOr<int64_t> CountEvents(const std::string& kind) = 0;
};

// All of the tables, as the daemon opens them. Components take the narrower
// interface they use, so that another SQL engine can be added a table group
// at a time.
struct StoreCheck {
  // "ok", or what SQLite's quick_check found (at most 20 lines).
  std::vector<std::string> integrity;
  // One line per count that disagrees with the rows, e.g.
  // "documents of acme, done: 12 kept, 13 in the table".
  std::vector<std::string> wrong_counts;
  bool repaired = false;  // the counts were rebuilt
};

class Store : public ClientTable,
              public DocumentTable,
              public MailboxTable,
              public LearningTable,
              public CollectionTables,
              public OutboxTable,
              public EventLog {
 public:
  struct Options {
    // Migrate only up to this schema version (tests of old versions);
    // -1 = latest.
    int target_version = -1;
    int read_connections = 4;
    std::chrono::milliseconds busy_timeout{5000};
    // Diagnostics: called with the text of each statement the store runs,
    // from the calling thread (tests check the query plans of these).
    std::function<void(const std::string& sql)> trace_statements;
  };

  // Opens or creates the database at `path` and migrates it. The Clock
  // stamps rows and events and must outlive the Store.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     const Clock* clock,
                                                     Options options);
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     const Clock* clock) {
    return Open(path, clock, Options());
  }
  static int LatestSchemaVersion();

  virtual ~Store() = default;

  virtual absl::StatusOr<int> SchemaVersion() = 0;
  virtual absl::StatusOr<std::string> JournalMode() = 0;
  // `liasse doctor`: SQLite's own check of the file, then the kept counts
  // (documents per client and status, events per kind) against the rows;
  // with `repair`, wrong counts are rebuilt from the rows.
  virtual absl::StatusOr<StoreCheck> CheckStore(bool repair) = 0;
};

// Storage timestamps: "2026-11-28T14:29:03.123456Z" (UTC, sortable).
std::string FormatStoreTime(absl::Time t);
absl::StatusOr<absl::Time> ParseStoreTime(const std::string& text);

}  // namespace liasse
