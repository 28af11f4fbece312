// A real SQLite store in a test's temporary directory, its clients synced.
#pragma once

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/store/store.h"

namespace liasse {
namespace testing {

// A client with just an id and a name ("acme" → "ACME").
inline ClientRecord TestClient(const std::string& id, std::vector<std::string> emails = {}) {
  ClientRecord c;
  c.id = id;
  c.name = id;
  for (char& ch : c.name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  c.emails = std::move(emails);
  return c;
}

// Opens `dir`/liasse.db and syncs `clients`; fails the test (and returns
// null) when either does not work.
inline std::unique_ptr<Store> OpenTestStore(const std::string& dir, const Clock* clock,
                                            const std::vector<ClientRecord>& clients) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir + "/liasse.db", clock);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  absl::Status synced = (*store)->SyncClients(clients);
  EXPECT_TRUE(synced.ok()) << synced;
  return std::move(*store);
}

}  // namespace testing
}  // namespace liasse
