// The states records move through, as enums; their names are the storage
// and API spelling.
#pragma once

#include <optional>

#include "absl/strings/string_view.h"

namespace liasse {

// Something a client owes, as stored: open until a document closes it or
// staff waive it. Whether an open item is expected, missing or overdue
// depends on the day it is looked at (ItemStatus).
enum class ItemState { kOpen, kReceived, kWaived };
absl::string_view ItemStateName(ItemState state);  // open | received | waived
std::optional<ItemState> ParseItemState(absl::string_view name);

// An outgoing e-mail: scheduled → sending → sent | failed, or unknown when
// a crash left it sending (reported, never resent).
enum class OutboxState { kScheduled, kSending, kSent, kFailed, kUnknown };
absl::string_view OutboxStateName(OutboxState state);
std::optional<OutboxState> ParseOutboxState(absl::string_view name);

// Where a document's text came from.
enum class TextSource { kNone, kEInvoice, kTextLayer, kOcr, kMixed, kBankFile };
// "" | einvoice | text_layer | ocr | mixed | bank_file
absl::string_view TextSourceName(TextSource source);
TextSource ParseTextSource(absl::string_view name);  // unknown names: kNone

}  // namespace liasse
