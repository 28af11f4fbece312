// The event log and its sequence.
#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/rows.h"

namespace liasse {

absl::StatusOr<int64_t> SqliteStore::CountEvents(const std::string& kind) {
  ReadConn conn(this);
  // Kept by triggers (schema version 7).
  Stmt s(conn.db, "SELECT n FROM event_count WHERE kind = ?1");
  s.Bind(1, kind);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return *row ? s.Int(0) : 0;
}

absl::StatusOr<int64_t> SqliteStore::AppendEvent(const EventRecord& event) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
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

absl::StatusOr<std::vector<EventRecord>> SqliteStore::ListEvents(
    int64_t after_seq, const std::string& client_id, int limit) {
  ReadConn conn(this);
  Where where;
  where.AddIfSet("client_id = ?", client_id);
  where.Add("seq > ?", {after_seq});
  Stmt s(conn.db, absl::StrCat("SELECT seq, ts, kind, client_id, document_id, payload FROM event",
                               where.Sql(), " ORDER BY seq LIMIT ?", where.next())
                      .c_str());
  where.BindTo(s);
  s.Bind(where.next(), int64_t{limit});
  return ReadAll<EventRecord>(s, ReadEvent);
}

absl::StatusOr<std::vector<EventRecord>> SqliteStore::ListEventsOfKindSince(const std::string& kind,
                                                               absl::Time since,
                                                               int limit) {
  ReadConn conn(this);
  // Timestamps are sortable text (FormatStoreTime). In the order of the
  // index event_by_kind (kind, ts, seq), so that no plan prefers walking
  // the whole log in seq order.
  Stmt s(conn.db,
         "SELECT seq, ts, kind, client_id, document_id, payload FROM event "
         "WHERE kind = ?1 AND ts >= ?2 ORDER BY ts, seq LIMIT ?3");
  s.Bind(1, kind).Bind(2, FormatStoreTime(since)).Bind(3, int64_t{limit});
  return ReadAll<EventRecord>(s, ReadEvent);
}

int64_t SqliteStore::LastEventSeq() const {
  std::lock_guard<std::mutex> lock(event_mu_);
  return last_seq_;
}

bool SqliteStore::WaitForEventsAfter(int64_t after_seq,
                        absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(event_mu_);
  return event_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                            [&] { return last_seq_ > after_seq; });
}

absl::Status SqliteStore::InsertEventLocked(const std::string& now, absl::string_view kind,
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

void SqliteStore::PublishPendingEvents() {
  if (pending_seq_ == 0) return;
  {
    std::lock_guard<std::mutex> lock(event_mu_);
    last_seq_ = std::max(last_seq_, pending_seq_);
  }
  pending_seq_ = 0;
  event_cv_.notify_all();
  std::lock_guard<std::mutex> lock(hook_mu_);
  if (event_hook_) event_hook_();
}

void SqliteStore::OnEventsCommitted(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(hook_mu_);
  event_hook_ = std::move(hook);
}

}  // namespace liasse
