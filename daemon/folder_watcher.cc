#include "daemon/folder_watcher.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "workflows/names.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
                                IN_DELETE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;
constexpr int kMaxDepth = 16;

bool IsHiddenOrProcessed(absl::string_view name) {
  return name.empty() || name[0] == '.';
}

}  // namespace

bool IgnoredByWatcher(const std::string& folder, const std::string& path) {
  if (!absl::StartsWith(path, folder)) return true;
  absl::string_view rel = absl::string_view(path).substr(folder.size());
  std::vector<absl::string_view> parts = absl::StrSplit(rel, '/', absl::SkipEmpty());
  if (parts.empty()) return true;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (IsHiddenOrProcessed(parts[i])) return true;
  }
  return IsTemporaryFileName(parts.back());
}

FolderWatcher::~FolderWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FolderWatcher::Watch(const std::vector<WatchedFolder>& folders) {
  if (fd_ >= 0) ::close(fd_);
  watches_.clear();
  next_poll_.clear();
  folders_ = folders;
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    return absl::ResourceExhaustedError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  }
  std::vector<FileCandidate> ignored;
  for (size_t i = 0; i < folders_.size(); ++i) {
    std::error_code ec;
    fs::create_directories(folders_[i].path, ec);
    if (folders_[i].poll_seconds > 0) {
      next_poll_[folders_[i].path] = absl::InfinitePast();
      continue;
    }
    AddTree(folders_[i], folders_[i].path, nullptr);
  }
  return absl::OkStatus();
}

void FolderWatcher::AddTree(const WatchedFolder& folder, const std::string& dir,
                            std::vector<FileCandidate>* found) {
  int wd = ::inotify_add_watch(fd_, dir.c_str(), kWatchMask);
  if (wd < 0) {
    spdlog::warn("event=watch_failed client={} path=\"{}\" error=\"{}\"", folder.client_id,
                 dir, std::strerror(errno));
    return;
  }
  size_t index = 0;
  for (size_t i = 0; i < folders_.size(); ++i) {
    if (folders_[i].path == folder.path) index = i;
  }
  watches_[wd] = {index, dir};
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::error_code type_ec;
    std::string name = e.path().filename().string();
    if (e.is_directory(type_ec) && !e.is_symlink(type_ec)) {
      if (!IsHiddenOrProcessed(name)) AddTree(folder, e.path().string(), found);
    } else if (found && e.is_regular_file(type_ec) && !e.is_symlink(type_ec) &&
               !IgnoredByWatcher(folder.path, e.path().string())) {
      found->push_back({folder.client_id, folder.path, e.path().string()});
    }
  }
}

std::vector<FileCandidate> FolderWatcher::ReadEvents() {
  std::vector<FileCandidate> found;
  bool overflow = false;
  alignas(inotify_event) char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        overflow = true;
        continue;
      }
      auto it = watches_.find(ev->wd);
      if (it == watches_.end()) continue;
      if (ev->mask & IN_IGNORED) {
        watches_.erase(it);
        continue;
      }
      if (ev->len == 0) continue;
      const WatchedFolder& folder = folders_[it->second.first];
      std::string path = absl::StrCat(it->second.second, "/", ev->name);
      if (ev->mask & IN_ISDIR) {
        // A new subfolder: watch it, and take what is already in it (files
        // written before the watch existed).
        if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && !IsHiddenOrProcessed(ev->name)) {
          AddTree(folder, path, &found);
        }
        continue;
      }
      if ((ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) &&
          !IgnoredByWatcher(folder.path, path)) {
        found.push_back({folder.client_id, folder.path, path});
      }
    }
  }
  if (overflow) {
    spdlog::warn("event=inotify_overflow action=rescan");
    std::vector<FileCandidate> all = ScanAll();
    found.insert(found.end(), all.begin(), all.end());
  }
  return found;
}

void FolderWatcher::Scan(const WatchedFolder& folder, const std::string& dir,
                         std::vector<FileCandidate>* found, int depth) const {
  if (depth > kMaxDepth) return;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::error_code type_ec;
    if (e.is_symlink(type_ec)) continue;
    std::string name = e.path().filename().string();
    if (e.is_directory(type_ec)) {
      if (!IsHiddenOrProcessed(name)) Scan(folder, e.path().string(), found, depth + 1);
    } else if (e.is_regular_file(type_ec) &&
               !IgnoredByWatcher(folder.path, e.path().string())) {
      found->push_back({folder.client_id, folder.path, e.path().string()});
    }
  }
}

std::vector<FileCandidate> FolderWatcher::ScanAll() {
  std::vector<FileCandidate> found;
  for (const WatchedFolder& folder : folders_) {
    if (folder.poll_seconds == 0) Scan(folder, folder.path, &found, 0);
  }
  return found;
}

std::vector<FileCandidate> FolderWatcher::Poll(absl::Time now) {
  std::vector<FileCandidate> stable;
  for (const WatchedFolder& folder : folders_) {
    if (folder.poll_seconds == 0) continue;
    absl::Time& due = next_poll_[folder.path];
    if (now < due) continue;
    due = now + absl::Seconds(folder.poll_seconds);
    std::vector<FileCandidate> present;
    Scan(folder, folder.path, &present, 0);
    for (FileCandidate& c : present) {
      struct stat st;
      if (::stat(c.path.c_str(), &st) != 0) continue;
      Stat now_stat{st.st_size,
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
      auto it = last_seen_.find(c.path);
      if (it != last_seen_.end() && it->second.size == now_stat.size &&
          it->second.mtime_ns == now_stat.mtime_ns) {
        stable.push_back(std::move(c));
        last_seen_.erase(it);
      } else {
        last_seen_[c.path] = now_stat;
      }
    }
  }
  return stable;
}

absl::Time FolderWatcher::NextPoll() const {
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [path, due] : next_poll_) next = std::min(next, due);
  return next;
}

}  // namespace liasse
