#include "workflows/states.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TEST(StatesTest, EveryStateReadsBackFromItsStoredName) {
  for (ItemState s : {ItemState::kOpen, ItemState::kReceived, ItemState::kWaived}) {
    EXPECT_EQ(ParseItemState(ItemStateName(s)), s);
  }
  for (OutboxState s : {OutboxState::kScheduled, OutboxState::kSending, OutboxState::kSent,
                        OutboxState::kFailed, OutboxState::kUnknown}) {
    EXPECT_EQ(ParseOutboxState(OutboxStateName(s)), s);
  }
  for (TextSource s : {TextSource::kNone, TextSource::kEInvoice, TextSource::kTextLayer,
                       TextSource::kOcr, TextSource::kMixed, TextSource::kBankFile}) {
    EXPECT_EQ(ParseTextSource(TextSourceName(s)), s);
  }
}

TEST(StatesTest, AnUnknownNameIsNoState) {
  EXPECT_FALSE(ParseItemState("closed").has_value());
  EXPECT_FALSE(ParseOutboxState("").has_value());
  EXPECT_EQ(ParseTextSource("fax"), TextSource::kNone);
}

}  // namespace
}  // namespace liasse
