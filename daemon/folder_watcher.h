// Watches client folders for new files: inotify (IN_CLOSE_WRITE, IN_MOVED_TO)
// on each folder and every subfolder, created later ones included, but never
// `.processed/` or hidden folders; a full rescan at start-up and when the
// kernel queue overflows. Folders with poll_seconds > 0 (SMB/NFS, writers
// that never close cleanly) are scanned instead, and a file is taken only
// once its size and mtime held still between two scans.
//
// Not thread-safe: used from the daemon's dispatch loop.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace liasse {

struct WatchedFolder {
  std::string client_id;
  std::string path;
  int poll_seconds = 0;  // 0 = inotify
};

struct FileCandidate {
  std::string client_id;
  std::string folder;  // the client folder it was found under
  std::string path;
};

class FolderWatcher {
 public:
  FolderWatcher() = default;
  ~FolderWatcher();
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;

  // (Re)starts watching exactly `folders`, creating missing ones.
  absl::Status Watch(const std::vector<WatchedFolder>& folders);
  int fd() const { return fd_; }

  // Drains pending inotify events. Files that arrived are returned; after an
  // overflow every inotify folder is rescanned.
  std::vector<FileCandidate> ReadEvents();
  // Every file now present in the inotify folders (start-up, overflow,
  // backpressure released).
  std::vector<FileCandidate> ScanAll();
  // Files of poll-mode folders that are stable since the previous scan.
  std::vector<FileCandidate> Poll(absl::Time now);
  // The earliest time Poll has work to do; InfiniteFuture when none.
  absl::Time NextPoll() const;

 private:
  void AddTree(const WatchedFolder& folder, const std::string& dir,
               std::vector<FileCandidate>* found);
  void Scan(const WatchedFolder& folder, const std::string& dir,
            std::vector<FileCandidate>* found, int depth) const;

  struct Stat {
    int64_t size = -1;
    int64_t mtime_ns = -1;
  };
  int fd_ = -1;
  std::vector<WatchedFolder> folders_;
  std::map<int, std::pair<size_t, std::string>> watches_;  // wd → folder, dir
  std::map<std::string, absl::Time> next_poll_;            // poll folder → due
  std::map<std::string, Stat> last_seen_;                  // poll mode: path → stat
};

// True for names that are inside `.processed/` or a hidden folder, or are
// temporary names (".part", "~$x", dotfiles...).
bool IgnoredByWatcher(const std::string& folder, const std::string& path);

}  // namespace liasse
