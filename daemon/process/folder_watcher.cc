#include "daemon/process/folder_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "workflows/names.h"

namespace liasse {
namespace {

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY |
                                IN_DELETE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK | IN_DONT_FOLLOW;
constexpr int kMaxDepth = 16;

bool IsHiddenOrProcessed(absl::string_view name) { return name.empty() || name[0] == '.'; }

std::string Join(const std::string& dir, absl::string_view name) {
  return dir.empty() ? std::string(name) : absl::StrCat(dir, "/", name);
}

}  // namespace

bool IgnoredByWatcher(const std::string& relpath) {
  std::vector<absl::string_view> parts = absl::StrSplit(relpath, '/', absl::SkipEmpty());
  if (parts.empty()) return true;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (IsHiddenOrProcessed(parts[i])) return true;
  }
  return IsTemporaryFileName(parts.back());
}

FolderWatcher::~FolderWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FolderWatcher::Watch(const std::vector<WatchedFolder>& folders, absl::Time now) {
  if (fd_ >= 0) ::close(fd_);
  watches_.clear();
  next_poll_.clear();
  std::vector<Folder> old = std::move(folders_);
  folders_.clear();
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    return absl::ResourceExhaustedError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  }
  for (const WatchedFolder& w : folders) {
    absl::StatusOr<std::shared_ptr<const ClientFolder>> dir =
        ClientFolder::Open(w.path, w.no_follow);
    if (!dir.ok()) {
      spdlog::warn("event=watch_failed client={} path=\"{}\" error=\"{}\"", w.client_id, w.path,
                   std::string(dir.status().message()));
      continue;
    }
    absl::Duration settle = std::max(kSettle, absl::Seconds(w.poll_seconds));
    folders_.push_back({w, std::move(*dir), settle});
  }
  // Files seen before keep their settle state when their folder stays.
  std::map<Key, Pending> kept;
  for (auto& [key, p] : pending_) {
    const WatchedFolder& was = old[p.folder].config;
    for (size_t i = 0; i < folders_.size(); ++i) {
      if (folders_[i].config.client_id == was.client_id && folders_[i].config.path == was.path) {
        p.folder = i;
        kept.emplace(key, p);
      }
    }
  }
  pending_ = std::move(kept);
  for (size_t i = 0; i < folders_.size(); ++i) {
    if (folders_[i].config.poll_seconds > 0) {
      next_poll_[i] = absl::InfinitePast();
      continue;
    }
    AddWatch(i, folders_[i].dir->fd(), "");
    Walk(i, folders_[i].dir->fd(), "", 0, /*watch=*/true, now);
  }
  return absl::OkStatus();
}

void FolderWatcher::AddWatch(size_t index, int dir_fd, const std::string& rel_dir) {
  // Through /proc/self/fd the watch lands on the very directory we hold,
  // whatever its path names now.
  std::string proc = absl::StrCat("/proc/self/fd/", dir_fd);
  int wd = ::inotify_add_watch(fd_, proc.c_str(), kWatchMask & ~IN_DONT_FOLLOW);
  if (wd < 0 && errno == ENOENT) {  // no /proc: the path, not followed at its end
    wd = ::inotify_add_watch(fd_, Join(folders_[index].config.path, rel_dir).c_str(), kWatchMask);
  }
  if (wd < 0) {
    spdlog::warn("event=watch_failed client={} path=\"{}\" error=\"{}\"",
                 folders_[index].config.client_id, Join(folders_[index].config.path, rel_dir),
                 std::strerror(errno));
    return;
  }
  watches_[wd] = {index, rel_dir};
}

void FolderWatcher::Walk(size_t index, int dir_fd, const std::string& rel_dir, int depth,
                         bool watch, absl::Time now) {
  if (depth > kMaxDepth) return;
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return;
  }
  std::vector<std::string> subdirs;
  std::vector<std::string> files;
  while (dirent* e = ::readdir(d)) {
    absl::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (!IsHiddenOrProcessed(name)) subdirs.emplace_back(name);
    } else if (S_ISREG(st.st_mode)) {
      files.emplace_back(name);
    } else if (!S_ISLNK(st.st_mode) && !IsHiddenOrProcessed(name)) {
      // FIFOs, sockets, devices: never opened, said once.
      std::string relpath = Join(rel_dir, name);
      if (ignored_seen_.insert({folders_[index].config.client_id, relpath}).second) {
        ignored_.push_back({folders_[index].dir, folders_[index].config.client_id, relpath,
                            Join(folders_[index].config.path, relpath)});
      }
    }  // links: never followed
  }
  ::closedir(d);
  for (const std::string& name : files) {
    std::string relpath = Join(rel_dir, name);
    if (!IgnoredByWatcher(relpath)) Observe(index, relpath, now);
  }
  for (const std::string& name : subdirs) {
    int sub = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) continue;  // swapped for a link since: not followed
    UniqueFd owned(sub);
    std::string rel = Join(rel_dir, name);
    if (watch) AddWatch(index, sub, rel);
    Walk(index, sub, rel, depth + 1, watch, now);
  }
}

void FolderWatcher::Observe(size_t index, const std::string& relpath, absl::Time now) {
  Key key{folders_[index].config.client_id, relpath};
  absl::StatusOr<FileStamp> stamp = folders_[index].dir->Stat(relpath);
  if (!stamp.ok()) {
    pending_.erase(key);
    return;
  }
  auto [it, inserted] = pending_.try_emplace(key);
  Pending& p = it->second;
  if (inserted || !(p.stamp == *stamp)) {
    p.folder = index;
    p.stamp = *stamp;
    p.changed = now;
  }
}

void FolderWatcher::ReadEvents(absl::Time now) {
  bool overflow = false;
  // New subfolders are walked once per call, after the events are read.
  std::set<std::pair<size_t, std::string>> new_dirs;
  alignas(inotify_event) char buf[64 * 1024];
  // Bounded: a client renaming folders in a loop cannot keep the dispatch
  // loop here; what is left is read on the next call.
  for (int reads = 0; reads < 16; ++reads) {
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
      size_t index = it->second.first;
      std::string relpath = Join(it->second.second, ev->name);
      if (ev->mask & IN_ISDIR) {
        // A new subfolder: watch it, and see what is already in it (files
        // written before the watch existed). Opened below the folder, never
        // through a link.
        if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && !IsHiddenOrProcessed(ev->name)) {
          new_dirs.emplace(index, relpath);
        }
        continue;
      }
      if (IgnoredByWatcher(relpath)) continue;
      Key key{folders_[index].config.client_id, relpath};
      if (ev->mask & IN_MODIFY) {
        // Being written: not ready before its close.
        Pending& pend = pending_[key];
        pend.folder = index;
        pend.writing = true;
        pend.changed = now;
        continue;
      }
      if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
        auto found = pending_.find(key);
        if (found != pending_.end()) {
          found->second.writing = false;
          found->second.changed = now;
        }
      }
      Observe(index, relpath, now);
    }
  }
  for (const auto& [index, relpath] : new_dirs) {
    absl::StatusOr<UniqueFd> sub =
        OpenBeneath(folders_[index].dir->fd(), relpath, O_RDONLY | O_DIRECTORY);
    if (!sub.ok()) continue;  // gone, or a link now: never followed
    AddWatch(index, sub->get(), relpath);
    int depth = static_cast<int>(std::count(relpath.begin(), relpath.end(), '/')) + 1;
    Walk(index, sub->get(), relpath, depth, /*watch=*/true, now);
  }
  if (overflow) {
    spdlog::warn("event=inotify_overflow action=rescan");
    // Closes may have been lost with the queue: judge by what is seen.
    for (auto& [key, p] : pending_) p.writing = false;
    ScanAll(now);
  }
}

void FolderWatcher::ScanAll(absl::Time now) {
  for (size_t i = 0; i < folders_.size(); ++i) {
    if (folders_[i].config.poll_seconds == 0) {
      Walk(i, folders_[i].dir->fd(), "", 0, /*watch=*/false, now);
    }
  }
}

void FolderWatcher::Poll(absl::Time now) {
  for (auto& [index, due] : next_poll_) {
    if (now < due) continue;
    due = now + absl::Seconds(folders_[index].config.poll_seconds);
    Walk(index, folders_[index].dir->fd(), "", 0, /*watch=*/false, now);
  }
}

std::vector<FileCandidate> FolderWatcher::Settled(absl::Time now) {
  std::vector<FileCandidate> ready;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    const Folder& folder = folders_[p.folder];
    if (p.writing || now - p.changed < folder.settle) {
      ++it;
      continue;
    }
    absl::StatusOr<FileStamp> stamp = folder.dir->Stat(it->first.second);
    if (!stamp.ok() || stamp->size == 0) {  // gone, or nothing written yet
      it = pending_.erase(it);
      continue;
    }
    if (!(*stamp == p.stamp)) {
      p.stamp = *stamp;
      p.changed = now;
      ++it;
      continue;
    }
    ready.push_back({folder.dir, folder.config.client_id, it->first.second,
                     Join(folder.config.path, it->first.second)});
    it = pending_.erase(it);
  }
  return ready;
}

void FolderWatcher::Recheck(const FileCandidate& file, absl::Time now) {
  for (size_t i = 0; i < folders_.size(); ++i) {
    if (folders_[i].dir == file.folder) Observe(i, file.relpath, now);
  }
}

std::vector<FileCandidate> FolderWatcher::TakeIgnored() {
  std::vector<FileCandidate> out;
  out.swap(ignored_);
  return out;
}

absl::Time FolderWatcher::NextWake() const {
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [index, due] : next_poll_) next = std::min(next, due);
  for (const auto& [key, p] : pending_) {
    if (!p.writing) next = std::min(next, p.changed + folders_[p.folder].settle);
  }
  return next;
}

}  // namespace liasse
