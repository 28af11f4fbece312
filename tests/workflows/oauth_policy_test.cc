#include "workflows/oauth_policy.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// A token issued at `obtained` living `life`, last renewal attempt then.
TokenState Issued(absl::Time obtained, absl::Duration life) {
  TokenState s;
  s.has_token = true;
  s.obtained_at = obtained;
  s.expires_at = obtained + life;
  s.last_attempt = obtained;
  return s;
}

TEST(DecideTokenTest, WithoutATokenItRenewsAtOnce) {
  EXPECT_EQ(DecideToken(TokenState{}, kNow).action, TokenAction::kRenew);
}

TEST(DecideTokenTest, AFreshTokenIsUsed) {
  TokenState s = Issued(kNow - absl::Minutes(10), absl::Hours(1));
  EXPECT_EQ(DecideToken(s, kNow).action, TokenAction::kUse);
}

TEST(DecideTokenTest, RenewsAtEightyPercentOfTheLifetime) {
  TokenState s = Issued(kNow, absl::Hours(1));
  EXPECT_EQ(DecideToken(s, kNow + absl::Minutes(47)).action, TokenAction::kUse);
  EXPECT_EQ(DecideToken(s, kNow + absl::Minutes(48)).action, TokenAction::kRenew);
}

TEST(DecideTokenTest, ShortLifetimesAreNotRenewedMoreThanOnceASecond) {
  // A 1-second token is due at once, but the endpoint was just called.
  TokenState s = Issued(kNow, absl::Seconds(1));
  EXPECT_EQ(DecideToken(s, kNow + absl::Milliseconds(900)).action, TokenAction::kUse);
  EXPECT_EQ(DecideToken(s, kNow + absl::Seconds(1)).action, TokenAction::kRenew);
  s.expires_at = kNow + absl::Milliseconds(500);
  TokenDecision wait = DecideToken(s, kNow + absl::Milliseconds(600));
  EXPECT_EQ(wait.action, TokenAction::kWait);
  EXPECT_EQ(wait.retry_at, kNow + kMinRenewSpacing);
}

TEST(DecideTokenTest, ARefusedTokenIsRenewedBeforeItsTime) {
  TokenState s = Issued(kNow - absl::Minutes(5), absl::Hours(1));
  s.rejected = true;
  EXPECT_EQ(DecideToken(s, kNow).action, TokenAction::kRenew);
}

TEST(DecideTokenTest, FailuresBackOffFromFiveSecondsToTenMinutes) {
  TokenState s;
  s.last_attempt = kNow;
  s.failures_in_row = 1;
  EXPECT_EQ(NextRenewalAllowed(s), kNow + absl::Seconds(5));
  s.failures_in_row = 3;
  EXPECT_EQ(NextRenewalAllowed(s), kNow + absl::Seconds(20));
  s.failures_in_row = 30;
  EXPECT_EQ(NextRenewalAllowed(s), kNow + absl::Minutes(10));
  TokenDecision d = DecideToken(s, kNow + absl::Minutes(1));
  EXPECT_EQ(d.action, TokenAction::kWait);
  EXPECT_EQ(d.retry_at, kNow + absl::Minutes(10));
}

TEST(DecideTokenTest, AStillValidTokenIsUsedWhileRenewalBacksOff) {
  TokenState s = Issued(kNow - absl::Minutes(50), absl::Hours(1));
  s.last_attempt = kNow - absl::Seconds(1);
  s.failures_in_row = 2;
  EXPECT_EQ(DecideToken(s, kNow).action, TokenAction::kUse);
}

TEST(ExplainTokenErrorTest, RevokedConsentNeedsAPerson) {
  TokenErrorMeaning m = ExplainTokenError({400, "invalid_grant", "AADSTS65001: The user or administrator has not consented"});
  EXPECT_TRUE(m.needs_person);
  EXPECT_NE(m.plain.find("consentement"), std::string::npos);
}

TEST(ExplainTokenErrorTest, AnExpiredSecretIsNamed) {
  TokenErrorMeaning m = ExplainTokenError({401, "invalid_client", "AADSTS7000222: The provided client secret keys are expired."});
  EXPECT_TRUE(m.needs_person);
  EXPECT_NE(m.plain.find("expiré"), std::string::npos);
}

TEST(ExplainTokenErrorTest, InvalidGrantNeedsALoginAgain) {
  TokenErrorMeaning m = ExplainTokenError({400, "invalid_grant", ""});
  EXPECT_TRUE(m.needs_person);
  EXPECT_NE(m.plain.find("liasse oauth login"), std::string::npos);
}

TEST(ExplainTokenErrorTest, OutagesAreRetried) {
  EXPECT_FALSE(ExplainTokenError({0, "", ""}).needs_person);
  EXPECT_FALSE(ExplainTokenError({503, "", ""}).needs_person);
  EXPECT_FALSE(ExplainTokenError({400, "temporarily_unavailable", ""}).needs_person);
}

TEST(ExplainTokenErrorTest, AnUnknownClientErrorNeedsAPerson) {
  EXPECT_TRUE(ExplainTokenError({400, "some_new_error", ""}).needs_person);
}

TEST(AfterDevicePollTest, PendingKeepsTheIntervalAndSlowDownAddsFiveSeconds) {
  DevicePollDecision pending = AfterDevicePoll({400, "authorization_pending", ""}, absl::Seconds(5));
  EXPECT_TRUE(pending.again);
  EXPECT_EQ(pending.interval, absl::Seconds(5));
  DevicePollDecision slow = AfterDevicePoll({400, "slow_down", ""}, absl::Seconds(5));
  EXPECT_TRUE(slow.again);
  EXPECT_EQ(slow.interval, absl::Seconds(10));
}

TEST(AfterDevicePollTest, AnOutageBacksOffAndARefusalEnds) {
  DevicePollDecision outage = AfterDevicePoll({0, "", "connection refused"}, absl::Seconds(40));
  EXPECT_TRUE(outage.again);
  EXPECT_EQ(outage.interval, absl::Minutes(1));
  EXPECT_FALSE(AfterDevicePoll({400, "access_denied", ""}, absl::Seconds(5)).again);
  EXPECT_FALSE(AfterDevicePoll({400, "expired_token", ""}, absl::Seconds(5)).again);
}

TEST(ExplainTokenErrorTest, AProfileNobodySignedInToSaysHowTo) {
  TokenErrorMeaning m = ExplainTokenError({0, kLoginRequired, ""});
  EXPECT_TRUE(m.needs_person);
  EXPECT_NE(m.plain.find("liasse oauth login"), std::string::npos);
}

TEST(SaslRefusalInPlainWordsTest, NamesTheMissingRight) {
  EXPECT_NE(SaslRefusalInPlainWords("403", "https://mail.google.com/").find("https://mail.google.com/"),
            std::string::npos);
  EXPECT_NE(SaslRefusalInPlainWords("invalid_token", "").find("expiré"), std::string::npos);
  EXPECT_NE(SaslRefusalInPlainWords("418", "").find("418"), std::string::npos);
}

}  // namespace
}  // namespace liasse
