// The content-addressed archive on a real directory: originals by hash,
// whole or absent, never through a link, never outside the archive.
#include "daemon/process/archive.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_.Join("archive")); }
  testing::TempDir dir_;
  Archive archive_{dir_.Join("archive")};
};

TEST_F(ArchiveTest, AnOriginalIsFoundByItsHashWithTheSameBytes) {
  absl::StatusOr<ArchivedFile> put = archive_.PutBytes("%PDF-1.4 facture");
  ASSERT_OK(put);
  EXPECT_EQ(put->sha256, Sha256Hex("%PDF-1.4 facture"));
  EXPECT_TRUE(archive_.Contains(put->sha256));
  absl::StatusOr<std::string> back = archive_.Read(put->sha256, 1 << 20);
  ASSERT_OK(back);
  EXPECT_EQ(*back, "%PDF-1.4 facture");
}

TEST_F(ArchiveTest, TheSameBytesTwiceAreOneOriginal) {
  ASSERT_OK(archive_.PutBytes("same"));
  ASSERT_OK(archive_.PutBytes("same"));
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_.Join("archive"))) {
    if (e.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(ArchiveTest, ANameThatIsNotAHashIsRefusedBeforeAnyFileIsOpened) {
  std::ofstream(dir_.Join("secret")) << "outside";
  for (const char* name : {"../secret", "../../etc/passwd", "", "ABCDEF",
                           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(absl::IsInvalidArgument(archive_.Open(name).status()));
  }
}

TEST_F(ArchiveTest, AnAbsentOriginalIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(archive_.Open(Sha256Hex("never stored")).status()));
}

TEST_F(ArchiveTest, ReadStopsAtItsLimit) {
  absl::StatusOr<ArchivedFile> put = archive_.PutBytes(std::string(5000, 'x'));
  ASSERT_OK(put);
  EXPECT_TRUE(absl::IsResourceExhausted(archive_.Read(put->sha256, 4096).status()));
}

TEST_F(ArchiveTest, AnOriginalReplacedByALinkIsNotFollowed) {
  absl::StatusOr<ArchivedFile> put = archive_.PutBytes("kept");
  ASSERT_OK(put);
  std::string path = archive_.PathOf(put->sha256);
  std::ofstream(dir_.Join("elsewhere")) << "not an original";
  fs::remove(path);
  fs::create_symlink(dir_.Join("elsewhere"), path);
  EXPECT_FALSE(archive_.Read(put->sha256, 1 << 20).ok());
}

TEST_F(ArchiveTest, AWriterDroppedBeforeCommitLeavesNothing) {
  {
    absl::StatusOr<std::unique_ptr<ArchiveWriter>> w = archive_.NewWriter(0);
    ASSERT_OK(w);
    ASSERT_OK((*w)->Append("half an upload"));
  }
  EXPECT_FALSE(archive_.Contains(Sha256Hex("half an upload")));
  EXPECT_EQ(archive_.RemoveLeftovers(), 0);
}

TEST_F(ArchiveTest, AWriterPastItsLimitRefusesMore) {
  absl::StatusOr<std::unique_ptr<ArchiveWriter>> w = archive_.NewWriter(10);
  ASSERT_OK(w);
  ASSERT_OK((*w)->Append("0123456789"));
  EXPECT_TRUE(absl::IsResourceExhausted((*w)->Append("x")));
}

}  // namespace
}  // namespace liasse
