// The outbox of e-mails to send.
#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/rows.h"

namespace liasse {
namespace {

// Only the filters given (indexes outbox_by_client, outbox_by_kind,
// outbox_by_state serve each combination).
Where OutboxWhere(const std::string& client_id, const std::string& kind,
                  std::optional<OutboxState> state) {
  Where where;
  where.AddIfSet("client_id = ?", client_id);
  where.AddIfSet("kind = ?", kind);
  if (state) where.Add("state = ?", {std::string(OutboxStateName(*state))});
  return where;
}

}  // namespace

absl::StatusOr<int64_t> SqliteStore::InsertOutbox(const OutboxRecord& r) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  Stmt s(writer_,
         "INSERT INTO outbox (client_id, kind, slot, items, recipients, message_id, message, "
         "state, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  s.Bind(1, r.client_id).Bind(2, r.kind).Bind(3, r.slot).Bind(4, r.items_json);
  s.Bind(5, r.recipients_json).Bind(6, r.message_id).Bind(7, r.message).Bind(8, std::string(OutboxStateName(r.state)));
  s.Bind(9, FormatStoreTime(r.next_attempt_at == absl::InfinitePast() ? clock_->Now()
                                                                       : r.next_attempt_at));
  s.Bind(10, now);
  if (absl::Status st = s.Run(); !st.ok()) return st;
  int64_t id = sqlite3_last_insert_rowid(writer_);
  if (absl::Status st = InsertEventLocked(
          now, absl::StrCat(r.kind, "_", OutboxStateName(r.state)), r.client_id, 0,
          nlohmann::json({{"outbox", id}, {"slot", r.slot}, {"items", nlohmann::json::parse(r.items_json, nullptr, false)}}).dump());
      !st.ok()) {
    return st;
  }
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return id;
}

absl::Status SqliteStore::SetOutboxState(int64_t id, OutboxState from_state,
                                         OutboxState to_state, const std::string& error,
                                         absl::Time next_attempt_at) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  const std::string from(OutboxStateName(from_state)), to(OutboxStateName(to_state));
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

absl::StatusOr<std::vector<OutboxRecord>> SqliteStore::ListOutbox(const std::string& client_id,
                                                     const std::string& kind,
                                                     std::optional<OutboxState> state,
                                                     int limit) {
  ReadConn conn(this);
  Where where = OutboxWhere(client_id, kind, state);
  Stmt s(conn.db, absl::StrCat("SELECT ", kOutboxColumns, " FROM outbox", where.Sql(),
                               " ORDER BY id DESC LIMIT ?", where.next())
                      .c_str());
  where.BindTo(s);
  s.Bind(where.next(), int64_t{limit});
  return ReadAll<OutboxRecord>(s, ReadOutbox);
}

absl::StatusOr<int64_t> SqliteStore::CountOutbox(const std::string& client_id,
                                                 const std::string& kind,
                                                 std::optional<OutboxState> state) {
  ReadConn conn(this);
  Where where = OutboxWhere(client_id, kind, state);
  Stmt s(conn.db, absl::StrCat("SELECT COUNT(*) FROM outbox", where.Sql()).c_str());
  where.BindTo(s);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return s.Int(0);
}

absl::StatusOr<std::string> SqliteStore::ClientOfMessageId(const std::string& message_id) {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT client_id FROM outbox WHERE message_id = ?1 LIMIT 1");
  s.Bind(1, message_id);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return *row ? s.Text(0) : std::string();
}

absl::StatusOr<std::vector<OutboxRecord>> SqliteStore::MarkInterruptedSends() {
  absl::StatusOr<std::vector<OutboxRecord>> sending = ListOutbox("", "", OutboxState::kSending, 100000);
  if (!sending.ok()) return sending.status();
  for (const OutboxRecord& r : *sending) {
    if (absl::Status st = SetOutboxState(r.id, OutboxState::kSending, OutboxState::kUnknown,
                                         "interrupted while sending: not resent automatically",
                                         absl::InfinitePast());
        !st.ok()) {
      return st;
    }
  }
  return sending;
}

}  // namespace liasse
