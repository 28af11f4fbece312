// What the daemon remembers: LLM answers, supplier types staff confirmed.
#include "daemon/store/sqlite_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/rows.h"

namespace liasse {

absl::StatusOr<std::optional<std::string>> SqliteStore::GetLlmAnswer(const std::string& key) {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT answer FROM llm_cache WHERE key = ?1");
  s.Bind(1, key);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

absl::Status SqliteStore::PutLlmAnswer(const std::string& key, const std::string& answer) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO llm_cache (key, answer, created_at) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (key) DO UPDATE SET answer = ?2, created_at = ?3");
  s.Bind(1, key).Bind(2, answer).Bind(3, FormatStoreTime(clock_->Now()));
  return s.Run();
}

absl::Status SqliteStore::LearnSupplierType(const std::string& client_id, const std::string& supplier_key,
                               DocType doc_type) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO supplier_type (client_id, supplier_key, doc_type, updated_at) "
         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (client_id, supplier_key) DO UPDATE "
         "SET doc_type = ?3, updated_at = ?4");
  s.Bind(1, client_id).Bind(2, supplier_key).Bind(3, std::string(DocTypeName(doc_type)));
  s.Bind(4, FormatStoreTime(clock_->Now()));
  return s.Run();
}

absl::StatusOr<DocType> SqliteStore::LearnedSupplierType(const std::string& client_id,
                                                const std::string& supplier_key) {
  ReadConn conn(this);
  Stmt s(conn.db,
         "SELECT doc_type FROM supplier_type WHERE client_id = ?1 AND supplier_key = ?2");
  s.Bind(1, client_id).Bind(2, supplier_key);
  absl::StatusOr<bool> row = s.Step();
  if (!row.ok()) return row.status();
  return *row ? ParseDocType(s.Text(0)).value_or(DocType::kUnknown) : DocType::kUnknown;
}

absl::Status SqliteStore::LearnSupplierAccount(const std::string& client_id,
                                               const std::string& supplier_key,
                                               const std::string& account) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO supplier_account (client_id, supplier_key, account, updated_at) "
         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (client_id, supplier_key) DO UPDATE "
         "SET account = ?3, updated_at = ?4");
  s.Bind(1, client_id).Bind(2, supplier_key).Bind(3, account);
  s.Bind(4, FormatStoreTime(clock_->Now()));
  return s.Run();
}

absl::StatusOr<std::map<std::string, std::string>> SqliteStore::LearnedSupplierAccounts(
    const std::string& client_id) {
  ReadConn conn(this);
  Stmt s(conn.db, "SELECT supplier_key, account FROM supplier_account WHERE client_id = ?1");
  s.Bind(1, client_id);
  std::map<std::string, std::string> out;
  absl::Status st = ForEachRow(s, [&] { out[s.Text(0)] = s.Text(1); });
  if (!st.ok()) return st;
  return out;
}

absl::Status SqliteStore::RememberThirdParties(const std::string& client_id,
                                               const std::vector<KnownParty>& parties) {
  WriteTxn txn(this);
  if (!txn.status().ok()) return txn.status();
  for (const KnownParty& p : parties) {
    Stmt s(writer_,
           "INSERT INTO known_third_party (client_id, aux, label, control, account, updated_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (client_id, aux) DO UPDATE "
           "SET label = ?3, control = ?4, "
           "account = CASE WHEN ?5 = '' THEN account ELSE ?5 END, updated_at = ?6");
    s.Bind(1, client_id).Bind(2, p.aux).Bind(3, p.label).Bind(4, p.control).Bind(5, p.account);
    s.Bind(6, txn.now);
    if (absl::Status st = s.Run(); !st.ok()) return st;
  }
  return txn.Commit();
}

absl::StatusOr<std::vector<KnownParty>> SqliteStore::KnownThirdParties(const std::string& client_id) {
  ReadConn conn(this);
  Stmt s(conn.db,
         "SELECT aux, label, control, account FROM known_third_party WHERE client_id = ?1 "
         "ORDER BY aux");
  s.Bind(1, client_id);
  std::vector<KnownParty> out;
  absl::Status st = ForEachRow(s, [&] {
    out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3)});
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace liasse
