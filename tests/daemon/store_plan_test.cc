// The query plans of the store's request-path statements, on a filled and
// ANALYZEd database (plans on empty tables say nothing): every lookup of a
// large table goes through an index — no SCAN of documents, events, items,
// outbox rows or clients, whatever their number.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

using ::liasse::testing::TempDir;

void Run(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << (err ? err : "") << "\n" << sql;
}

// Rows shaped as the daemon writes them: a big client and many small ones,
// most documents done, a few waiting; events, items and outbox rows alongside.
void Fill(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  Run(db, "BEGIN");
  const char* now = "2026-11-30T10:00:00.000000Z";
  int doc = 0;
  for (int c = 0; c < 60; ++c) {
    std::string id = c == 0 ? "big" : absl::StrCat("small", c);
    Run(db, absl::StrCat("INSERT INTO client (id, name, created_at, updated_at) VALUES ('", id,
                         "', 'Client ", c, "', '", now, "', '", now, "')"));
    int docs = c == 0 ? 6000 : 60;
    for (int d = 0; d < docs; ++d) {
      ++doc;
      // Nothing waiting, as most of the time: the pipeline's partial index
      // is then empty and has no statistics, and must still be used.
      const char* status = d % 50 == 7 ? "needs_review" : "done";
      Run(db, absl::StrCat("INSERT INTO document (client_id, sha256, source, received_at, status, "
                           "updated_at, invoice_number) VALUES ('", id, "', 'h", doc,
                           "', 'folder', '", now, "', '", status, "', '", now, "', 'F-", doc,
                           "')"));
      Run(db, absl::StrCat("INSERT INTO event (ts, kind, client_id, document_id) VALUES ('", now,
                           "', '", d % 3 == 0 ? "received" : "status", "', '", id, "', ", doc,
                           ")"));
    }
    for (int m = 1; m <= 12; ++m) {
      Run(db, absl::StrCat("INSERT INTO item (client_id, period, kind, due_date, state, "
                           "created_at, updated_at) VALUES ('", id, "', '2026-",
                           m < 10 ? "0" : "", m, "', 'bank_statement', '2026-",
                           m < 10 ? "0" : "", m, "-10', '", m < 10 ? "received" : "open",
                           "', '", now, "', '", now, "')"));
      Run(db, absl::StrCat("INSERT INTO outbox (client_id, kind, slot, message_id, state, "
                           "created_at) VALUES ('", id, "', 'reminder', 's", m, "', 'm", c, "-",
                           m, "', '", m == 12 ? "scheduled" : "sent", "', '", now, "')"));
    }
  }
  Run(db, "COMMIT");
  Run(db, "ANALYZE");
  sqlite3_close(db);
}

// EXPLAIN QUERY PLAN's detail lines for `sql` (parameters unbound: the plan
// does not depend on their values).
std::vector<std::string> Plan(sqlite3* db, const std::string& sql) {
  std::vector<std::string> lines;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return {absl::StrCat("cannot explain: ", sqlite3_errmsg(db))};
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
  }
  sqlite3_finalize(stmt);
  return lines;
}

TEST(StorePlanTest, RequestPathStatementsUseIndexesOnAFilledDatabase) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.Join("liasse.db");
  ASSERT_OK(Store::Open(path, &clock));  // the schema
  Fill(path);

  std::mutex mu;
  std::set<std::string> statements;
  Store::Options options;
  options.trace_statements = [&](const std::string& sql) {
    std::lock_guard<std::mutex> lock(mu);
    if (!absl::StartsWith(sql, "PRAGMA")) statements.insert(sql);
  };
  auto opened = Store::Open(path, &clock, options);
  ASSERT_OK(opened);
  Store& s = **opened;

  // What GetStatus, GetClient, ListClients, ListDocuments, GetDocument,
  // ListMissing, WatchEvents, the pipeline and the collector's tick ask.
  for (const std::string& client : {std::string(), std::string("big"), std::string("small7")}) {
    ASSERT_OK(s.CountDocumentsByStatus(client));
    for (int64_t after : {int64_t{0}, int64_t{3000}}) {
      ASSERT_OK(s.ListDocuments({client, std::nullopt, after, 50}));
      ASSERT_OK(s.ListDocuments({client, DocumentStatus::kNeedsReview, after, 50}));
    }
    ASSERT_OK(s.ListEvents(0, client, 500));
    ASSERT_OK(s.ListEvents(5000, client, 500));
    Date due_by{std::chrono::year{2026}, std::chrono::November, std::chrono::day{30}};
    ASSERT_OK(s.ListOpenItemsDue(client, due_by, ItemCursor{}, 100));
    ASSERT_OK(s.ListOpenItemsDue(client, due_by, ItemCursor{due_by, "small3", 40}, 100));
    ASSERT_OK(s.ListItems(client, "", true));
    ASSERT_OK(s.ListOutbox(client, "reminder", OutboxState::kSent, 1));
    ASSERT_OK(s.ListOutbox(client, "", OutboxState::kScheduled, 100));
    ASSERT_OK(s.CountOutbox(client, "reminder", OutboxState::kSent));
  }
  ASSERT_OK(s.ListItems("big", "2026-11", false));
  ASSERT_OK(s.ListItems("big", "", false));
  ASSERT_OK(s.GetContactState("big"));
  ASSERT_OK(s.ListUnmatchedDebits("big"));
  ASSERT_OK(s.ListBankTxns("big", Date{std::chrono::year{2026}, std::chrono::October, std::chrono::day{1}},
                           Date{std::chrono::year{2026}, std::chrono::October, std::chrono::day{31}}));
  ASSERT_OK(s.ExportedEntries("big", "2026-10"));
  ASSERT_OK(s.ListOutbox("big", "reminder", std::nullopt, 1000));
  ASSERT_OK(s.ListOutbox("", "", OutboxState::kSending, 1000));
  ASSERT_OK(s.ClientOfMessageId("m3-4"));
  ASSERT_OK(s.CountClients());
  ASSERT_OK(s.ListClients("", "", 100));
  ASSERT_OK(s.ListClients("", "small5", 100));
  ASSERT_OK(s.GetClient("big"));
  ASSERT_OK(s.GetDocument(42));
  ASSERT_OK(s.GetDocumentText(42));
  ASSERT_OK(s.CountEvents("client_message"));
  ASSERT_OK(s.ListEventsOfKindSince("escalation", clock.Now() - absl::Hours(24), 1000));
  ASSERT_OK(s.ListDueDocuments(clock.Now(), 64));
  ASSERT_OK(s.NextDueTime());
  ASSERT_OK(s.CountPendingDocuments());
  ASSERT_OK(s.DocumentsWithNumber("big", "F-17", 3));

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_GE(statements.size(), 20u);
  for (const std::string& sql : statements) {
    std::vector<std::string> plan = Plan(db, sql);
    ASSERT_FALSE(plan.empty()) << sql;
    for (const std::string& line : plan) {
      EXPECT_FALSE(absl::StartsWith(line, "SCAN ") || absl::StartsWith(line, "cannot"))
          << line << "\nin: " << sql;
    }
  }
  sqlite3_close(db);
}

}  // namespace
}  // namespace liasse
