// Enums spelled by one table of {value, name} pairs: the name of a value,
// the value of a name. The names are the storage, API and JSON spelling.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <utility>

#include "absl/strings/string_view.h"

namespace liasse {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, absl::string_view>, N>;

// `fallback` when the value is not in the table.
template <typename E, size_t N>
constexpr absl::string_view NameIn(const NameTable<E, N>& table, E value,
                                   absl::string_view fallback = "") {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return fallback;
}

template <typename E, size_t N>
constexpr std::optional<E> ValueIn(const NameTable<E, N>& table, absl::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

}  // namespace liasse
