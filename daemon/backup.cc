#include "daemon/backup.h"

#include <sqlite3.h>

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace liasse {

namespace fs = std::filesystem;

absl::StatusOr<BackupSummary> BackupStateDir(const std::string& state_dir,
                                             const std::string& dest_dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dest_dir) / "archive", ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dest_dir, ": ", ec.message()));
  std::string src_path = (fs::path(state_dir) / "liasse.db").string();
  std::string tmp_path = (fs::path(dest_dir) / "liasse.db.tmp").string();
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(src_path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string err = src ? sqlite3_errmsg(src) : "out of memory";
    sqlite3_close(src);
    return absl::NotFoundError(absl::StrCat(src_path, ": ", err));
  }
  sqlite3_busy_timeout(src, 5000);
  fs::remove(tmp_path, ec);
  if (sqlite3_open(tmp_path.c_str(), &dst) != SQLITE_OK) {
    sqlite3_close(src);
    sqlite3_close(dst);
    return absl::PermissionDeniedError(absl::StrCat(tmp_path, ": cannot be created"));
  }
  sqlite3_backup* backup = sqlite3_backup_init(dst, "main", src, "main");
  int rc = SQLITE_ERROR;
  if (backup) {
    rc = sqlite3_backup_step(backup, -1);  // one step: one consistent snapshot
    sqlite3_backup_finish(backup);
  }
  std::string err = sqlite3_errmsg(dst);
  sqlite3_close(dst);
  sqlite3_close(src);
  if (rc != SQLITE_DONE) {
    fs::remove(tmp_path, ec);
    return absl::UnavailableError(absl::StrCat("database backup failed: ", err));
  }
  fs::rename(tmp_path, fs::path(dest_dir) / "liasse.db", ec);
  if (ec) return absl::UnavailableError(absl::StrCat("rename: ", ec.message()));

  BackupSummary summary;
  fs::path archive = fs::path(state_dir) / "archive";
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(archive, ec)) {
    std::error_code type_ec;
    if (!e.is_regular_file(type_ec)) continue;
    std::string name = e.path().filename().string();
    if (name.rfind(".tmp", 0) == 0) continue;  // an intake in progress
    fs::path rel = fs::relative(e.path(), archive, type_ec);
    fs::path target = fs::path(dest_dir) / "archive" / rel;
    if (fs::exists(target, type_ec)) {
      ++summary.originals_present;
      continue;
    }
    fs::create_directories(target.parent_path(), type_ec);
    fs::copy_file(e.path(), target, type_ec);
    if (type_ec) {
      return absl::UnavailableError(absl::StrCat("copy ", e.path().string(), ": ", type_ec.message()));
    }
    ++summary.originals_copied;
  }
  return summary;
}

}  // namespace liasse
