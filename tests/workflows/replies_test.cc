#include "workflows/replies.h"

#include <gtest/gtest.h>

namespace liasse {
namespace {

TEST(ClassifyMessageTest, ABounceIsADeliveryReportEvenWithAttachments) {
  MessageFacts f;
  f.delivery_report = true;
  f.attachments = 1;
  EXPECT_EQ(ClassifyMessage(f), MessageKind::kDeliveryReport);
}

TEST(ClassifyMessageTest, AutoSubmittedOtherThanNoIsAnAutoReply) {
  MessageFacts f;
  f.auto_submitted = "auto-replied";
  EXPECT_EQ(ClassifyMessage(f), MessageKind::kAutoReply);
  f.auto_submitted = "no";
  EXPECT_EQ(ClassifyMessage(f), MessageKind::kClientMessage);
}

TEST(ClassifyMessageTest, AnOutOfOfficeSubjectIsAnAutoReplyInFrenchOrEnglish) {
  MessageFacts f;
  f.subject = "Réponse automatique : absente jusqu'au 3";
  EXPECT_TRUE(IsAutoReply(f));
  f.subject = "Out of Office: back Monday";
  EXPECT_TRUE(IsAutoReply(f));
  f.subject = "Re: relevé d'octobre";
  EXPECT_FALSE(IsAutoReply(f));
}

TEST(ClassifyMessageTest, WordsWithoutAttachmentsAreForAPersonAttachmentsAreDocuments) {
  MessageFacts f;
  f.subject = "Re: relevé";
  EXPECT_EQ(ClassifyMessage(f), MessageKind::kClientMessage);
  f.attachments = 2;
  EXPECT_EQ(ClassifyMessage(f), MessageKind::kDocuments);
}

TEST(FailedRecipientsTest, OnlyRecipientsWhoseActionFailedAreReturned) {
  std::string report =
      "Reporting-MTA: dns; mx.example.org\n\n"
      "Final-Recipient: rfc822; Gone@Client.FR\nAction: failed\nStatus: 5.1.1\n\n"
      "Final-Recipient: rfc822; late@client.fr\nAction: delayed\nStatus: 4.4.1\n";
  EXPECT_EQ(FailedRecipients(report), std::vector<std::string>{"gone@client.fr"});
}

TEST(ReferencedMessageIdsTest, InReplyToComesFirstWithoutBrackets) {
  EXPECT_EQ(ReferencedMessageIds("<r1@liasse>", "<a@x> <b@y>"),
            (std::vector<std::string>{"r1@liasse", "a@x", "b@y"}));
}

TEST(AfterClientReplyTest, RemindersPauseForTheCadenceAndAtLeastADay) {
  absl::Time at = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(AfterClientReply(at, "Re: relance", "je l'envoie demain", 7).paused_until,
            at + absl::Hours(24 * 7));
  EXPECT_EQ(AfterClientReply(at, "", "", 0).paused_until, at + absl::Hours(24));
}

TEST(AfterClientReplyTest, StaffReadTheClientsWords) {
  ReplyFollowUp r = AfterClientReply(absl::UnixEpoch(), "Re: relance", "je l'envoie demain", 7);
  EXPECT_NE(r.text.find("je l'envoie demain"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("7 jours"), std::string::npos) << r.text;
}

TEST(AfterBounceTest, OnlyTheClientsOwnAddressesAreMarkedBad) {
  std::vector<BounceFollowUp> b =
      AfterBounce({"Gone@Client.fr", "someone@else.fr"}, {"gone@client.fr", "ok@client.fr"});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].address, "gone@client.fr");
  EXPECT_NE(b[0].text.find("gone@client.fr"), std::string::npos);
}

}  // namespace
}  // namespace liasse
