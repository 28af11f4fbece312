// `liasse doctor`: the file's integrity and the counts kept by triggers
// (schema 7), checked against the rows and rebuilt on request.
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite.h"
#include "daemon/store/sqlite_store.h"

namespace liasse {
namespace {

using Counts = std::map<std::pair<std::string, std::string>, int64_t>;

// Rows of (key1, key2, n) with n != 0; key2 "" when the query has two columns.
absl::StatusOr<Counts> ReadCounts(sqlite3* db, const char* sql) {
  Stmt s(db, sql);
  Counts out;
  absl::Status st = ForEachRow(s, [&] {
    int64_t n = s.Int(2);
    if (n != 0) out[{s.Text(0), s.Text(1)}] = n;
  });
  if (!st.ok()) return st;
  return out;
}

// One line per key whose kept count differs from the counted one.
void Compare(const Counts& kept, const Counts& counted,
             const std::function<std::string(const std::pair<std::string, std::string>&)>& name,
             std::vector<std::string>* out) {
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> both;
  for (const auto& [k, n] : kept) both[k].first = n;
  for (const auto& [k, n] : counted) both[k].second = n;
  for (const auto& [k, n] : both) {
    if (n.first != n.second) {
      out->push_back(absl::StrCat(name(k), ": ", n.first, " kept, ", n.second, " in the table"));
    }
  }
}

constexpr char kCountDocuments[] =
    "SELECT client_id, status, COUNT(*) FROM document GROUP BY client_id, status "
    "UNION ALL SELECT '*', status, COUNT(*) FROM document GROUP BY status";
constexpr char kCountEvents[] = "SELECT kind, '', COUNT(*) FROM event GROUP BY kind";

}  // namespace

absl::StatusOr<StoreCheck> SqliteStore::CheckStore(bool repair) {
  StoreCheck check;
  {
    // The whole file, page by page: on a read connection, so intake and
    // the pipeline go on meanwhile.
    ReadConn conn(this);
    Stmt s(conn.db, "PRAGMA quick_check(20)");
    absl::Status st = ForEachRow(s, [&] { check.integrity.push_back(s.Text(0)); });
    if (!st.ok()) return st;
  }
  // The counts and the rows in one snapshot: the write transaction, so
  // that a repair rebuilds from what was compared.
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  absl::StatusOr<Counts> kept_docs =
      ReadCounts(writer_, "SELECT client_id, status, n FROM document_count");
  if (!kept_docs.ok()) return kept_docs.status();
  absl::StatusOr<Counts> docs = ReadCounts(writer_, kCountDocuments);
  if (!docs.ok()) return docs.status();
  absl::StatusOr<Counts> kept_events = ReadCounts(writer_, "SELECT kind, '', n FROM event_count");
  if (!kept_events.ok()) return kept_events.status();
  absl::StatusOr<Counts> events = ReadCounts(writer_, kCountEvents);
  if (!events.ok()) return events.status();
  Compare(*kept_docs, *docs, [](const auto& k) {
    return k.first == "*" ? absl::StrCat("documents, all clients, ", k.second)
                          : absl::StrCat("documents of ", k.first, ", ", k.second);
  }, &check.wrong_counts);
  Compare(*kept_events, *events, [](const auto& k) { return absl::StrCat("events ", k.first); },
          &check.wrong_counts);
  if (!repair || check.wrong_counts.empty()) return check;
  for (const std::string& sql :
       {std::string("DELETE FROM document_count"),
        absl::StrCat("INSERT INTO document_count (client_id, status, n) ", kCountDocuments),
        std::string("DELETE FROM event_count"),
        std::string("INSERT INTO event_count (kind, n) SELECT kind, COUNT(*) FROM event GROUP BY kind")}) {
    if (absl::Status st = Exec(writer_, sql.c_str()); !st.ok()) return st;
  }
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  check.repaired = true;
  return check;
}

}  // namespace liasse
