// The SQLite implementation of Store: one writer connection serialised by a
// mutex, a pool of read-only connections (WAL snapshots), and the event
// sequence WatchEvents waits on. Its methods live in one file per table
// group (clients.cc, documents.cc, events.cc, collection.cc, outbox.cc,
// learning.cc). Internal to daemon/store/.
#pragma once

#include <condition_variable>
#include <mutex>
#include <utility>

#include "daemon/store/sqlite.h"
#include "daemon/store/store.h"

namespace liasse {

class SqliteStore final : public Store {
 public:
  SqliteStore(const Clock* clock, sqlite3* writer, std::vector<sqlite3*> readers)
      : clock_(clock), writer_(writer), free_readers_(std::move(readers)) {
    all_readers_ = free_readers_;
  }

  ~SqliteStore() override {
    // Lets SQLite refresh the statistics its planner needs, as its
    // documentation asks of long-lived connections at close.
    (void)Exec(writer_, "PRAGMA optimize");
    for (sqlite3* db : all_readers_) sqlite3_close_v2(db);
    sqlite3_close_v2(writer_);
  }

  absl::Status Init();
  // Calls `trace` with each statement's text, on every connection.
  void TraceStatements(std::function<void(const std::string&)> trace);
  absl::StatusOr<int> SchemaVersion() override;
  absl::StatusOr<std::string> JournalMode() override;
  absl::StatusOr<StoreCheck> CheckStore(bool repair) override;
  absl::Status SyncClients(const std::vector<ClientRecord>& wanted) override;
  absl::StatusOr<std::vector<ClientRecord>> ListClients(
      const std::string& filter, const std::string& after_id,
      int limit) override;
  absl::StatusOr<ClientRecord> GetClient(const std::string& id) override;
  absl::StatusOr<int64_t> InsertDocument(const NewDocument& doc) override;
  absl::StatusOr<IntakeResult> IngestDocument(const NewDocument& doc) override;
  absl::StatusOr<int> ImportDocuments(const std::vector<ImportedDocument>& docs) override;
  absl::Status UpdateDocument(int64_t id, DocumentStatus expected,
                              const DocumentUpdate& u,
                              absl::string_view event_kind,
                              const std::string& payload) override;
  absl::StatusOr<std::vector<DocumentRecord>> ListDueDocuments(
      absl::Time now, int limit) override;
  absl::StatusOr<int64_t> CountPendingDocuments() override;
  absl::StatusOr<std::vector<DocumentRecord>> DocumentsWithNumber(
      const std::string& client_id, const std::string& invoice_number,
      int64_t except_id) override;
  absl::StatusOr<std::string> GetDocumentText(int64_t id) override;
  absl::StatusOr<bool> IsFileSeen(const std::string& client_id,
                                  const std::string& path, int64_t size,
                                  int64_t mtime_ns) override;
  absl::Status RememberFile(const std::string& client_id,
                            const std::string& path, int64_t size,
                            int64_t mtime_ns, const std::string& sha256,
                            int64_t document_id) override;
  absl::Status MoveDocument(int64_t id, const std::string& to_client,
                            const std::string& why) override;
  absl::StatusOr<std::vector<std::string>> PurgeClient(
      const std::string& client_id, int* documents_deleted) override;
  absl::StatusOr<MailboxState> GetMailboxState(const std::string& mailbox,
                                               const std::string& folder) override;
  absl::Status SetMailboxState(const std::string& mailbox, const std::string& folder,
                               const MailboxState& state) override;
  absl::StatusOr<std::optional<std::string>> GetLlmAnswer(const std::string& key) override;
  absl::Status PutLlmAnswer(const std::string& key, const std::string& answer) override;
  absl::Status LearnSupplierType(const std::string& client_id, const std::string& supplier_key,
                                 DocType doc_type) override;
  absl::StatusOr<DocType> LearnedSupplierType(const std::string& client_id,
                                                  const std::string& supplier_key) override;
  absl::Status LearnSupplierAccount(const std::string& client_id, const std::string& supplier_key,
                                    const std::string& account) override;
  absl::StatusOr<std::map<std::string, std::string>> LearnedSupplierAccounts(
      const std::string& client_id) override;
  absl::Status RememberThirdParties(const std::string& client_id,
                                    const std::vector<KnownParty>& parties) override;
  absl::StatusOr<std::vector<KnownParty>> KnownThirdParties(const std::string& client_id) override;

  // ---------- collection
  absl::StatusOr<std::pair<int64_t, bool>> EnsureItem(const ItemRecord& item) override;
  absl::StatusOr<std::vector<ItemRecord>> ListItems(const std::string& client_id,
                                                    const std::string& period,
                                                    bool open_only) override;
  absl::StatusOr<ItemRecord> GetItem(int64_t id) override;
  absl::Status ReceiveItem(int64_t item_id, int64_t document_id) override;
  absl::Status WaiveItem(int64_t item_id, const std::string& reason) override;
  absl::StatusOr<ImportCounts> ImportBankTxns(const std::string& client_id,
                                              const std::vector<NewBankTxn>& txns,
                                              const std::string& source_name) override;
  absl::StatusOr<std::vector<BankTxnRecord>> ListBankTxns(const std::string& client_id,
                                                          Date first, Date last) override;
  absl::StatusOr<std::vector<BankTxnRecord>> ListUnmatchedDebits(
      const std::string& client_id) override;
  absl::StatusOr<BankTxnRecord> GetBankTxn(int64_t id) override;
  absl::Status MatchBankTxn(int64_t txn_id, int64_t document_id) override;
  absl::StatusOr<int64_t> BankTxnOfDocument(int64_t document_id) override;
  absl::StatusOr<ExportedEntrySet> ExportedEntries(const std::string& client_id,
                                                   const std::string& period) override;
  absl::Status RecordExportedEntries(const std::string& client_id, const std::string& period,
                                     const ExportedEntrySet& entries) override;
  absl::StatusOr<int64_t> InsertOutbox(const OutboxRecord& r) override;
  absl::Status SetOutboxState(int64_t id, OutboxState from, OutboxState to,
                              const std::string& error, absl::Time next_attempt_at) override;
  absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(const std::string& client_id,
                                                       const std::string& kind,
                                                       std::optional<OutboxState> state,
                                                       int limit) override;
  absl::StatusOr<std::string> ClientOfMessageId(const std::string& message_id) override;
  absl::StatusOr<std::vector<OutboxRecord>> MarkInterruptedSends() override;
  absl::StatusOr<std::pair<std::optional<absl::Time>, std::vector<std::string>>> GetContactState(
      const std::string& client_id) override;
  absl::Status SetPausedUntil(const std::string& client_id, absl::Time until) override;
  absl::Status MarkBadAddress(const std::string& client_id, const std::string& address) override;
  absl::StatusOr<int64_t> CountEvents(const std::string& kind) override;
  absl::StatusOr<int64_t> CountClients() override;
  absl::StatusOr<int> EnsureItems(const std::vector<ItemRecord>& items) override;
  absl::StatusOr<absl::Time> NextDueTime() override;
  absl::StatusOr<std::vector<ItemRecord>> ListOpenItemsDue(const std::string& client_id,
                                                           Date due_by, const ItemCursor& after,
                                                           int limit) override;
  absl::StatusOr<int64_t> CountOutbox(const std::string& client_id, const std::string& kind,
                                      std::optional<OutboxState> state) override;
  absl::StatusOr<DocumentRecord> GetDocument(int64_t id) override;
  absl::StatusOr<std::vector<DocumentRecord>> ListDocuments(
      const DocumentFilter& filter) override;
  absl::StatusOr<std::map<DocumentStatus, int64_t>> CountDocumentsByStatus(
      const std::string& client_id) override;
  absl::StatusOr<int64_t> AppendEvent(const EventRecord& event) override;
  absl::StatusOr<std::vector<EventRecord>> ListEvents(
      int64_t after_seq, const std::string& client_id, int limit) override;
  absl::StatusOr<std::vector<EventRecord>> ListEventsOfKindSince(const std::string& kind,
                                                                 absl::Time since,
                                                                 int limit) override;
  int64_t LastEventSeq() const override;
  bool WaitForEventsAfter(int64_t after_seq,
                          absl::Duration timeout) const override;
  void OnEventsCommitted(std::function<void()> hook) override;

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

  // One call's write: holds write_mu_, stamps `now` once, and runs one
  // transaction that rolls back unless committed.
  struct WriteTxn {
    explicit WriteTxn(SqliteStore* owner)
        : lock(owner->write_mu_), now(FormatStoreTime(owner->clock_->Now())), txn(owner) {}
    const absl::Status& status() const { return txn.status; }
    absl::Status Commit() { return txn.Commit(); }
    std::lock_guard<std::mutex> lock;
    const std::string now;
    Txn txn;
  };

  // The client of row `id` of `table` (item, document...) if its state
  // column `state_column` says `expected`; NotFound or FailedPrecondition
  // otherwise. Caller holds a WriteTxn.
  absl::StatusOr<std::string> ClientIfStateLocked(const std::string& table,
                                                  const std::string& state_column, int64_t id,
                                                  const std::string& expected);

  // A new document in state `received`, or — when the client already has
  // these bytes — the first one (with a `duplicate` event if asked). One
  // transaction.
  absl::StatusOr<IntakeResult> Ingest(const NewDocument& doc, bool record_duplicate);

  absl::StatusOr<std::pair<int64_t, bool>> EnsureItemLocked(const std::string& now,
                                                            const ItemRecord& item);
  absl::Status ReceiveItemLocked(const std::string& now, int64_t item_id, int64_t document_id);

  // The client's document with these bytes, 0 when none. Caller holds
  // write_mu_ inside a transaction.
  absl::StatusOr<int64_t> FindSameBytesLocked(const NewDocument& doc);

  // A new document in state `received` and its `received` event.
  absl::StatusOr<int64_t> InsertReceivedLocked(const std::string& now, const NewDocument& doc);
  absl::Status UpdateDocumentLocked(const std::string& now, int64_t id, DocumentStatus expected,
                                    const DocumentUpdate& u, absl::string_view event_kind,
                                    const std::string& payload);
  absl::Status InsertEventLocked(const std::string& now, absl::string_view kind,
                                 const std::string& client_id,
                                 int64_t document_id,
                                 const std::string& payload);
  void PublishPendingEvents();
  const Clock* clock_;
  std::mutex write_mu_;
  std::function<void(const std::string&)> trace_;
  sqlite3* writer_;
  int64_t pending_seq_ = 0;  // guarded by write_mu_
  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<sqlite3*> free_readers_;
  std::vector<sqlite3*> all_readers_;
  mutable std::mutex event_mu_;
  mutable std::condition_variable event_cv_;
  int64_t last_seq_ = 0;
  std::mutex hook_mu_;  // held while the hook runs, so replacing it waits
  std::function<void()> event_hook_;  // guarded by hook_mu_
};

}  // namespace liasse
