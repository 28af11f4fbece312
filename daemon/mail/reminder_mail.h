// E-mails Liasse writes: reminders to clients, escalations and the daily
// digest to staff. Text comes from mustache templates (kainjow-mustache):
// the defaults in templates/ are compiled in, a file of the same name in
// [reminders] templates_dir wins. Messages are built with GMime.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace liasse {

// name ("reminder.fr.txt.mustache") → template text, from templates/.
const std::map<std::string, std::string>& DefaultTemplates();

struct RenderedText {
  std::string subject;
  std::string text;
  std::string html;  // "" when the template set has no HTML part
};

// Renders `base`.`language`.{subject,txt,html}.mustache with `data` (JSON
// objects, lists, strings and booleans become mustache data); falls back to
// French when the language has no template. InvalidArgument names the
// template when one does not parse.
absl::StatusOr<RenderedText> RenderTemplates(const std::string& templates_dir,
                                             const std::string& base, const std::string& language,
                                             const nlohmann::json& data);

struct OutgoingMail {
  std::string from;
  std::vector<std::string> to;
  std::string reply_to;
  std::string subject;
  std::string text;
  std::string html;
  std::string message_id;  // without angle brackets
  absl::Time date;
  bool urgent = false;
};

// RFC 5322 bytes: multipart/alternative when there is HTML, with
// Auto-Submitted: auto-generated and X-Auto-Response-Suppress: All.
std::string BuildMessage(const OutgoingMail& mail);

// "collecte@cabinet.fr" + "acme" → "collecte+acme@cabinet.fr".
std::string PlusAddress(const std::string& address, const std::string& tag);

// "45,20 €" / "€45.20" by language.
std::string FormatAmount(int64_t cents, const std::string& language);
// "12/10/2026" (fr) or "2026-10-12" (en) from YYYY-MM-DD.
std::string FormatDay(const std::string& iso, const std::string& language);
std::string FormatDay(std::chrono::year_month_day day, const std::string& language);

}  // namespace liasse
