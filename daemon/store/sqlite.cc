#include "daemon/store/sqlite.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "daemon/store/store.h"

namespace liasse {

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  int code = sqlite3_extended_errcode(db);
  std::string message =
      absl::StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    absl::Status status = SqliteError(db, "exec");
    return absl::Status(status.code(), absl::StrCat("sqlite: ", message));
  }
  return absl::OkStatus();
}

std::string ToJsonList(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

std::vector<std::string> FromJsonList(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

absl::Time TimeOrEpoch(const std::string& text) {
  absl::StatusOr<absl::Time> t = ParseStoreTime(text);
  return t.ok() ? *t : absl::UnixEpoch();
}

absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, bool writer,
                                        std::chrono::milliseconds busy) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                      : SQLITE_OPEN_READONLY);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status st = db ? SqliteError(db, absl::StrCat("open ", path))
                         : absl::ResourceExhaustedError("sqlite: out of memory");
    sqlite3_close_v2(db);
    return st;
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy.count()));
  sqlite3_extended_result_codes(db, 1);
  return db;
}

}  // namespace liasse
