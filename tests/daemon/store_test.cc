#include "daemon/store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/fakes/fake_clock.h"
#include "workflows/date.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace liasse {
namespace {

using ::liasse::testing::TempDir;

ClientRecord Client(const std::string& id) {
  ClientRecord c;
  c.id = id;
  c.name = absl::StrCat("Client ", id);
  c.emails = {absl::StrCat(id, "@example.fr")};
  return c;
}

NewDocument Doc(const std::string& client, int n) {
  NewDocument d;
  d.client_id = client;
  d.sha256 = absl::StrCat("sha", n);
  d.source = "folder";
  d.original_name = absl::StrCat("facture-", n, ".pdf");
  d.mime = "application/pdf";
  d.size_bytes = 100 + n;
  return d;
}

std::vector<std::string> SqliteNames(const std::string& path,
                                     const std::string& type) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT name FROM sqlite_master WHERE type = ?1 AND name "
                     "NOT LIKE 'sqlite_%' ORDER BY name",
                     -1, &stmt, nullptr);
  sqlite3_bind_text(stmt, 1, type.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<std::string> names;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return names;
}

TEST(StoreTest, MigratesEmptyFileToLatestInWalMode) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  EXPECT_EQ((*store)->SchemaVersion().value(), Store::LatestSchemaVersion());
  EXPECT_EQ((*store)->JournalMode().value(), "wal");
  EXPECT_EQ(SqliteNames(dir.Join("liasse.db"), "table"),
            (std::vector<std::string>{"bank_txn", "client", "contact_state", "document",
                                      "document_count", "event", "event_count",
                                      "exported_bank_entry", "exported_entry", "item",
                                      "known_third_party",
                                      "llm_cache", "mailbox_state", "outbox", "seen_file",
                                      "supplier_account", "supplier_type"}));
  EXPECT_EQ(SqliteNames(dir.Join("liasse.db"), "index"),
            (std::vector<std::string>{
                "bank_txn_by_date", "client_in_config", "document_by_client", "document_by_client_status",
                "document_by_number", "document_by_sha", "document_by_status", "document_pending",
                "event_by_client", "event_by_kind", "item_by_client", "item_open",
                "item_open_by_due", "outbox_by_client", "outbox_by_kind",
                "outbox_by_message_id", "outbox_by_state"}));
  EXPECT_EQ(SqliteNames(dir.Join("liasse.db"), "trigger"),
            (std::vector<std::string>{"document_count_delete", "document_count_insert",
                                      "document_count_update", "event_count_delete",
                                      "event_count_insert"}));
}

// Each earlier version, with data written at that version, migrates to the
// latest without losing the data.
TEST(StoreTest, MigratesFromEveryEarlierVersion) {
  for (int from = 1; from < Store::LatestSchemaVersion(); ++from) {
    SCOPED_TRACE(absl::StrCat("from version ", from));
    TempDir dir;
    FakeClock clock;
    std::string path = dir.Join("liasse.db");
    {
      Store::Options options;
      options.target_version = from;
      auto old = Store::Open(path, &clock, options);
      ASSERT_OK(old);
      EXPECT_EQ((*old)->SchemaVersion().value(), from);
      ASSERT_OK((*old)->SyncClients({Client("acme")}));
      ASSERT_OK((*old)->InsertDocument(Doc("acme", 1)));
    }
    auto store = Store::Open(path, &clock);
    ASSERT_OK(store);
    EXPECT_EQ((*store)->SchemaVersion().value(), Store::LatestSchemaVersion());
    auto docs = (*store)->ListDocuments({});
    ASSERT_OK(docs);
    ASSERT_EQ(docs->size(), 1u);
    EXPECT_EQ((*docs)[0].original_name, "facture-1.pdf");
    EXPECT_EQ((*store)->GetClient("acme")->emails,
              std::vector<std::string>{"acme@example.fr"});
    EXPECT_EQ((*store)->LastEventSeq(), 2);  // client_added, received
    // The counters start from what the older schema held.
    EXPECT_EQ((*store)->CountDocumentsByStatus("acme")->at(DocumentStatus::kReceived), 1);
    EXPECT_EQ((*store)->CountDocumentsByStatus("")->at(DocumentStatus::kReceived), 1);
    EXPECT_EQ((*store)->CountEvents("received").value(), 1);
  }
}

TEST(StoreTest, RefusesSchemaNewerThanItself) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.Join("liasse.db");
  ASSERT_OK(Store::Open(path, &clock));
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto store = Store::Open(path, &clock);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoreTest, KeepsEverythingAcrossReopen) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.Join("liasse.db");
  int64_t id = 0;
  {
    auto store = Store::Open(path, &clock);
    ASSERT_OK(store);
    ASSERT_OK((*store)->SyncClients({Client("acme"), Client("bolt")}));
    auto inserted = (*store)->InsertDocument(Doc("acme", 7));
    ASSERT_OK(inserted);
    id = *inserted;
  }
  clock.Advance(absl::Hours(1));
  auto store = Store::Open(path, &clock);
  ASSERT_OK(store);
  auto doc = (*store)->GetDocument(id);
  ASSERT_OK(doc);
  EXPECT_EQ(doc->client_id, "acme");
  EXPECT_EQ(doc->status, DocumentStatus::kReceived);
  EXPECT_EQ(doc->size_bytes, 107);
  EXPECT_EQ(doc->received_at, clock.Now() - absl::Hours(1));
  EXPECT_EQ((*store)->LastEventSeq(), 3);
  auto clients = (*store)->ListClients("", "", 10);
  ASSERT_OK(clients);
  ASSERT_EQ(clients->size(), 3u);  // acme, bolt, unknown
  EXPECT_EQ((*clients)[2].id, kUnknownClientId);
}

TEST(StoreTest, SameBytesForSameClientIsAlreadyExists) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  ASSERT_OK((*store)->SyncClients({Client("acme"), Client("bolt")}));
  auto first = (*store)->InsertDocument(Doc("acme", 1));
  ASSERT_OK(first);
  auto again = (*store)->InsertDocument(Doc("acme", 1));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find(absl::StrCat("document ", *first)),
            std::string::npos);
  EXPECT_OK((*store)->InsertDocument(Doc("bolt", 1)));  // another client
}

TEST(StoreTest, SyncClientsMarksDroppedClientsAndLogsEvents) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  ASSERT_OK((*store)->SyncClients({Client("acme"), Client("bolt")}));
  ClientRecord renamed = Client("acme");
  renamed.name = "ACME SARL";
  ASSERT_OK((*store)->SyncClients({renamed}));
  ASSERT_OK((*store)->SyncClients({renamed}));  // no change, no event
  auto bolt = (*store)->GetClient("bolt");
  ASSERT_OK(bolt);
  EXPECT_FALSE(bolt->in_config);
  EXPECT_EQ((*store)->GetClient("acme")->name, "ACME SARL");
  auto events = (*store)->ListEvents(0, "", 100);
  ASSERT_OK(events);
  std::vector<std::string> kinds;
  for (const auto& e : *events) kinds.push_back(e.kind + ":" + e.client_id);
  EXPECT_EQ(kinds, (std::vector<std::string>{"client_added:acme",
                                             "client_added:bolt",
                                             "client_updated:acme",
                                             "client_removed:bolt"}));
}

TEST(StoreTest, ListsDocumentsByClientStatusAndPage) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  ASSERT_OK((*store)->SyncClients({Client("acme"), Client("bolt")}));
  for (int i = 0; i < 5; ++i) ASSERT_OK((*store)->InsertDocument(Doc("acme", i)));
  for (int i = 0; i < 3; ++i) ASSERT_OK((*store)->InsertDocument(Doc("bolt", i)));
  DocumentFilter filter;
  filter.client_id = "acme";
  filter.limit = 2;
  auto page1 = (*store)->ListDocuments(filter);
  ASSERT_OK(page1);
  ASSERT_EQ(page1->size(), 2u);
  filter.after_id = page1->back().id;
  filter.limit = 10;
  auto page2 = (*store)->ListDocuments(filter);
  ASSERT_OK(page2);
  EXPECT_EQ(page2->size(), 3u);
  filter = {};
  filter.status = DocumentStatus::kDone;
  EXPECT_TRUE((*store)->ListDocuments(filter)->empty());
  auto counts = (*store)->CountDocumentsByStatus("bolt");
  ASSERT_OK(counts);
  EXPECT_EQ(counts->at(DocumentStatus::kReceived), 3);
  EXPECT_EQ(counts->at(DocumentStatus::kDone), 0);
}

TEST(StoreTest, WaitForEventsWakesOnCommit) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  int64_t before = (*store)->LastEventSeq();
  EXPECT_FALSE((*store)->WaitForEventsAfter(before, absl::Milliseconds(1)));
  std::thread writer([&] {
    EventRecord e;
    e.kind = "test";
    ASSERT_OK((*store)->AppendEvent(e));
  });
  EXPECT_TRUE((*store)->WaitForEventsAfter(before, absl::Seconds(30)));
  writer.join();
  EXPECT_EQ((*store)->LastEventSeq(), before + 1);
}

TEST(StoreTest, TheEventHookRunsOncePerCommitThatAppendedEvents) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  Store& s = **store;
  int calls = 0;
  s.OnEventsCommitted([&calls] { ++calls; });
  ASSERT_OK(s.SyncClients({Client("acme"), Client("bolt")}));  // two events, one commit
  EXPECT_EQ(calls, 1);
  EventRecord e;
  e.kind = "test";
  ASSERT_OK(s.AppendEvent(e));
  EXPECT_EQ(calls, 2);
  ItemRecord item;
  item.client_id = "acme";
  item.period = "2026-10";
  item.kind = "bank_statement";
  item.due_date = ParseIsoDate("2026-11-10").value();
  ASSERT_OK(s.EnsureItems({item}));  // a commit without events
  EXPECT_EQ(calls, 2);
  s.OnEventsCommitted(nullptr);
  ASSERT_OK(s.AppendEvent(e));
  EXPECT_EQ(calls, 2);
}

TEST(StoreTest, ImportDocumentsRecordsEachAsIntakeAndThePipelineWouldSkippingKnownBytes) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  Store& s = **store;
  ASSERT_OK(s.SyncClients({Client("acme")}));
  ASSERT_OK(s.InsertDocument(Doc("acme", 1)));
  std::vector<ImportedDocument> docs;
  for (int n : {1, 2, 3}) {  // 1: bytes the client already has
    ImportedDocument d;
    d.doc = Doc("acme", n);
    d.update.status = n == 3 ? DocumentStatus::kNeedsReview : DocumentStatus::kDone;
    d.update.doc_type = DocType::kInvoice;
    Fields f;
    f.invoice_number = absl::StrCat("F-", n);
    d.update.fields = f;
    docs.push_back(d);
  }
  int64_t events_before = s.LastEventSeq();
  auto added = s.ImportDocuments(docs);
  ASSERT_OK(added);
  EXPECT_EQ(*added, 2);
  auto counts = s.CountDocumentsByStatus("acme");
  ASSERT_OK(counts);
  EXPECT_EQ(counts->at(DocumentStatus::kReceived), 1);
  EXPECT_EQ(counts->at(DocumentStatus::kDone), 1);
  EXPECT_EQ(counts->at(DocumentStatus::kNeedsReview), 1);
  auto events = s.ListEvents(events_before, "acme", 10);
  ASSERT_OK(events);
  std::vector<std::string> kinds;
  for (const EventRecord& e : *events) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, std::vector<std::string>({"received", "status", "received", "status"}));
  auto same_number = s.DocumentsWithNumber("acme", "F-3", 0);
  ASSERT_OK(same_number);
  EXPECT_EQ(same_number->size(), 1u);
  EXPECT_TRUE(s.CheckStore(false)->wrong_counts.empty());
}

TEST(StoreTest, AccountsChosenPerThirdPartyAreKeptPerClientAndReplaced) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  Store& s = **store;
  ASSERT_OK(s.SyncClients({Client("acme"), Client("bolt")}));
  ASSERT_OK(s.LearnSupplierAccount("acme", "F552100554", "6063000"));
  ASSERT_OK(s.LearnSupplierAccount("acme", "F552100554", "6064000"));  // staff changed their mind
  ASSERT_OK(s.LearnSupplierAccount("bolt", "F552100554", "6226000"));
  auto acme = s.LearnedSupplierAccounts("acme");
  ASSERT_OK(acme);
  EXPECT_EQ(*acme, (std::map<std::string, std::string>{{"F552100554", "6064000"}}));
  EXPECT_EQ(s.LearnedSupplierAccounts("bolt")->at("F552100554"), "6226000");
  EXPECT_TRUE(s.LearnedSupplierAccounts("other")->empty());
}

TEST(StoreTest, KnownThirdPartiesAreAddedOrReplacedByAuxiliaryAccount) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  Store& s = **store;
  ASSERT_OK(s.SyncClients({Client("acme"), Client("bolt")}));
  ASSERT_OK(s.RememberThirdParties("acme", {{"FDUPONT", "DUPONT", "401", "6063"},
                                            {"CDURAND", "DURAND", "411", "706"}}));
  // Last year's FEC: Dupont renamed, Durand without a revenue line this time.
  ASSERT_OK(s.RememberThirdParties("acme", {{"FDUPONT", "DUPONT SAS", "4010000", "6064"},
                                            {"CDURAND", "DURAND", "411", ""}}));
  auto acme = s.KnownThirdParties("acme");
  ASSERT_OK(acme);
  EXPECT_EQ(*acme, (std::vector<KnownParty>{{"CDURAND", "DURAND", "411", "706"},
                                            {"FDUPONT", "DUPONT SAS", "4010000", "6064"}}));
  EXPECT_TRUE(s.KnownThirdParties("bolt")->empty());
}

TEST(StoreTest, CheckStoreFindsCountsOffFromTheRowsAndRebuildsThem) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.Join("liasse.db");
  auto store = Store::Open(path, &clock);
  ASSERT_OK(store);
  Store& s = **store;
  ASSERT_OK(s.SyncClients({Client("acme"), Client("bolt")}));
  ASSERT_OK(s.InsertDocument(Doc("acme", 1)));
  ASSERT_OK(s.InsertDocument(Doc("bolt", 2)));
  auto sound = s.CheckStore(false);
  ASSERT_OK(sound);
  EXPECT_EQ(sound->integrity, std::vector<std::string>({"ok"}));
  EXPECT_TRUE(sound->wrong_counts.empty());

  // Counts changed behind the triggers' back (an old build, a hand edit).
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "DELETE FROM document_count WHERE client_id = 'bolt';"
                         "UPDATE event_count SET n = 7 WHERE kind = 'received'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  auto found = s.CheckStore(false);
  ASSERT_OK(found);
  EXPECT_EQ(found->wrong_counts,
            std::vector<std::string>({"documents of bolt, received: 0 kept, 1 in the table",
                                      "events received: 7 kept, 2 in the table"}));
  EXPECT_FALSE(found->repaired);
  EXPECT_EQ(s.CountDocumentsByStatus("bolt")->at(DocumentStatus::kReceived), 0);

  auto repaired = s.CheckStore(true);
  ASSERT_OK(repaired);
  EXPECT_TRUE(repaired->repaired);
  EXPECT_EQ(repaired->wrong_counts.size(), 2u);
  EXPECT_EQ(s.CountDocumentsByStatus("bolt")->at(DocumentStatus::kReceived), 1);
  EXPECT_EQ(*s.CountEvents("received"), 2);
  auto again = s.CheckStore(false);
  ASSERT_OK(again);
  EXPECT_TRUE(again->wrong_counts.empty());
}

// A reader is never blocked by an open write transaction: it sees the last
// committed snapshot at once.
TEST(StoreTest, ReaderIsNotBlockedByOpenWriteTransaction) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.Join("liasse.db");
  Store::Options options;
  options.busy_timeout = std::chrono::milliseconds(60000);
  auto store = Store::Open(path, &clock, options);
  ASSERT_OK(store);
  ASSERT_OK((*store)->SyncClients({Client("acme")}));
  ASSERT_OK((*store)->InsertDocument(Doc("acme", 1)));

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "BEGIN IMMEDIATE; INSERT INTO document (client_id, "
                         "sha256, source, received_at, updated_at) VALUES "
                         "('acme', 'x', 'folder', 't', 't');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  absl::Time start = absl::Now();
  auto docs = (*store)->ListDocuments({});
  absl::Duration took = absl::Now() - start;
  ASSERT_OK(docs);
  EXPECT_EQ(docs->size(), 1u);  // the uncommitted row is invisible
  // A blocked reader would wait for the 60 s busy timeout.
  EXPECT_LT(took, absl::Seconds(30));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
}

TEST(StoreTest, ConcurrentReadersWhileWriting) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  ASSERT_OK((*store)->SyncClients({Client("acme")}));
  constexpr int kDocs = 300;
  std::atomic<bool> done{false};
  std::atomic<int> read_errors{0};
  std::atomic<int> regressions{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!done) {
        auto counts = (*store)->CountDocumentsByStatus("");
        if (!counts.ok()) {
          ++read_errors;
          continue;
        }
        int64_t n = counts->at(DocumentStatus::kReceived);
        if (n < last) ++regressions;
        last = n;
      }
    });
  }
  for (int i = 0; i < kDocs; ++i) ASSERT_OK((*store)->InsertDocument(Doc("acme", i)));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(read_errors, 0);
  EXPECT_EQ(regressions, 0);
  EXPECT_EQ((*store)->CountDocumentsByStatus("")->at(DocumentStatus::kReceived),
            kDocs);
}

TEST(StoreTest, StoreTimesRoundTripInUtc) {
  absl::Time t = absl::FromUnixMicros(1795862943123456);
  std::string text = FormatStoreTime(t);
  EXPECT_EQ(text.back(), 'Z');
  EXPECT_EQ(ParseStoreTime(text).value(), t);
  EXPECT_FALSE(ParseStoreTime("yesterday").ok());
}

}  // namespace
}  // namespace liasse

namespace liasse {
namespace {

TEST(StoreEventsTest, OfKindSinceReadsOnlyThatKindFromThatTime) {
  testing::TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  EventRecord old_one;
  old_one.kind = "escalation";
  ASSERT_OK((*store)->AppendEvent(old_one));
  clock.Advance(absl::Hours(30));
  absl::Time since = clock.Now() - absl::Hours(24);
  EventRecord other;
  other.kind = "received";
  ASSERT_OK((*store)->AppendEvent(other));
  EventRecord recent = old_one;
  recent.client_id = "acme";
  ASSERT_OK((*store)->AppendEvent(recent));
  auto events = (*store)->ListEventsOfKindSince("escalation", since, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].client_id, "acme");
}

// Purge leaves no row of the client in any table that has a client_id
// column — the tables are read from the schema, so one added later is
// covered too (and must get a row here, or this test says so).
TEST(StoreTest, PurgeLeavesNoRowOfTheClientInAnyTable) {
  TempDir dir;
  FakeClock clock;
  auto store = Store::Open(dir.Join("liasse.db"), &clock);
  ASSERT_OK(store);
  Store& s = **store;
  ASSERT_OK(s.SyncClients({Client("gone"), Client("stays")}));
  for (const std::string& client : {std::string("gone"), std::string("stays")}) {
    auto doc = s.IngestDocument(Doc(client, client == "gone" ? 1 : 2));
    ASSERT_OK(doc);
    ASSERT_OK(s.RememberFile(client, "/srv/" + client + "/f.pdf", 10, 1, "sha", doc->document_id));
    ASSERT_OK(s.LearnSupplierType(client, "acme", DocType::kInvoice));
    ASSERT_OK(s.LearnSupplierAccount(client, "F552100554", "6063000"));
    ASSERT_OK(s.RememberThirdParties(client, {{"FDUPONT", "DUPONT", "401", "6063"}}));
    ASSERT_OK(s.RecordExportedEntries(client, "2026-10",
                                      {{{doc->document_id, "HA\t..."}}, {{1, "BQ\t..."}}}));
    ItemRecord item;
    item.client_id = client;
    item.period = "2026-10";
    item.kind = "bank_statement";
    item.due_date = ParseIsoDate("2026-11-10").value();
    ASSERT_OK(s.EnsureItem(item));
    NewBankTxn txn;
    txn.txn.client_id = client;
    txn.txn.date = ParseIsoDate("2026-10-05").value();
    txn.txn.amount = Money{-4520};
    txn.txn.label = "CB CARREFOUR";
    txn.txn.fingerprint = "fp-" + client;
    txn.needs_receipt = true;
    txn.period = "2026-10";
    ASSERT_OK(s.ImportBankTxns(client, {txn}, "releve.csv"));
    OutboxRecord out;
    out.client_id = client;
    out.kind = "reminder";
    out.slot = "2026-10#1";
    out.message_id = "<m-" + client + "@liasse>";
    out.created_at = clock.Now();
    ASSERT_OK(s.InsertOutbox(out));
    ASSERT_OK(s.SetPausedUntil(client, clock.Now() + absl::Hours(24)));
    EventRecord e;
    e.kind = "note";
    e.client_id = client;
    ASSERT_OK(s.AppendEvent(e));
  }
  std::vector<std::string> tables;
  auto count = [&](const std::string& table, const std::string& client) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(dir.Join("liasse.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    std::string sql = absl::StrCat("SELECT COUNT(*) FROM \"", table, "\" WHERE client_id = ?1");
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, client.c_str(), -1, SQLITE_TRANSIENT);
    int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  };
  for (const std::string& table : SqliteNames(dir.Join("liasse.db"), "table")) {
    if (count(table, "gone") >= 0 && table != "client") tables.push_back(table);
  }
  ASSERT_GE(tables.size(), 8u);
  for (const std::string& table : tables) {
    EXPECT_GT(count(table, "gone"), 0) << table << ": give the client a row here first";
  }
  ASSERT_OK(s.SyncClients({Client("stays")}));  // out of the config
  int deleted = 0;
  ASSERT_OK(s.PurgeClient("gone", &deleted));
  EXPECT_EQ(deleted, 1);
  for (const std::string& table : tables) {
    EXPECT_EQ(count(table, "gone"), 0) << table;
    EXPECT_GT(count(table, "stays"), 0) << table;
  }
  EXPECT_EQ(s.GetClient("gone").status().code(), absl::StatusCode::kNotFound);
}

// The counters status calls read follow every way a document changes:
// intake, status updates, moves between clients, purges.
TEST(StoreTest, DocumentCountersFollowIntakeUpdatesMovesAndPurges) {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<Store> opened = testing::OpenTestStore(dir.path(), &clock, {Client("acme"), Client("bolt"), Client("gone")});
  ASSERT_NE(opened, nullptr);
  Store& s = *opened;
  std::vector<int64_t> ids;
  for (int n = 1; n <= 6; ++n) {
    auto id = s.InsertDocument(Doc(n <= 4 ? "acme" : "gone", n));
    ASSERT_OK(id);
    ids.push_back(*id);
  }
  ASSERT_OK(s.IngestDocument(Doc("acme", 1)));  // a duplicate adds nothing
  DocumentUpdate done;
  done.status = DocumentStatus::kDone;
  ASSERT_OK(s.UpdateDocument(ids[0], DocumentStatus::kReceived, done, "status", "{}"));
  ASSERT_OK(s.UpdateDocument(ids[1], DocumentStatus::kReceived, done, "status", "{}"));
  DocumentUpdate reason_only;  // no status change: counts stay
  reason_only.status_reason = "checked";
  ASSERT_OK(s.UpdateDocument(ids[1], DocumentStatus::kDone, reason_only, "", ""));
  ASSERT_OK(s.MoveDocument(ids[1], "bolt", "wrong client"));
  ASSERT_OK(s.SyncClients({Client("acme"), Client("bolt")}));
  int deleted = 0;
  ASSERT_OK(s.PurgeClient("gone", &deleted));
  ASSERT_EQ(deleted, 2);

  auto acme = s.CountDocumentsByStatus("acme");
  ASSERT_OK(acme);
  EXPECT_EQ(acme->at(DocumentStatus::kDone), 1);
  EXPECT_EQ(acme->at(DocumentStatus::kReceived), 2);
  auto bolt = s.CountDocumentsByStatus("bolt");
  ASSERT_OK(bolt);
  EXPECT_EQ(bolt->at(DocumentStatus::kDone), 1);
  EXPECT_EQ(bolt->at(DocumentStatus::kReceived), 0);
  EXPECT_EQ(s.CountDocumentsByStatus("gone")->at(DocumentStatus::kReceived), 0);
  auto all = s.CountDocumentsByStatus("");
  ASSERT_OK(all);
  EXPECT_EQ(all->at(DocumentStatus::kDone), 2);
  EXPECT_EQ(all->at(DocumentStatus::kReceived), 2);
  EXPECT_EQ(s.CountPendingDocuments().value(), 2);
  EXPECT_EQ(s.CountClients().value(), 2);  // gone left the config; unknown is none
  // Events: six intakes and one duplicate; the purged client's went with it.
  EXPECT_EQ(s.CountEvents("received").value(), 4);
  EXPECT_EQ(s.CountEvents("duplicate").value(), 1);
  EXPECT_EQ(s.CountEvents("purged").value(), 1);
}

// Only documents due by now, and the earliest retry to wake up for.
TEST(StoreTest, DueDocumentsAndNextDueTimeIgnoreFinalStates) {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<Store> opened = testing::OpenTestStore(dir.path(), &clock, {Client("acme")});
  ASSERT_NE(opened, nullptr);
  Store& s = *opened;
  EXPECT_EQ(s.NextDueTime().value(), absl::InfiniteFuture());
  auto a = s.InsertDocument(Doc("acme", 1));
  auto b = s.InsertDocument(Doc("acme", 2));
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_LE(s.NextDueTime().value(), clock.Now());  // received: due at once
  DocumentUpdate later;
  later.next_attempt_at = clock.Now() + absl::Minutes(5);
  ASSERT_OK(s.UpdateDocument(*a, DocumentStatus::kReceived, later, "", ""));
  DocumentUpdate done;
  done.status = DocumentStatus::kDone;
  ASSERT_OK(s.UpdateDocument(*b, DocumentStatus::kReceived, done, "", ""));
  EXPECT_EQ(s.NextDueTime().value(), clock.Now() + absl::Minutes(5));
  EXPECT_TRUE(s.ListDueDocuments(clock.Now(), 10)->empty());
  clock.Advance(absl::Minutes(5));
  auto due = s.ListDueDocuments(clock.Now(), 10);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, *a);
}

// Invoice numbers are found through their own column, set with the fields.
TEST(StoreTest, DocumentsWithNumberFindsTheClientsOtherDocuments) {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<Store> opened = testing::OpenTestStore(dir.path(), &clock, {Client("acme"), Client("bolt")});
  ASSERT_NE(opened, nullptr);
  Store& s = *opened;
  std::vector<int64_t> ids;
  for (auto [client, n] : std::vector<std::pair<std::string, int>>{
           {"acme", 1}, {"acme", 2}, {"bolt", 3}, {"acme", 4}}) {
    auto id = s.InsertDocument(Doc(client, n));
    ASSERT_OK(id);
    ids.push_back(*id);
    DocumentUpdate u;
    u.fields = Fields();
    u.fields->invoice_number = n == 4 ? "F-9" : "F-1";
    ASSERT_OK(s.UpdateDocument(*id, DocumentStatus::kReceived, u, "", ""));
  }
  auto same = s.DocumentsWithNumber("acme", "F-1", ids[0]);
  ASSERT_OK(same);
  ASSERT_EQ(same->size(), 1u);
  EXPECT_EQ((*same)[0].id, ids[1]);
  EXPECT_TRUE(s.DocumentsWithNumber("acme", "", ids[0])->empty());
}

// Pages of what is missing follow (due date, client, id) without gaps or
// repeats, for one client or all.
TEST(StoreTest, OpenItemsDuePageByKeyset) {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<Store> opened = testing::OpenTestStore(dir.path(), &clock, {});
  ASSERT_NE(opened, nullptr);
  Store& s = *opened;
  std::vector<ItemRecord> items;
  for (const char* client : {"bolt", "acme"}) {
    for (int month = 1; month <= 5; ++month) {
      ItemRecord i;
      i.client_id = client;
      i.kind = "bank_statement";
      i.period = absl::StrCat("2026-0", month);
      i.due_date = Date{std::chrono::year{2026}, std::chrono::month(month + 1), std::chrono::day{10}};
      items.push_back(i);
    }
  }
  ASSERT_EQ(s.EnsureItems(items).value(), 10);
  ASSERT_EQ(s.EnsureItems(items).value(), 0);  // already there
  Date due_by{std::chrono::year{2026}, std::chrono::May, std::chrono::day{10}};
  std::vector<std::string> seen;
  ItemCursor after;
  while (true) {
    auto page = s.ListOpenItemsDue("", due_by, after, 3);
    ASSERT_OK(page);
    for (const ItemRecord& i : *page) seen.push_back(absl::StrCat(i.client_id, " ", i.period));
    if (page->size() < 3) break;
    after = {page->back().due_date, page->back().client_id, page->back().id};
  }
  // Due by 10 May: January to April, both clients, by due date then client.
  EXPECT_EQ(seen, (std::vector<std::string>{"acme 2026-01", "bolt 2026-01", "acme 2026-02",
                                            "bolt 2026-02", "acme 2026-03", "bolt 2026-03",
                                            "acme 2026-04", "bolt 2026-04"}));
  auto one = s.ListOpenItemsDue("bolt", due_by, ItemCursor{}, 100);
  ASSERT_OK(one);
  EXPECT_EQ(one->size(), 4u);
}

}  // namespace
}  // namespace liasse
