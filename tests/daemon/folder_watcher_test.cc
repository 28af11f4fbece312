// Folder intake with real files and real inotify: what is taken and when
// (only settled files), and that nothing outside a client folder is ever
// reached (links planted or swapped in), nor existing directories altered.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/process/archive.h"
#include "daemon/process/client_folder.h"
#include "daemon/config/config.h"
#include "daemon/process/folder_watcher.h"
#include "daemon/base/fs_util.h"
#include "tests/ocr/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;
using ::liasse::testing::TempDir;
using ::liasse::testing::WriteFile;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

std::vector<std::string> Paths(const std::vector<FileCandidate>& files) {
  std::vector<std::string> out;
  for (const FileCandidate& f : files) out.push_back(f.relpath);
  std::sort(out.begin(), out.end());
  return out;
}

// Reads inotify events until `want` files are settled `settle_after` later,
// or about a second has passed (inotify delivers asynchronously).
std::vector<FileCandidate> EventsThenSettled(FolderWatcher& watcher, size_t want) {
  std::vector<FileCandidate> settled;
  for (int i = 0; i < 50 && settled.size() < want; ++i) {
    watcher.ReadEvents(kT0);
    std::vector<FileCandidate> now = watcher.Settled(kT0 + FolderWatcher::kSettle);
    settled.insert(settled.end(), now.begin(), now.end());
    if (settled.size() < want) usleep(20000);
  }
  return settled;
}

// A client folder "acme" in a temp dir, and a watcher.
class WatchedFolderTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(folder_); }
  void Watch(int poll_seconds = 0) {
    ASSERT_OK(watcher_.Watch({{"acme", folder_, poll_seconds}}, kT0));
  }

  TempDir dir_;
  std::string folder_ = dir_.Join("acme");
  FolderWatcher watcher_;
};

TEST(FolderWatcherTest, SeesNewFilesRecursivelyButNotTemporaryOrProcessed) {
  TempDir dir;
  std::string folder = dir.Join("acme");
  fs::create_directories(folder + "/.processed/2026-11");
  WriteFile(folder + "/before.pdf", "x");
  FolderWatcher watcher;
  ASSERT_OK(watcher.Watch({{"acme", folder, 0}}, kT0));
  watcher.ScanAll(kT0);
  EXPECT_EQ(Paths(watcher.Settled(kT0 + FolderWatcher::kSettle)),
            std::vector<std::string>{"before.pdf"});

  WriteFile(folder + "/facture.pdf", "x");
  WriteFile(folder + "/download.crdownload", "x");
  WriteFile(folder + "/~$brouillon.docx", "x");
  WriteFile(folder + "/.hidden.pdf", "x");
  WriteFile(folder + "/.processed/2026-11/old.pdf", "x");
  fs::create_directories(folder + "/2026/octobre");
  WriteFile(folder + "/2026/octobre/releve.pdf", "x");
  WriteFile(dir.Join("outside.pdf"), "x");
  fs::rename(dir.Join("outside.pdf"), folder + "/moved-in.pdf");
  EXPECT_EQ(Paths(EventsThenSettled(watcher, 3)),
            (std::vector<std::string>{"2026/octobre/releve.pdf", "facture.pdf", "moved-in.pdf"}));
}

TEST_F(WatchedFolderTest, AFileIsTakenOnlyAfterItSettled) {
  WriteFile(folder_ + "/scan.pdf", "part");
  Watch();
  watcher_.ScanAll(kT0);
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Seconds(1)).empty());
  EXPECT_EQ(watcher_.NextWake(), kT0 + FolderWatcher::kSettle);
  EXPECT_EQ(watcher_.Settled(kT0 + FolderWatcher::kSettle).size(), 1u);
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Seconds(10)).empty());  // once
}

// A rescan sees a file mid-write; the writer goes on: the file is taken
// only once nothing changed for the settle interval after its last write.
TEST_F(WatchedFolderTest, RescanOfAFileStillGrowingWaitsForItToSettle) {
  Watch();
  WriteFile(folder_ + "/big.pdf", "first half");
  watcher_.ScanAll(kT0);
  std::ofstream(folder_ + "/big.pdf", std::ios::app) << " second half";  // the writer goes on
  EXPECT_TRUE(watcher_.Settled(kT0 + FolderWatcher::kSettle).empty());
  EXPECT_TRUE(watcher_.Settled(kT0 + FolderWatcher::kSettle + absl::Seconds(1)).empty());
  std::vector<FileCandidate> ready = watcher_.Settled(kT0 + 2 * FolderWatcher::kSettle);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].relpath, "big.pdf");
}

// inotify saw a write without its close: however long the writer pauses,
// the file waits for its close.
TEST_F(WatchedFolderTest, AFileOpenForWritingWaitsForItsClose) {
  Watch();
  int fd = ::open((folder_ + "/slow.pdf").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "%PDF-1.4\n", 9), 9);
  usleep(50000);
  watcher_.ReadEvents(kT0);
  watcher_.ScanAll(kT0 + absl::Seconds(1));  // a rescan meanwhile
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Minutes(10)).empty());
  ::close(fd);
  usleep(50000);
  watcher_.ReadEvents(kT0 + absl::Minutes(10));
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Minutes(10) + absl::Seconds(1)).empty());
  EXPECT_EQ(watcher_.Settled(kT0 + absl::Minutes(10) + FolderWatcher::kSettle).size(), 1u);
}

TEST_F(WatchedFolderTest, EmptyFilesAreNeverTaken) {
  WriteFile(folder_ + "/empty.pdf", "");
  Watch();
  watcher_.ScanAll(kT0);
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Hours(1)).empty());
  EXPECT_TRUE(fs::exists(folder_ + "/empty.pdf"));
}

TEST(FolderWatcherTest, PollModeWaitsForAStableFile) {
  TempDir dir;
  std::string folder = dir.Join("smb");
  fs::create_directories(folder);
  FolderWatcher watcher;
  ASSERT_OK(watcher.Watch({{"acme", folder, 30}}, kT0));
  absl::Time t = kT0;
  WriteFile(folder + "/scan.pdf", "part");
  watcher.Poll(t);  // first sight
  EXPECT_TRUE(watcher.Settled(t).empty());
  watcher.Poll(t + absl::Seconds(5));  // not due
  std::ofstream(folder + "/scan.pdf", std::ios::app) << "more";  // still growing
  watcher.Poll(t + absl::Seconds(31));
  EXPECT_TRUE(watcher.Settled(t + absl::Seconds(31)).empty());
  watcher.Poll(t + absl::Seconds(62));
  std::vector<FileCandidate> stable = watcher.Settled(t + absl::Seconds(62));
  ASSERT_EQ(stable.size(), 1u);
  EXPECT_EQ(stable[0].path, folder + "/scan.pdf");
  EXPECT_EQ(watcher.NextWake(), t + absl::Seconds(92));
}

TEST_F(WatchedFolderTest, LinksInAClientFolderAreNeverFollowed) {
  fs::create_directories(dir_.Join("victim"));
  WriteFile(dir_.Join("victim/private.pdf"), "not the client's");
  fs::create_directory_symlink(dir_.Join("victim"), folder_ + "/sub");
  fs::create_symlink(dir_.Join("victim/private.pdf"), folder_ + "/file.pdf");
  Watch();
  watcher_.ScanAll(kT0);
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Hours(1)).empty());
}

TEST(FolderWatcherTest, ADiscoveredClientFolderThatIsALinkIsNotWatched) {
  TempDir dir;
  fs::create_directories(dir.Join("victim"));
  WriteFile(dir.Join("victim/private.pdf"), "not the client's");
  fs::create_directory_symlink(dir.Join("victim"), dir.Join("evil"));
  FolderWatcher watcher;
  ASSERT_OK(watcher.Watch({{"evil", dir.Join("evil"), 0, /*no_follow=*/true}}, kT0));
  watcher.ScanAll(kT0);
  EXPECT_TRUE(watcher.Settled(kT0 + absl::Hours(1)).empty());
}

TEST_F(WatchedFolderTest, AFifoIsNeverOpenedAndIsReportedOnce) {
  ASSERT_EQ(::mkfifo((folder_ + "/pipe.pdf").c_str(), 0644), 0);
  Watch();
  watcher_.ScanAll(kT0);
  EXPECT_TRUE(watcher_.Settled(kT0 + absl::Hours(1)).empty());
  std::vector<FileCandidate> ignored = watcher_.TakeIgnored();
  ASSERT_EQ(ignored.size(), 1u);
  EXPECT_EQ(ignored[0].relpath, "pipe.pdf");
  watcher_.ScanAll(kT0 + absl::Hours(2));
  EXPECT_TRUE(watcher_.TakeIgnored().empty());  // said once
}

TEST(DiscoverFolderClientsTest, FoldersWithInvalidNamesAreNamed) {
  TempDir dir;
  fs::create_directories(dir.Join("inbox/acme"));
  fs::create_directories(dir.Join("inbox/Boulangerie Martin"));
  fs::create_directories(dir.Join("inbox/.hidden"));
  std::vector<std::string> invalid;
  std::vector<ClientConfig> clients = DiscoverFolderClients(dir.Join("inbox"), &invalid);
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(invalid, std::vector<std::string>{"Boulangerie Martin"});
}

TEST(DiscoverFolderClientsTest, ALinkInTheInboxRootIsNotAClient) {
  TempDir dir;
  fs::create_directories(dir.Join("inbox/acme"));
  fs::create_directories(dir.Join("victim"));
  fs::create_directory_symlink(dir.Join("victim"), dir.Join("inbox/evil"));
  std::vector<ClientConfig> clients = DiscoverFolderClients(dir.Join("inbox"));
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0].id, "acme");
}

// The daemon's whole folder path (scan, settle, open, archive, move) while
// another thread keeps swapping a subfolder with a link to a folder outside
// (renameat2 RENAME_EXCHANGE): nothing outside is ever read or moved.
TEST(FolderWatcherTest, ASubfolderSwappedForALinkDuringScansNeverLeadsOutside) {
  TempDir dir;
  std::string folder = dir.Join("acme");
  fs::create_directories(folder + "/sub");
  fs::create_directories(dir.Join("outside"));
  fs::create_directories(dir.Join("archive"));
  for (int i = 0; i < 300; ++i) {
    WriteFile(absl::StrCat(folder, "/sub/in-", i, ".pdf"), absl::StrCat("inside ", i));
    WriteFile(absl::StrCat(dir.Join("outside"), "/out-", i, ".pdf"), absl::StrCat("outside ", i));
  }
  fs::create_directory_symlink(dir.Join("outside"), folder + "/swap");
  Archive archive(dir.Join("archive"));
  FolderWatcher watcher;
  ASSERT_OK(watcher.Watch({{"acme", folder, 0}}, kT0));
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    std::string a = folder + "/sub", b = folder + "/swap";
    while (!stop) ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  });
  int taken = 0;
  absl::Time now = kT0;
  for (int round = 0; round < 200 && taken < 300; ++round) {
    watcher.ReadEvents(now);
    watcher.ScanAll(now);
    now += FolderWatcher::kSettle;
    for (const FileCandidate& f : watcher.Settled(now)) {
      absl::StatusOr<OpenedFile> file = f.folder->OpenFile(f.relpath);
      if (!file.ok()) continue;
      if (!archive.PutFd(file->fd.get(), 1 << 20).ok()) continue;
      if (f.folder->MoveToProcessed(*file, "2026-11").ok()) ++taken;
    }
  }
  stop = true;
  swapper.join();
  int outside_left = 0;
  for (const auto& e : fs::directory_iterator(dir.Join("outside"))) {
    (void)e;
    ++outside_left;
  }
  EXPECT_EQ(outside_left, 300);  // not one moved from outside
  EXPECT_FALSE(fs::exists(dir.Join("outside/.processed")));
  int moved_outside = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder + "/.processed")) {
    if (e.path().filename().string().rfind("out-", 0) == 0) ++moved_outside;
  }
  EXPECT_EQ(moved_outside, 0);
  EXPECT_GT(taken, 0);
}

// A client folder "acme" whose f.pdf has been opened for intake.
class ClientFolderTest : public ::testing::Test {
 protected:
  void OpenFileWith(const std::string& content) {
    fs::create_directories(folder_);
    WriteFile(folder_ + "/f.pdf", content);
    auto client = ClientFolder::Open(folder_, false);
    ASSERT_OK(client);
    client_ = *client;
    absl::StatusOr<OpenedFile> file = client_->OpenFile("f.pdf");
    ASSERT_OK(file);
    file_ = std::move(*file);
  }

  TempDir dir_;
  std::string folder_ = dir_.Join("acme");
  std::shared_ptr<const ClientFolder> client_;
  OpenedFile file_;
};

TEST_F(ClientFolderTest, AFileChangedAfterItWasReadIsNotAcknowledged) {
  OpenFileWith("v1");
  std::ofstream(folder_ + "/f.pdf", std::ios::app) << " and more";
  EXPECT_EQ(client_->MoveToProcessed(file_, "2026-11").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(client_->Remove(file_).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(fs::exists(folder_ + "/f.pdf"));
}

TEST_F(ClientFolderTest, ANameReplacedByAnotherFileIsNotAcknowledged) {
  OpenFileWith("read");
  WriteFile(folder_ + "/g.pdf", "never read");
  fs::rename(folder_ + "/g.pdf", folder_ + "/f.pdf");
  EXPECT_EQ(client_->MoveToProcessed(file_, "2026-11").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(testing::ReadFile(folder_ + "/f.pdf"), "never read");
}

TEST_F(ClientFolderTest, MovesKeepTheNameAndNeverOverwrite) {
  fs::create_directories(folder_ + "/.processed/2026-11");
  WriteFile(folder_ + "/.processed/2026-11/f.pdf", "earlier");
  OpenFileWith("now");
  ASSERT_OK(client_->MoveToProcessed(file_, "2026-11"));
  EXPECT_EQ(testing::ReadFile(folder_ + "/.processed/2026-11/f.pdf"), "earlier");
  EXPECT_EQ(testing::ReadFile(folder_ + "/.processed/2026-11/f (2).pdf"), "now");
}

TEST(ArchiveTest, AFileOverTheLimitIsRefusedFromItsSizeBeforeAnyCopy) {
  TempDir dir;
  fs::create_directories(dir.Join("archive"));
  std::string sparse = dir.Join("sparse.pdf");
  int fd = ::open(sparse.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_EQ(::ftruncate(fd, int64_t{1} << 40), 0);  // 1 TiB, no blocks
  ::close(fd);
  Archive archive(dir.Join("archive"));
  absl::StatusOr<ArchivedFile> put = archive.PutFile(sparse, 1 << 20);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(fs::is_empty(dir.Join("archive")));  // not even a temporary file
}

TEST(ArchiveTest, LeftoversOfAKilledCopyAreRemovedAndOriginalsKept) {
  TempDir dir;
  fs::create_directories(dir.Join("archive"));
  Archive archive(dir.Join("archive"));
  absl::StatusOr<ArchivedFile> kept = archive.PutBytes("an original");
  ASSERT_OK(kept);
  WriteFile(dir.Join("archive/.tmp-123-456"), "half a copy");
  EXPECT_EQ(archive.RemoveLeftovers(), 1);
  EXPECT_FALSE(fs::exists(dir.Join("archive/.tmp-123-456")));
  EXPECT_TRUE(archive.Contains(kept->sha256));
}

TEST(MakeDirsTest, CreatesWhatIsMissingAndLeavesExistingDirectoriesAlone) {
  TempDir dir;
  std::string shared = dir.Join("srv");
  ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 02775), 0);  // setgid, as tmpfiles makes it
  ASSERT_OK(MakeDirs(shared + "/liasse/acme", 0750));
  struct stat st;
  ASSERT_EQ(::stat(shared.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02775u);
  ASSERT_EQ(::stat((shared + "/liasse/acme").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02750u);  // the asked mode, the group sharing kept
  ASSERT_OK(MakeDirs(shared, 0700));  // exists: untouched
  ASSERT_EQ(::stat(shared.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02775u);
}

}  // namespace
}  // namespace liasse
