// A consistent copy of a running daemon's state: the SQLite database through
// the online backup API (a snapshot, readers and the writer are not
// blocked), then every original of the archive. The archive is append-only,
// so every original the snapshot names is already there when it is copied.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace liasse {

struct BackupSummary {
  int64_t originals_copied = 0;
  int64_t originals_present = 0;  // already in DEST from an earlier backup
};

absl::StatusOr<BackupSummary> BackupStateDir(const std::string& state_dir,
                                             const std::string& dest_dir);

}  // namespace liasse
