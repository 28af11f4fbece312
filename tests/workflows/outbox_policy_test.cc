#include "workflows/outbox_policy.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(AfterFailedDeliveryTest, RetriesAfterOneMinuteDoublingToAnHour) {
  EXPECT_EQ(AfterFailedDelivery({0, false, "reminder"}, kNow).retry_at, kNow + absl::Minutes(1));
  EXPECT_EQ(AfterFailedDelivery({1, false, "reminder"}, kNow).retry_at, kNow + absl::Minutes(2));
  EXPECT_EQ(AfterFailedDelivery({5, false, "reminder"}, kNow).retry_at, kNow + absl::Minutes(32));
  EXPECT_EQ(AfterFailedDelivery({6, false, "reminder"}, kNow).retry_at, kNow + absl::Hours(1));
}

TEST(AfterFailedDeliveryTest, StaffAreWarnedOnceAtTheThirdFailure) {
  EXPECT_FALSE(AfterFailedDelivery({1, false, "digest"}, kNow).warn_staff);
  EXPECT_TRUE(AfterFailedDelivery({2, false, "digest"}, kNow).warn_staff);
  EXPECT_FALSE(AfterFailedDelivery({3, false, "digest"}, kNow).warn_staff);
}

TEST(AfterFailedDeliveryTest, GivesUpAfterEightAttempts) {
  EXPECT_FALSE(AfterFailedDelivery({6, false, "reminder"}, kNow).give_up);
  DeliveryDecision last = AfterFailedDelivery({7, false, "reminder"}, kNow);
  EXPECT_TRUE(last.give_up);
  EXPECT_TRUE(last.urgent);               // a client will not be reminded: staff at once
  EXPECT_FALSE(last.mark_addresses_bad);  // the server failed, not the address
}

TEST(AfterFailedDeliveryTest, ARefusedRecipientIsFinalAndTheAddressBad) {
  DeliveryDecision d = AfterFailedDelivery({0, true, "reminder"}, kNow);
  EXPECT_TRUE(d.give_up);
  EXPECT_TRUE(d.mark_addresses_bad);
  EXPECT_TRUE(d.urgent);
}

TEST(AfterFailedDeliveryTest, AFailedDigestIsNotAboutAClientsAddress) {
  DeliveryDecision d = AfterFailedDelivery({0, true, "digest"}, kNow);
  EXPECT_TRUE(d.give_up);
  EXPECT_FALSE(d.mark_addresses_bad);
  EXPECT_FALSE(d.urgent);
}

}  // namespace
}  // namespace liasse
