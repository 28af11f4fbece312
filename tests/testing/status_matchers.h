// ASSERT_OK / EXPECT_OK for absl::Status and absl::StatusOr.
#pragma once

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace liasse::testing {

inline absl::Status GetStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace liasse::testing

#define LIASSE_STATUS_CHECK_(macro, expr)                          \
  do {                                                             \
    const absl::Status liasse_status_ = ::liasse::testing::GetStatus(expr); \
    macro(liasse_status_.ok()) << liasse_status_;                  \
  } while (0)
#define ASSERT_OK(expr) LIASSE_STATUS_CHECK_(ASSERT_TRUE, expr)
#define EXPECT_OK(expr) LIASSE_STATUS_CHECK_(EXPECT_TRUE, expr)
