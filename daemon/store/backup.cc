#include "daemon/store/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "daemon/base/fs_util.h"

namespace liasse {

namespace fs = std::filesystem;

absl::StatusOr<BackupSummary> BackupStateDir(const std::string& state_dir,
                                             const std::string& dest_dir) {
  std::error_code ec;
  // A backup holds every document's text, IBANs and bank lines: what is
  // created here is private to its owner (an existing folder keeps its mode).
  if (absl::Status st = MakeDirs((fs::path(dest_dir) / "archive").string(), 0700); !st.ok()) {
    return st;
  }
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
  // Created 0600 before SQLite opens it (SQLite would create it 0644 under
  // umask 022); its journal takes the same mode.
  int made = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (made < 0) {
    sqlite3_close(src);
    return ErrnoStatus(errno, absl::StrCat(tmp_path, ": cannot be created"));
  }
  ::close(made);
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
    if (absl::Status st = MakeDirs(target.parent_path().string(), 0700); !st.ok()) return st;
    fs::copy_file(e.path(), target, type_ec);
    if (type_ec) {
      return absl::UnavailableError(absl::StrCat("copy ", e.path().string(), ": ", type_ec.message()));
    }
    ++summary.originals_copied;
  }
  return summary;
}

}  // namespace liasse
