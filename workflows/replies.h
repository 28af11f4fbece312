// What an incoming e-mail means for collection, and what follows from a
// client's reply or a bounced reminder. Plain facts in (read by daemon/mail),
// decisions out; the shell stores and sends.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace liasse {

// The headers and shape of a message that tell what it is.
struct MessageFacts {
  std::string subject;
  std::string auto_submitted;  // Auto-Submitted header, "" when absent
  std::string precedence;      // Precedence header
  bool x_autoreply = false;    // X-Autoreply or X-Autorespond present
  bool delivery_report = false;  // multipart/report (DSN, MDN)
  int attachments = 0;
};

enum class MessageKind {
  kDeliveryReport,  // a bounce or read receipt: addresses to mark bad
  kAutoReply,       // out of office and the like: nothing to do
  kClientMessage,   // words without documents: a person reads it
  kDocuments,       // attachments: taken in as documents
};

// Auto-Submitted other than "no", X-Autoreply, Precedence: auto_reply, or an
// out-of-office subject in French or English.
bool IsAutoReply(const MessageFacts& facts);
MessageKind ClassifyMessage(const MessageFacts& facts);

// The recipients an RFC 3464 report says failed ("Final-Recipient: rfc822;
// x@y" followed by "Action: failed"), lower-case; looks at the first MiB.
std::vector<std::string> FailedRecipients(absl::string_view report);

// The Message-IDs a reply refers to (In-Reply-To, then References), without
// angle brackets, in order.
std::vector<std::string> ReferencedMessageIds(absl::string_view in_reply_to,
                                              absl::string_view references);

// A client wrote back in words: reminders wait `every_days` (at least one
// day) and staff are asked to read it.
struct ReplyFollowUp {
  absl::Time paused_until;
  std::string title;  // escalation title, French (staff's language)
  std::string text;
};
ReplyFollowUp AfterClientReply(absl::Time received, absl::string_view subject,
                               absl::string_view text, int every_days);

// A reminder bounced: each of the client's addresses among `failed` is bad
// and staff must correct it.
struct BounceFollowUp {
  std::string address;
  std::string title;
  std::string text;
};
std::vector<BounceFollowUp> AfterBounce(const std::vector<std::string>& failed,
                                        const std::vector<std::string>& client_emails);

}  // namespace liasse
