#include "workflows/conclusion.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

Check Failed(const std::string& code, const std::string& severity = "error") {
  return {code, false, severity, "fr", "en"};
}

TEST(ConcludeDocumentTest, AReadableTypedDocumentOfAClientIsDoneAndFiled) {
  Conclusion c = ConcludeDocument(true, {{"totals_consistent", true, "error", "", ""}}, DocType::kInvoice);
  EXPECT_TRUE(c.done);
  EXPECT_EQ(c.reason, "");
  EXPECT_EQ(c.follow_up, FollowUp::kFile);
  EXPECT_FALSE(c.checks.has_value());
}

TEST(ConcludeDocumentTest, AnUnknownSenderWaitsForAPersonWithThatReasonAlone) {
  Conclusion c = ConcludeDocument(false, {Failed("readable")}, DocType::kInvoice);
  EXPECT_FALSE(c.done);
  EXPECT_EQ(c.reason, "unknown_sender");
  EXPECT_EQ(c.follow_up, FollowUp::kNone);  // nobody to ask
  ASSERT_TRUE(c.checks.has_value());
  ASSERT_EQ(c.checks->size(), 1u);
  EXPECT_EQ((*c.checks)[0].code, "unknown_sender");
}

TEST(ConcludeDocumentTest, AnUnreadableScanIsAskedAgainOfTheClient) {
  Conclusion c = ConcludeDocument(true, {Failed("totals_consistent"), Failed("readable")}, DocType::kUnknown);
  EXPECT_FALSE(c.done);
  EXPECT_EQ(c.reason, "totals_consistent, readable");
  EXPECT_EQ(c.follow_up, FollowUp::kAskAgain);
  EXPECT_NE(c.ask_fr.find("illisible"), std::string::npos);
  EXPECT_NE(c.ask_en.find("sharper"), std::string::npos);
}

TEST(ConcludeDocumentTest, ADateOutsideThePeriodIsAskedAgainOfTheClient) {
  Conclusion c = ConcludeDocument(true, {Failed("date_plausible")}, DocType::kReceipt);
  EXPECT_EQ(c.follow_up, FollowUp::kAskAgain);
  EXPECT_NE(c.ask_en.find("date"), std::string::npos);
}

TEST(ConcludeDocumentTest, OtherFailedErrorChecksWaitForStaff) {
  Conclusion c = ConcludeDocument(true, {Failed("totals_consistent")}, DocType::kInvoice);
  EXPECT_FALSE(c.done);
  EXPECT_EQ(c.reason, "totals_consistent");
  EXPECT_EQ(c.follow_up, FollowUp::kNone);
}

TEST(ConcludeDocumentTest, FailedWarningsDoNotStopADocument) {
  Conclusion c = ConcludeDocument(true, {Failed("mandatory_mentions", "warning")}, DocType::kInvoice);
  EXPECT_TRUE(c.done);
}

TEST(ConcludeDocumentTest, AnUndeterminedTypeIsReviewedWithAnAddedWarning) {
  Conclusion c = ConcludeDocument(true, {{"readable", true, "error", "", ""}}, DocType::kUnknown);
  EXPECT_FALSE(c.done);
  EXPECT_EQ(c.reason, "unclassified");
  ASSERT_TRUE(c.checks.has_value());
  ASSERT_EQ(c.checks->size(), 2u);
  EXPECT_EQ((*c.checks)[1].code, "unclassified");
  EXPECT_EQ((*c.checks)[1].severity, "warning");
}

}  // namespace
}  // namespace liasse
