#include "workflows/states.h"

#include <array>
#include <utility>

namespace liasse {
namespace {

template <typename E, size_t N>
absl::string_view NameOf(const std::array<std::pair<E, absl::string_view>, N>& names, E value) {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  return "";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, absl::string_view>, N>& names,
                         absl::string_view name) {
  for (const auto& [e, n] : names) {
    if (n == name) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<ItemState, absl::string_view>, 3> kItemStates = {{
    {ItemState::kOpen, "open"}, {ItemState::kReceived, "received"}, {ItemState::kWaived, "waived"}}};

constexpr std::array<std::pair<OutboxState, absl::string_view>, 5> kOutboxStates = {{
    {OutboxState::kScheduled, "scheduled"},
    {OutboxState::kSending, "sending"},
    {OutboxState::kSent, "sent"},
    {OutboxState::kFailed, "failed"},
    {OutboxState::kUnknown, "unknown"}}};

constexpr std::array<std::pair<TextSource, absl::string_view>, 6> kTextSources = {{
    {TextSource::kNone, ""},
    {TextSource::kEInvoice, "einvoice"},
    {TextSource::kTextLayer, "text_layer"},
    {TextSource::kOcr, "ocr"},
    {TextSource::kMixed, "mixed"},
    {TextSource::kBankFile, "bank_file"}}};

}  // namespace

absl::string_view ItemStateName(ItemState state) { return NameOf(kItemStates, state); }
std::optional<ItemState> ParseItemState(absl::string_view name) {
  return ValueOf(kItemStates, name);
}

absl::string_view OutboxStateName(OutboxState state) { return NameOf(kOutboxStates, state); }
std::optional<OutboxState> ParseOutboxState(absl::string_view name) {
  return ValueOf(kOutboxStates, name);
}

absl::string_view TextSourceName(TextSource source) { return NameOf(kTextSources, source); }
TextSource ParseTextSource(absl::string_view name) {
  return ValueOf(kTextSources, name).value_or(TextSource::kNone);
}

}  // namespace liasse
