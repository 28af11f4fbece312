// SQLite helpers shared by the store's files: typed errors, prepared
// statements, row loops. Internal to daemon/store/.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <initializer_list>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace liasse {

// A typed status for the connection's last error: busy → Unavailable, full
// or I/O → ResourceExhausted, corrupt → DataLoss, constraint →
// AlreadyExists, read-only → PermissionDenied.
absl::Status SqliteError(sqlite3* db, absl::string_view what);

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

// A WHERE clause naming only the filters given, so that SQLite's planner
// sees the predicates an index serves (a "(?1 = '' OR col = ?1)" pattern
// keeps it from using any). Values are bound in the order they were added.
class Where {
 public:
  using Value = std::variant<std::string, int64_t>;
  // `clause` is a predicate with one "?" per value, in order, e.g.
  // "client_id = ?" or "(due_date, id) > (?, ?)".
  Where& Add(const char* clause, std::initializer_list<Value> values = {}) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    size_t n = values_.size();
    for (const char* c = clause; *c != '\0'; ++c) {
      sql_ += *c;
      if (*c == '?') sql_ += std::to_string(++n);
    }
    values_.insert(values_.end(), values);
    return *this;
  }
  // Adds `clause` only when `value` is not empty.
  Where& AddIfSet(const char* clause, const std::string& value) {
    return value.empty() ? *this : Add(clause, {value});
  }
  // " WHERE a = ?1 AND b = ?2", or "" when no filter was added.
  const std::string& Sql() const { return sql_; }
  // The next free parameter number, for a LIMIT after the filters.
  int next() const { return static_cast<int>(values_.size()) + 1; }
  void BindTo(Stmt& s) const {
    for (size_t i = 0; i < values_.size(); ++i) {
      int n = static_cast<int>(i) + 1;
      if (const std::string* t = std::get_if<std::string>(&values_[i])) {
        s.Bind(n, *t);
      } else {
        s.Bind(n, std::get<int64_t>(values_[i]));
      }
    }
  }

 private:
  std::string sql_;
  std::vector<Value> values_;
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

// The one row `s` selects, read by `read`; NotFound with `what` when none.
template <typename T, typename Read>
absl::StatusOr<T> ReadOne(Stmt& s, Read read, const std::string& what) {
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(what);
  return read(s);
}

// Runs `sql` (several statements allowed) without results.
absl::Status Exec(sqlite3* db, const char* sql);

// Lists of strings are stored as JSON arrays.
std::string ToJsonList(const std::vector<std::string>& values);
std::vector<std::string> FromJsonList(const std::string& text);

// A stored timestamp, or the epoch when unreadable.
absl::Time TimeOrEpoch(const std::string& text);

// A connection: the writer (read-write, created if missing) or a reader.
absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, bool writer,
                                        std::chrono::milliseconds busy);

}  // namespace liasse
