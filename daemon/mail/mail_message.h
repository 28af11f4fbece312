// An e-mail as intake sees it, parsed with GMime from untrusted bytes:
// sender, recipients, threading headers, whether it is an auto-reply or a
// delivery report, the body text, and the attachments worth reading (PDF,
// images, XML, octet-stream recognised by content, inline images with a
// name, attachments of nested message/rfc822 parts).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "workflows/replies.h"
#include "absl/strings/string_view.h"

namespace liasse {

struct MailAttachment {
  std::string file_name;     // as sent: untrusted, display only
  std::string content_type;  // as declared
  std::string bytes;         // decoded
};

struct MailMessage {
  std::string from;  // lower-case address of the first From mailbox
  std::string from_name;
  std::vector<std::string> to;  // To, Cc, Delivered-To addresses, lower-case
  std::string subject;
  std::string message_id;
  std::string in_reply_to;
  std::string references;
  // What tells an automatic message from a person's (workflows/replies.h
  // decides): subject, Auto-Submitted, Precedence, X-Autoreply, report.
  MessageFacts facts;
  std::string body_text;         // first text/plain part, at most 20 000 bytes
  std::vector<MailAttachment> attachments;
};

// InvalidArgument when the bytes are not a message GMime can parse.
absl::StatusOr<MailMessage> ParseMailMessage(absl::string_view bytes);

}  // namespace liasse
