// Watches client folders for new files and says when each is ready to take:
// inotify on each folder and every subfolder (created later ones included,
// never `.processed/` or hidden folders), a full rescan at start-up and when
// the kernel queue overflows; folders with poll_seconds > 0 (SMB/NFS) are
// scanned instead. Every folder is walked from a directory descriptor held
// on the client folder, each component opened O_NOFOLLOW: links are never
// followed, even one swapped in during a scan.
//
// A file is ready once it has settled: nothing observed about it (size,
// mtime, ctime, inode) changed for the folder's settle interval (2 s, or
// poll_seconds for poll folders), and inotify saw no write that was not
// followed by its close. Rescans and events obey the same rule, so a file
// still being written is never taken because a rescan happened to see it.
// Empty files are never ready (a writer that has not written yet).
//
// Not thread-safe: used from the daemon's dispatch loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/process/client_folder.h"

namespace liasse {

struct WatchedFolder {
  std::string client_id;
  std::string path;
  int poll_seconds = 0;    // 0 = inotify
  bool no_follow = false;  // the folder itself may not be a link (found in the inbox root)
};

struct FileCandidate {
  std::shared_ptr<const ClientFolder> folder;
  std::string client_id;
  std::string relpath;  // below the folder, '/'-separated
  std::string path;     // folder path + "/" + relpath: for logs and `after = "keep"`
};

class FolderWatcher {
 public:
  static constexpr absl::Duration kSettle = absl::Seconds(2);

  FolderWatcher() = default;
  ~FolderWatcher();
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;

  // (Re)starts watching exactly `folders`, creating missing ones, and
  // records the files in them at `now` (one walk adds the watches and sees
  // the files). A folder that cannot be opened (or is a link where one is
  // refused) is logged and skipped. Files already seen keep their settle
  // state.
  absl::Status Watch(const std::vector<WatchedFolder>& folders, absl::Time now);
  int fd() const { return fd_; }

  // Records what pending inotify events say (files written, closed, moved
  // in; new subfolders are watched and scanned). An overflow rescans.
  void ReadEvents(absl::Time now);
  // Records every file now present in the inotify folders.
  void ScanAll(absl::Time now);
  // Scans the poll-mode folders that are due.
  void Poll(absl::Time now);
  // Files settled at `now`; each is returned once (it leaves the watch list).
  std::vector<FileCandidate> Settled(absl::Time now);
  // Watches `file` again from `now` (it changed while it was read).
  void Recheck(const FileCandidate& file, absl::Time now);
  // The earliest time Poll or Settled has work; InfiniteFuture when none.
  absl::Time NextWake() const;
  // FIFOs, sockets and devices found in the folders since the last call,
  // each once for the watcher's life: never taken, but worth saying.
  std::vector<FileCandidate> TakeIgnored();

 private:
  struct Folder {
    WatchedFolder config;
    std::shared_ptr<const ClientFolder> dir;
    absl::Duration settle;
  };
  struct Pending {
    size_t folder = 0;
    FileStamp stamp;  // size -1: not stat'ed yet
    absl::Time changed;
    bool writing = false;
  };
  using Key = std::pair<std::string, std::string>;  // client id, relpath

  // Walks `dir_fd` (`rel_dir` below folder `index`), recording files, and
  // adding inotify watches when `watch`.
  void Walk(size_t index, int dir_fd, const std::string& rel_dir, int depth, bool watch,
            absl::Time now);
  void AddWatch(size_t index, int dir_fd, const std::string& rel_dir);
  void Observe(size_t index, const std::string& relpath, absl::Time now);

  int fd_ = -1;
  std::vector<Folder> folders_;
  std::map<int, std::pair<size_t, std::string>> watches_;  // wd → folder, relative dir
  std::map<size_t, absl::Time> next_poll_;                 // poll folder → due
  std::map<Key, Pending> pending_;
  std::set<Key> ignored_seen_;
  std::vector<FileCandidate> ignored_;
};

// True for names that are inside `.processed/` or a hidden folder, or are
// temporary names (".part", "~$x", dotfiles...). `relpath` is below the folder.
bool IgnoredByWatcher(const std::string& relpath);

}  // namespace liasse
