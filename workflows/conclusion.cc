#include "workflows/conclusion.h"

#include "absl/strings/str_join.h"

namespace liasse {

Conclusion ConcludeDocument(bool client_known, const std::vector<Check>& checks,
                            DocType doc_type) {
  Conclusion c;
  if (!client_known) {
    c.reason = "unknown_sender";
    c.checks = std::vector<Check>{{"unknown_sender", false, "error",
                                   "Expéditeur inconnu : à rattacher à un client.",
                                   "Unknown sender: assign the document to a client."}};
    return c;
  }
  std::vector<std::string> failed;
  bool unreadable = false;
  bool date_off = false;
  for (const Check& check : checks) {
    if (check.ok || check.severity != "error") continue;
    failed.push_back(check.code);
    unreadable = unreadable || check.code == "readable";
    date_off = date_off || check.code == "date_plausible";
  }
  if (!failed.empty()) {
    c.reason = absl::StrJoin(failed, ", ");
    // What the client can fix themselves is asked of them; the rest waits
    // for staff.
    if (unreadable) {
      c.follow_up = FollowUp::kAskAgain;
      c.ask_fr = "le scan est illisible, merci d'en envoyer une copie plus nette";
      c.ask_en = "the scan cannot be read, please send a sharper copy";
    } else if (date_off) {
      c.follow_up = FollowUp::kAskAgain;
      c.ask_fr =
          "la date ne correspond pas à la période attendue, merci de vérifier le document";
      c.ask_en = "the date does not match the expected period, please check the document";
    }
    return c;
  }
  if (doc_type == DocType::kUnknown) {
    c.reason = "unclassified";
    std::vector<Check> with = checks;
    with.push_back({"unclassified", false, "warning",
                    "Type de document ou montants non déterminés : à vérifier.",
                    "Document type or amounts not determined: please check."});
    c.checks = std::move(with);
    return c;
  }
  c.done = true;
  c.follow_up = FollowUp::kFile;
  return c;
}

}  // namespace liasse
