#include "workflows/states.h"

#include "workflows/enum_names.h"

namespace liasse {
namespace {

constexpr NameTable<ItemState, 3> kItemStates = {{
    {ItemState::kOpen, "open"}, {ItemState::kReceived, "received"}, {ItemState::kWaived, "waived"}}};

constexpr NameTable<OutboxState, 5> kOutboxStates = {{
    {OutboxState::kScheduled, "scheduled"},
    {OutboxState::kSending, "sending"},
    {OutboxState::kSent, "sent"},
    {OutboxState::kFailed, "failed"},
    {OutboxState::kUnknown, "unknown"}}};

constexpr NameTable<TextSource, 6> kTextSources = {{
    {TextSource::kNone, ""},
    {TextSource::kEInvoice, "einvoice"},
    {TextSource::kTextLayer, "text_layer"},
    {TextSource::kOcr, "ocr"},
    {TextSource::kMixed, "mixed"},
    {TextSource::kBankFile, "bank_file"}}};

}  // namespace

absl::string_view ItemStateName(ItemState state) { return NameIn(kItemStates, state); }
std::optional<ItemState> ParseItemState(absl::string_view name) {
  return ValueIn(kItemStates, name);
}

absl::string_view OutboxStateName(OutboxState state) { return NameIn(kOutboxStates, state); }
std::optional<OutboxState> ParseOutboxState(absl::string_view name) {
  return ValueIn(kOutboxStates, name);
}

absl::string_view TextSourceName(TextSource source) { return NameIn(kTextSources, source); }
TextSource ParseTextSource(absl::string_view name) {
  return ValueIn(kTextSources, name).value_or(TextSource::kNone);
}

}  // namespace liasse
