#include "daemon/mail/reminder_mail.h"

#include <gmime/gmime.h>

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "workflows/date.h"

namespace liasse {
namespace {

namespace mustache = kainjow::mustache;

mustache::data ToData(const nlohmann::json& j) {
  if (j.is_object()) {
    mustache::data d{mustache::data::type::object};
    for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), ToData(*it));
    return d;
  }
  if (j.is_array()) {
    mustache::data list{mustache::data::type::list};
    for (const auto& v : j) list.push_back(ToData(v));
    return list;
  }
  if (j.is_boolean()) return j.get<bool>() ? mustache::data::type::bool_true
                                           : mustache::data::type::bool_false;
  if (j.is_string()) return mustache::data(j.get<std::string>());
  if (j.is_null()) return mustache::data::type::bool_false;
  return mustache::data(j.dump());
}

// The template text: templates_dir/name, else the compiled-in default.
std::optional<std::string> LoadTemplate(const std::string& dir, const std::string& name) {
  if (!dir.empty()) {
    std::ifstream in(std::filesystem::path(dir) / name);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
  }
  auto it = DefaultTemplates().find(name);
  if (it == DefaultTemplates().end()) return std::nullopt;
  return it->second;
}

void InitGMimeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

void SetHeader(GMimeObject* o, const char* name, const std::string& value) {
  g_mime_object_set_header(o, name, value.c_str(), "utf-8");
}

GMimePart* TextPart(const char* subtype, const std::string& body) {
  GMimePart* part = GMIME_PART(g_mime_text_part_new_with_subtype(subtype));
  g_mime_text_part_set_text(GMIME_TEXT_PART(part), body.c_str());
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return part;
}

}  // namespace

absl::StatusOr<RenderedText> RenderTemplates(const std::string& templates_dir,
                                             const std::string& base, const std::string& language,
                                             const nlohmann::json& data) {
  mustache::data values = ToData(data);
  RenderedText out;
  std::string lang = language;
  if (!LoadTemplate(templates_dir, absl::StrCat(base, ".", lang, ".txt.mustache"))) lang = "fr";
  for (const char* part : {"subject", "txt", "html"}) {
    std::string name = absl::StrCat(base, ".", lang, ".", part, ".mustache");
    std::optional<std::string> text = LoadTemplate(templates_dir, name);
    if (!text) {
      if (std::string(part) == "html") continue;
      return absl::NotFoundError(absl::StrCat("template ", name, " not found"));
    }
    mustache::mustache tmpl(*text);
    if (!tmpl.is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("template ", name, ": ", tmpl.error_message()));
    }
    // Plain text and subjects are not HTML: no escaping there.
    if (std::string(part) != "html") tmpl.set_custom_escape([](const std::string& s) { return s; });
    std::string rendered = tmpl.render(values);
    if (std::string(part) == "subject") {
      out.subject = std::string(absl::StripAsciiWhitespace(rendered));
    } else if (std::string(part) == "txt") {
      out.text = rendered;
    } else {
      out.html = rendered;
    }
  }
  return out;
}

std::string BuildMessage(const OutgoingMail& mail) {
  InitGMimeOnce();
  GMimeMessage* message = g_mime_message_new(TRUE);
  InternetAddressList* from = g_mime_message_get_from(message);
  if (InternetAddressList* parsed = internet_address_list_parse(nullptr, mail.from.c_str())) {
    internet_address_list_append(from, parsed);
    g_object_unref(parsed);
  }
  InternetAddressList* to = g_mime_message_get_addresses(message, GMIME_ADDRESS_TYPE_TO);
  // The lists take their own reference of each address.
  auto add = [](InternetAddressList* list, const std::string& addr) {
    InternetAddress* mailbox = internet_address_mailbox_new(nullptr, addr.c_str());
    internet_address_list_add(list, mailbox);
    g_object_unref(mailbox);
  };
  for (const std::string& addr : mail.to) add(to, addr);
  if (!mail.reply_to.empty()) add(g_mime_message_get_reply_to(message), mail.reply_to);
  g_mime_message_set_subject(message, mail.subject.c_str(), "utf-8");
  g_mime_message_set_message_id(message, mail.message_id.c_str());
  GDateTime* date = g_date_time_new_from_unix_utc(absl::ToUnixSeconds(mail.date));
  g_mime_message_set_date(message, date);
  g_date_time_unref(date);
  GMimeObject* obj = GMIME_OBJECT(message);
  SetHeader(obj, "Auto-Submitted", "auto-generated");
  SetHeader(obj, "X-Auto-Response-Suppress", "All");
  if (mail.urgent) {
    SetHeader(obj, "Importance", "high");
    SetHeader(obj, "X-Priority", "1");
  }
  GMimePart* text = TextPart("plain", mail.text);
  if (mail.html.empty()) {
    g_mime_message_set_mime_part(message, GMIME_OBJECT(text));
  } else {
    GMimeMultipart* alt = g_mime_multipart_new_with_subtype("alternative");
    g_mime_multipart_add(alt, GMIME_OBJECT(text));
    GMimePart* html = TextPart("html", mail.html);
    g_mime_multipart_add(alt, GMIME_OBJECT(html));
    g_object_unref(html);
    g_mime_message_set_mime_part(message, GMIME_OBJECT(alt));
    g_object_unref(alt);
  }
  g_object_unref(text);
  GMimeFormatOptions* format = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
  char* bytes = g_mime_object_to_string(obj, format);
  std::string out = bytes ? bytes : "";
  g_free(bytes);
  g_mime_format_options_free(format);
  g_object_unref(message);
  return out;
}

std::string PlusAddress(const std::string& address, const std::string& tag) {
  size_t at = address.rfind('@');
  if (at == std::string::npos || tag.empty()) return address;
  std::string local = address.substr(0, at);
  size_t plus = local.find('+');
  if (plus != std::string::npos) local.erase(plus);
  return absl::StrCat(local, "+", tag, address.substr(at));
}

std::string FormatAmount(int64_t cents, const std::string& language) {
  int64_t a = cents < 0 ? -cents : cents;
  std::string units = absl::StrCat(a / 100);
  std::string grouped;
  for (size_t i = 0; i < units.size(); ++i) {
    if (i > 0 && (units.size() - i) % 3 == 0) grouped += (language == "fr" ? "\u00a0" : ",");
    grouped.push_back(units[i]);
  }
  std::string sign = cents < 0 ? "-" : "";
  if (language == "fr") return absl::StrFormat("%s%s,%02d\u00a0€", sign, grouped, a % 100);
  return absl::StrFormat("%s€%s.%02d", sign, grouped, a % 100);
}

std::string FormatDay(const std::string& iso, const std::string& language) {
  if (language != "fr" || iso.size() != 10) return iso;
  return absl::StrCat(iso.substr(8, 2), "/", iso.substr(5, 2), "/", iso.substr(0, 4));
}

std::string FormatDay(std::chrono::year_month_day day, const std::string& language) {
  return FormatDay(FormatIsoDate(day), language);
}

}  // namespace liasse
