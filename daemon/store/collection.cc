// Items a client owes and bank transactions.
#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/rows.h"
#include "workflows/date.h"

namespace liasse {

absl::StatusOr<std::pair<int64_t, bool>> SqliteStore::EnsureItem(const ItemRecord& item) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  absl::StatusOr<std::pair<int64_t, bool>> r = EnsureItemLocked(now, item);
  if (!r.ok()) return r.status();
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return r;
}

absl::StatusOr<int> SqliteStore::EnsureItems(const std::vector<ItemRecord>& items) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  int created = 0;
  for (const ItemRecord& item : items) {
    absl::StatusOr<std::pair<int64_t, bool>> r = EnsureItemLocked(txn.now, item);
    if (!r.ok()) return r.status();
    if (r->second) ++created;
  }
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return created;
}

absl::StatusOr<std::vector<ItemRecord>> SqliteStore::ListItems(const std::string& client_id,
                                                  const std::string& period,
                                                  bool open_only) {
  ReadConn conn(this);
  Where where;
  if (open_only) where.Add("state = 'open'");
  where.AddIfSet("client_id = ?", client_id);
  where.AddIfSet("period = ?", period);
  Stmt s(conn.db, absl::StrCat("SELECT ", kItemColumns, " FROM item", where.Sql(),
                               " ORDER BY due_date, id")
                      .c_str());
  where.BindTo(s);
  return ReadAll<ItemRecord>(s, ReadItem);
}

absl::StatusOr<std::vector<ItemRecord>> SqliteStore::ListOpenItemsDue(
    const std::string& client_id, Date due_by, const ItemCursor& after, int limit) {
  ReadConn conn(this);
  // Keyset on the order of the index item_open_by_due (state, due_date,
  // client_id, id); for one client, item_open (state, client_id, due_date, id).
  Where where;
  where.Add("state = 'open'");
  where.AddIfSet("client_id = ?", client_id);
  where.Add("due_date <= ?", {FormatIsoDate(due_by)});
  if (after.id != 0) {
    where.Add("(due_date, client_id, id) > (?, ?, ?)",
              {FormatIsoDate(after.due_date), after.client_id, after.id});
  }
  Stmt s(conn.db, absl::StrCat("SELECT ", kItemColumns, " FROM item", where.Sql(),
                               " ORDER BY due_date, client_id, id LIMIT ?", where.next())
                      .c_str());
  where.BindTo(s);
  s.Bind(where.next(), int64_t{limit});
  return ReadAll<ItemRecord>(s, ReadItem);
}

absl::StatusOr<ItemRecord> SqliteStore::GetItem(int64_t id) {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT ", kItemColumns, " FROM item WHERE id = ?1").c_str());
  s.Bind(1, id);
  return ReadOne<ItemRecord>(s, ReadItem, absl::StrCat("item ", id));
}

absl::Status SqliteStore::ReceiveItem(int64_t item_id, int64_t document_id) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  if (absl::Status st = ReceiveItemLocked(now, item_id, document_id); !st.ok()) return st;
  return txn.Commit();
}

absl::Status SqliteStore::WaiveItem(int64_t item_id, const std::string& reason) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  absl::StatusOr<std::string> client = ClientIfStateLocked("item", "state", item_id, "open");
  if (!client.ok()) return client.status();
  Stmt u(writer_, "UPDATE item SET state = 'waived', reason = ?2, updated_at = ?3 WHERE id = ?1");
  u.Bind(1, item_id).Bind(2, reason).Bind(3, now);
  if (absl::Status st = u.Run(); !st.ok()) return st;
  if (absl::Status st = InsertEventLocked(
          now, "item_waived", *client, 0,
          nlohmann::json({{"item", item_id}, {"reason", reason}}).dump());
      !st.ok()) {
    return st;
  }
  return txn.Commit();
}

absl::StatusOr<ImportCounts> SqliteStore::ImportBankTxns(const std::string& client_id,
                                            const std::vector<NewBankTxn>& txns,
                                            const std::string& source_name) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  ImportCounts counts;
  for (const NewBankTxn& n : txns) {
    Stmt s(writer_,
           "INSERT INTO bank_txn (client_id, account, date, amount_cents, label, fingerprint, "
           "document_id, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT "
           "(client_id, fingerprint) DO NOTHING");
    s.Bind(1, client_id).Bind(2, n.txn.account).Bind(3, FormatIsoDate(n.txn.date));
    s.Bind(4, n.txn.amount.cents);
    s.Bind(5, n.txn.label).Bind(6, n.txn.fingerprint).Bind(7, n.matched_document_id).Bind(8, now);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    if (sqlite3_changes(writer_) == 0) {
      ++counts.skipped;
      continue;
    }
    ++counts.added;
    int64_t txn_id = sqlite3_last_insert_rowid(writer_);
    if (!n.needs_receipt) continue;
    ItemRecord item;
    item.client_id = client_id;
    item.period = n.period;
    item.kind = "receipt";
    item.label = n.item_label;
    item.account = n.txn.account;
    item.due_date = ParseIsoDate(now.substr(0, 10)).value_or(n.txn.date);
    item.bank_txn_id = txn_id;
    item.amount = Money{-n.txn.amount.cents};
    item.txn_date = n.txn.date;
    absl::StatusOr<std::pair<int64_t, bool>> made = EnsureItemLocked(now, item);
    if (!made.ok()) return made.status();
    if (made->second) ++counts.items_created;
    if (n.matched_document_id != 0) {
      if (absl::Status st = ReceiveItemLocked(now, made->first, n.matched_document_id); !st.ok()) {
        return st;
      }
    }
  }
  if (absl::Status st = InsertEventLocked(
          now, "bank_imported", client_id, 0,
          nlohmann::json({{"file", source_name},
                          {"added", counts.added},
                          {"skipped", counts.skipped},
                          {"items_created", counts.items_created}})
              .dump());
      !st.ok()) {
    return st;
  }
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return counts;
}

absl::StatusOr<std::vector<BankTxnRecord>> SqliteStore::ListBankTxns(const std::string& client_id,
                                                                     Date first, Date last) {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT ", kTxnColumns,
                               " FROM bank_txn WHERE client_id = ?1 AND date BETWEEN ?2 AND ?3 "
                               "ORDER BY date, id")
                      .c_str());
  s.Bind(1, client_id).Bind(2, FormatIsoDate(first)).Bind(3, FormatIsoDate(last));
  return ReadAll<BankTxnRecord>(s, ReadTxn);
}

absl::StatusOr<std::vector<BankTxnRecord>> SqliteStore::ListUnmatchedDebits(
    const std::string& client_id) {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT ", kTxnColumns,
                               " FROM bank_txn WHERE client_id = ?1 AND document_id = 0 AND "
                               "amount_cents < 0 ORDER BY date, id")
                      .c_str());
  s.Bind(1, client_id);
  return ReadAll<BankTxnRecord>(s, ReadTxn);
}

absl::StatusOr<BankTxnRecord> SqliteStore::GetBankTxn(int64_t id) {
  ReadConn conn(this);
  Stmt s(conn.db, absl::StrCat("SELECT ", kTxnColumns, " FROM bank_txn WHERE id = ?1").c_str());
  s.Bind(1, id);
  return ReadOne<BankTxnRecord>(s, ReadTxn, absl::StrCat("bank transaction ", id));
}

absl::Status SqliteStore::MatchBankTxn(int64_t txn_id, int64_t document_id) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  Stmt u(writer_, "UPDATE bank_txn SET document_id = ?2 WHERE id = ?1 AND document_id = 0");
  u.Bind(1, txn_id).Bind(2, document_id);
  if (absl::Status st = u.Run(); !st.ok()) return st;
  if (sqlite3_changes(writer_) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("bank transaction ", txn_id, " is already matched or unknown"));
  }
  Stmt items(writer_, "SELECT id FROM item WHERE bank_txn_id = ?1 AND state = 'open'");
  items.Bind(1, txn_id);
  std::vector<int64_t> ids;
  absl::Status stepped = ForEachRow(items, [&] {
    ids.push_back(items.Int(0));
  });
  if (!stepped.ok()) return stepped;
  for (int64_t id : ids) {
    if (absl::Status st = ReceiveItemLocked(now, id, document_id); !st.ok()) return st;
  }
  return txn.Commit();
}

absl::StatusOr<int64_t> SqliteStore::BankTxnOfDocument(int64_t document_id) {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT id FROM bank_txn WHERE document_id = ?1 LIMIT 1");
  s.Bind(1, document_id);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return *row ? s.Int(0) : 0;
}

absl::StatusOr<std::pair<int64_t, bool>> SqliteStore::EnsureItemLocked(const std::string& now,
                                                          const ItemRecord& item) {
  Stmt s(writer_,
         "INSERT INTO item (client_id, period, kind, label, account, due_date, state, "
         "document_id, bank_txn_id, amount_cents, txn_date, reason, created_at, updated_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13) ON CONFLICT DO "
         "NOTHING");
  s.Bind(1, item.client_id).Bind(2, item.period).Bind(3, item.kind).Bind(4, item.label);
  s.Bind(5, item.account).Bind(6, FormatIsoDate(item.due_date));
  s.Bind(7, std::string(ItemStateName(item.state))).Bind(8, item.document_id);
  s.Bind(9, item.bank_txn_id).Bind(10, item.amount.cents);
  s.Bind(11, item.txn_date ? FormatIsoDate(*item.txn_date) : std::string());
  s.Bind(12, item.reason).Bind(13, now);
  if (absl::Status st = s.Run(); !st.ok()) return st;
  if (sqlite3_changes(writer_) > 0) {
    int64_t id = sqlite3_last_insert_rowid(writer_);
    return std::make_pair(id, true);
  }
  Stmt q(writer_,
         "SELECT id FROM item WHERE client_id = ?1 AND kind = ?2 AND period = ?3 AND account = "
         "?4 AND bank_txn_id = ?5");
  q.Bind(1, item.client_id).Bind(2, item.kind).Bind(3, item.period).Bind(4, item.account);
  q.Bind(5, item.bank_txn_id);
  absl::StatusOr<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError("item neither inserted nor found");
  return std::make_pair(q.Int(0), false);
}

absl::Status SqliteStore::ReceiveItemLocked(const std::string& now, int64_t item_id, int64_t document_id) {
  Stmt q(writer_, "SELECT client_id, state, kind, period FROM item WHERE id = ?1");
  q.Bind(1, item_id);
  absl::StatusOr<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("item ", item_id));
  if (q.Text(1) != "open") {
    return absl::FailedPreconditionError(absl::StrCat("item ", item_id, " is ", q.Text(1)));
  }
  std::string client = q.Text(0);
  nlohmann::json payload = {{"item", item_id}, {"kind", q.Text(2)}, {"period", q.Text(3)}};
  Stmt u(writer_,
         "UPDATE item SET state = 'received', document_id = ?2, updated_at = ?3 WHERE id = ?1");
  u.Bind(1, item_id).Bind(2, document_id).Bind(3, now);
  if (absl::Status st = u.Run(); !st.ok()) return st;
  return InsertEventLocked(now, "item_received", client, document_id, payload.dump());
}

absl::StatusOr<ExportedEntrySet> SqliteStore::ExportedEntries(const std::string& client_id,
                                                              const std::string& period) {
  ReadConn conn(this);
  ExportedEntrySet out;
  for (auto [sql, into] :
       {std::pair{"SELECT document_id, entry FROM exported_entry WHERE client_id = ?1 AND "
                  "period = ?2",
                  &out.by_document},
        std::pair{"SELECT bank_txn_id, entry FROM exported_bank_entry WHERE client_id = ?1 AND "
                  "period = ?2",
                  &out.by_bank_txn}}) {
    Stmt s(conn.db, sql);
    s.Bind(1, client_id).Bind(2, period);
    std::map<int64_t, std::string>& rows = *into;
    absl::Status st = ForEachRow(s, [&] { rows[s.Int(0)] = s.Text(1); });
    if (!st.ok()) return st;
  }
  return out;
}

absl::Status SqliteStore::RecordExportedEntries(const std::string& client_id,
                                                const std::string& period,
                                                const ExportedEntrySet& entries) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  for (auto [table, key, rows] :
       {std::tuple{"exported_entry", "document_id", &entries.by_document},
        std::tuple{"exported_bank_entry", "bank_txn_id", &entries.by_bank_txn}}) {
    {
      Stmt s(writer_,
             absl::StrCat("DELETE FROM ", table, " WHERE client_id = ?1 AND period = ?2").c_str());
      s.Bind(1, client_id).Bind(2, period);
      if (absl::Status st = s.Run(); !st.ok()) return st;
    }
    for (const auto& [id, entry] : *rows) {
      Stmt s(writer_, absl::StrCat("INSERT INTO ", table, " (client_id, period, ", key,
                                   ", entry, exported_at) VALUES (?1, ?2, ?3, ?4, ?5)")
                          .c_str());
      s.Bind(1, client_id).Bind(2, period).Bind(3, id).Bind(4, entry).Bind(5, txn.now);
      if (absl::Status st = s.Run(); !st.ok()) return st;
    }
  }
  return txn.Commit();
}

}  // namespace liasse
