#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/rows.h"
#include "daemon/store/schema.h"

namespace liasse {

absl::Status SqliteStore::Init() {
  Stmt s(writer_, "SELECT COALESCE(MAX(seq), 0) FROM event");
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  last_seq_ = s.Int(0);
  return absl::OkStatus();
}

void SqliteStore::TraceStatements(std::function<void(const std::string&)> trace) {
  trace_ = std::move(trace);
  auto on_statement = [](unsigned, void* ctx, void* stmt, void*) -> int {
    const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
    if (sql != nullptr) (*static_cast<std::function<void(const std::string&)>*>(ctx))(sql);
    return 0;
  };
  for (sqlite3* db : all_readers_) sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_statement, &trace_);
  sqlite3_trace_v2(writer_, SQLITE_TRACE_STMT, on_statement, &trace_);
}

absl::StatusOr<std::string> SqliteStore::ClientIfStateLocked(const std::string& table,
                                                             const std::string& state_column,
                                                             int64_t id,
                                                             const std::string& expected) {
  Stmt s(writer_,
         absl::StrCat("SELECT client_id, ", state_column, " FROM ", table, " WHERE id = ?1").c_str());
  s.Bind(1, id);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat(table, " ", id));
  if (s.Text(1) != expected) {
    return absl::FailedPreconditionError(
        absl::StrCat(table, " ", id, " is ", s.Text(1), ", not ", expected));
  }
  return s.Text(0);
}

absl::StatusOr<int> SqliteStore::SchemaVersion() {
  ReadConn conn(this);
  Stmt s(conn.db, "PRAGMA user_version");
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(s.Int(0));
}

absl::StatusOr<std::string> SqliteStore::JournalMode() {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_, "PRAGMA journal_mode");
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return s.Text(0);
}

int Store::LatestSchemaVersion() { return LatestSchema(); }

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
  int target = options.target_version < 0 ? LatestSchema()
                                          : std::min(options.target_version,
                                                     LatestSchema());
  if (absl::Status st = Migrate(*writer, target); !st.ok()) {
    return close_writer(st);
  }
  // Statistics for the planner where they are missing or stale (cheap: it
  // analyses only tables that need it, with a bounded sample).
  if (absl::Status st = Exec(*writer, "PRAGMA analysis_limit = 1000; PRAGMA optimize");
      !st.ok()) {
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
  if (target == LatestSchema()) {
    if (absl::Status st = store->Init(); !st.ok()) return st;
  }
  if (options.trace_statements) store->TraceStatements(std::move(options.trace_statements));
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
