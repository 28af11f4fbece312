// Clients (synced from the config, purged) and their contact state.
#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/rows.h"

namespace liasse {

absl::Status SqliteStore::SyncClients(const std::vector<ClientRecord>& wanted) {
  std::vector<ClientRecord> all = wanted;
  ClientRecord unknown;
  unknown.id = kUnknownClientId;
  unknown.name = "Expéditeurs inconnus / unknown senders";
  unknown.in_config = false;
  all.push_back(unknown);

  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  std::map<std::string, ClientRecord> existing;
  {
    Stmt s(writer_, absl::StrCat("SELECT ", kClientColumns, " FROM client").c_str());
    absl::Status stepped = ForEachRow(s, [&] {
      ClientRecord c = ReadClient(s);
      existing[c.id] = c;
    });
    if (!stepped.ok()) return stepped;
  }
  std::set<std::string> wanted_ids;
  for (const ClientRecord& c : all) {
    wanted_ids.insert(c.id);
    auto it = existing.find(c.id);
    if (it != existing.end() && SameClient(it->second, c)) continue;
    Stmt s(writer_,
           "INSERT INTO client (id, name, legal_names, siren, vat, language, "
           "emails, domains, folder, manager, paused, in_config, created_at, "
           "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
           "?12, ?13, ?13) ON CONFLICT (id) DO UPDATE SET name = ?2, "
           "legal_names = ?3, siren = ?4, vat = ?5, language = ?6, emails = "
           "?7, domains = ?8, folder = ?9, manager = ?10, paused = ?11, "
           "in_config = ?12, updated_at = ?13");
    s.Bind(1, c.id).Bind(2, c.name).Bind(3, ToJsonList(c.legal_names));
    s.Bind(4, c.siren).Bind(5, c.vat).Bind(6, c.language);
    s.Bind(7, ToJsonList(c.emails)).Bind(8, ToJsonList(c.domains));
    s.Bind(9, c.folder).Bind(10, c.manager);
    s.Bind(11, int64_t{c.paused}).Bind(12, int64_t{c.in_config}).Bind(13, now);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    if (c.id == kUnknownClientId) continue;
    const char* kind = it == existing.end() ? "client_added"
                       : !it->second.in_config ? "client_added"
                                               : "client_updated";
    if (absl::Status st = InsertEventLocked(now, kind, c.id, 0, "{}");
        !st.ok()) {
      return st;
    }
  }
  for (const auto& [id, c] : existing) {
    if (wanted_ids.count(id) || !c.in_config) continue;
    Stmt s(writer_,
           "UPDATE client SET in_config = 0, updated_at = ?2 WHERE id = ?1");
    s.Bind(1, id).Bind(2, now);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    if (absl::Status st = InsertEventLocked(now, "client_removed", id, 0, "{}");
        !st.ok()) {
      return st;
    }
  }
  return txn.Commit();
}

absl::StatusOr<std::vector<ClientRecord>> SqliteStore::ListClients(
    const std::string& filter, const std::string& after_id,
    int limit) {
  ReadConn conn(this);
  Where where;
  where.Add("id > ?", {after_id});
  if (!filter.empty()) {
    where.Add("(instr(lower(id), lower(?)) > 0 OR instr(lower(name), lower(?)) > 0)",
              {filter, filter});
  }
  Stmt s(conn.db, absl::StrCat("SELECT ", kClientColumns, " FROM client", where.Sql(),
                               " ORDER BY id LIMIT ?", where.next())
                      .c_str());
  where.BindTo(s);
  s.Bind(where.next(), int64_t{limit});
  return ReadAll<ClientRecord>(s, ReadClient);
}

absl::StatusOr<int64_t> SqliteStore::CountClients() {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT COUNT(*) FROM client WHERE in_config = 1");
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return s.Int(0);
}

absl::StatusOr<ClientRecord> SqliteStore::GetClient(const std::string& id) {
  ReadConn conn(this);
  Stmt s(conn.db,
         absl::StrCat("SELECT ", kClientColumns, " FROM client WHERE id = ?1")
             .c_str());
  s.Bind(1, id);
  return ReadOne<ClientRecord>(s, ReadClient, absl::StrCat("client ", id));
}

absl::StatusOr<std::vector<std::string>> SqliteStore::PurgeClient(
    const std::string& client_id, int* documents_deleted) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  {
    Stmt s(writer_, "SELECT in_config FROM client WHERE id = ?1");
    s.Bind(1, client_id);
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("client ", client_id));
    if (s.Int(0) != 0 || client_id == kUnknownClientId) {
      return absl::FailedPreconditionError(absl::StrCat(
          "client ", client_id,
          " is still in the config: remove it there and reload first"));
    }
  }
  std::vector<std::string> orphans;
  {
    Stmt s(writer_,
           "SELECT DISTINCT sha256 FROM document d WHERE client_id = ?1 AND NOT "
           "EXISTS (SELECT 1 FROM document o WHERE o.sha256 = d.sha256 AND "
           "o.client_id <> ?1)");
    s.Bind(1, client_id);
    absl::Status stepped = ForEachRow(s, [&] {
      orphans.push_back(s.Text(0));
    });
    if (!stepped.ok()) return stepped;
  }
  {
    Stmt s(writer_, "DELETE FROM document WHERE client_id = ?1");
    s.Bind(1, client_id);
    if (absl::Status st = s.Run(); !st.ok()) return st;
    *documents_deleted = sqlite3_changes(writer_);
  }
  // Every table that holds rows of a client (items, bank lines, outbox,
  // learned supplier types, contact state, seen files, events… and any
  // added later): found in the schema, not listed by hand.
  std::vector<std::string> tables;
  {
    Stmt s(writer_,
           "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c "
           "WHERE m.type = 'table' AND c.name = 'client_id' ORDER BY m.name");
    absl::Status listed = ForEachRow(s, [&] { tables.push_back(s.Text(0)); });
    if (!listed.ok()) return listed;
  }
  for (const std::string& table : tables) {
    Stmt s(writer_, absl::StrCat("DELETE FROM \"", table, "\" WHERE client_id = ?1").c_str());
    s.Bind(1, client_id);
    if (absl::Status st = s.Run(); !st.ok()) return st;
  }
  {
    Stmt s(writer_, "DELETE FROM client WHERE id = ?1");
    s.Bind(1, client_id);
    if (absl::Status st = s.Run(); !st.ok()) return st;
  }
  nlohmann::json payload = {{"client", client_id},
                            {"documents_deleted", *documents_deleted},
                            {"originals_deleted", orphans.size()}};
  if (absl::Status st = InsertEventLocked(now, "purged", "", 0, payload.dump()); !st.ok()) {
    return st;
  }
  if (absl::Status st = txn.Commit(); !st.ok()) return st;
  return orphans;
}

absl::StatusOr<std::pair<std::optional<absl::Time>, std::vector<std::string>>> SqliteStore::GetContactState(
    const std::string& client_id) {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT paused_until, bad_addresses FROM contact_state WHERE client_id = ?1");
  s.Bind(1, client_id);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  std::pair<std::optional<absl::Time>, std::vector<std::string>> out;
  if (!*row) return out;
  if (!s.Text(0).empty()) out.first = TimeOrEpoch(s.Text(0));
  out.second = FromJsonList(s.Text(1));
  return out;
}

absl::Status SqliteStore::SetPausedUntil(const std::string& client_id, absl::Time until) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO contact_state (client_id, paused_until) VALUES (?1, ?2) ON CONFLICT "
         "(client_id) DO UPDATE SET paused_until = ?2");
  s.Bind(1, client_id).Bind(2, FormatStoreTime(until));
  return s.Run();
}

absl::Status SqliteStore::MarkBadAddress(const std::string& client_id, const std::string& address) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  const std::string& now = txn.now;
  std::vector<std::string> bad;
  {
    Stmt q(writer_, "SELECT bad_addresses FROM contact_state WHERE client_id = ?1");
    q.Bind(1, client_id);
    absl::StatusOr<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (*row) bad = FromJsonList(q.Text(0));
  }
  if (std::find(bad.begin(), bad.end(), address) == bad.end()) bad.push_back(address);
  Stmt s(writer_,
         "INSERT INTO contact_state (client_id, bad_addresses) VALUES (?1, ?2) ON CONFLICT "
         "(client_id) DO UPDATE SET bad_addresses = ?2");
  s.Bind(1, client_id).Bind(2, ToJsonList(bad));
  if (absl::Status st = s.Run(); !st.ok()) return st;
  if (absl::Status st = InsertEventLocked(now, "bad_address", client_id, 0,
                                          nlohmann::json({{"address", address}}).dump());
      !st.ok()) {
    return st;
  }
  return txn.Commit();
}

}  // namespace liasse
