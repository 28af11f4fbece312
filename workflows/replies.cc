#include "workflows/replies.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace liasse {

bool IsAutoReply(const MessageFacts& f) {
  std::string auto_submitted = absl::AsciiStrToLower(absl::StripAsciiWhitespace(f.auto_submitted));
  std::string precedence = absl::AsciiStrToLower(absl::StripAsciiWhitespace(f.precedence));
  std::string subject = absl::AsciiStrToLower(f.subject);
  return (!auto_submitted.empty() && auto_submitted != "no") || f.x_autoreply ||
         precedence == "auto_reply" || absl::StrContains(subject, "out of office") ||
         absl::StrContains(subject, "absence du bureau") ||
         absl::StartsWithIgnoreCase(f.subject, "réponse automatique") ||
         absl::StartsWithIgnoreCase(f.subject, "automatic reply");
}

MessageKind ClassifyMessage(const MessageFacts& f) {
  if (f.delivery_report) return MessageKind::kDeliveryReport;
  if (IsAutoReply(f)) return MessageKind::kAutoReply;
  if (f.attachments == 0) return MessageKind::kClientMessage;
  return MessageKind::kDocuments;
}

std::vector<std::string> FailedRecipients(absl::string_view report) {
  std::vector<std::string> failed;
  absl::string_view raw = report.substr(0, 1 << 20);
  for (size_t at = raw.find("Final-Recipient:"); at != absl::string_view::npos;
       at = raw.find("Final-Recipient:", at + 1)) {
    absl::string_view line = raw.substr(at, raw.find('\n', at) - at);
    size_t semi = line.find(';');
    if (semi == absl::string_view::npos) continue;
    std::string addr(absl::StripAsciiWhitespace(line.substr(semi + 1)));
    // The Action field belongs to the same per-recipient block.
    absl::string_view after = raw.substr(at, 400);
    if (absl::StrContains(after, "Action: failed") || absl::StrContains(after, "Action: Failed")) {
      failed.push_back(absl::AsciiStrToLower(addr));
    }
  }
  return failed;
}

std::vector<std::string> ReferencedMessageIds(absl::string_view in_reply_to,
                                              absl::string_view references) {
  std::vector<std::string> ids;
  for (absl::string_view id : absl::StrSplit(absl::StrCat(in_reply_to, " ", references),
                                             absl::ByAnyChar(" \t\r\n,"), absl::SkipEmpty())) {
    id = absl::StripPrefix(absl::StripSuffix(id, ">"), "<");
    if (!id.empty()) ids.emplace_back(id);
  }
  return ids;
}

ReplyFollowUp AfterClientReply(absl::Time received, absl::string_view subject,
                               absl::string_view text, int every_days) {
  ReplyFollowUp out;
  const int pause_days = std::max(1, every_days);
  out.paused_until = received + absl::Hours(24) * pause_days;
  out.title = "réponse du client à lire";
  out.text = absl::StrCat("Le client a répondu sans pièce jointe (« ", subject, " ») :\n\n", text,
                          "\n\nLes relances sont suspendues ", pause_days, " jours.");
  return out;
}

std::vector<BounceFollowUp> AfterBounce(const std::vector<std::string>& failed,
                                        const std::vector<std::string>& client_emails) {
  std::vector<BounceFollowUp> out;
  for (const std::string& address : failed) {
    std::string bad = absl::AsciiStrToLower(address);
    if (std::find(client_emails.begin(), client_emails.end(), bad) == client_emails.end()) continue;
    out.push_back({bad, "adresse e-mail en échec",
                   absl::StrCat("Une relance à ", bad,
                                " est revenue en erreur (rapport de non-remise). Corrigez "
                                "l'adresse du client.")});
  }
  return out;
}

}  // namespace liasse
