// The store's schema: one migration per version, run in order.
// Internal to daemon/store/.
#pragma once

#include <sqlite3.h>

#include "absl/status/status.h"

namespace liasse {

// The version the newest migration brings a database to.
int LatestSchema();

// Brings the database from its PRAGMA user_version to `target`, one
// transaction per version. FailedPrecondition for a database newer than
// this build.
absl::Status Migrate(sqlite3* db, int target);

}  // namespace liasse
