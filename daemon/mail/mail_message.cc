#include "daemon/mail/mail_message.h"

#include <gmime/gmime.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ocr/reader.h"

namespace liasse {
namespace {

constexpr size_t kMaxBodyText = 20000;
constexpr int kMaxNesting = 5;

void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string Lower(const char* s) { return s ? absl::AsciiStrToLower(s) : ""; }

void AddAddresses(InternetAddressList* list, std::vector<std::string>* out) {
  if (!list) return;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
      out->push_back(Lower(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))));
    } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
      AddAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out);
    }
  }
}

std::string PartBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return "";
  GMimeStream* stream = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(content, stream);
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  std::string out(reinterpret_cast<const char*>(array->data), array->len);
  g_object_unref(stream);
  return out;
}

bool WorthReading(const std::string& type, const std::string& bytes) {
  if (type == "application/pdf" || absl::StartsWith(type, "image/") ||
      type == "application/xml" || type == "text/xml") {
    return true;
  }
  if (type == "application/octet-stream" || type == "application/x-pdf" ||
      type == "binary/octet-stream" || type == "application/download") {
    // Recognised by content, never by the name.
    std::string mime = SniffMime(bytes);
    return mime == "application/pdf" || absl::StartsWith(mime, "image/") ||
           mime == "text/xml" || mime == "application/xml";
  }
  return false;
}

struct Walk {
  MailMessage* out;
  int depth;
};

void Visit(GMimeObject* parent, GMimeObject* part, gpointer data);

void WalkMessage(GMimeMessage* message, MailMessage* out, int depth) {
  Walk walk{out, depth};
  g_mime_message_foreach(message, Visit, &walk);
}

void Visit(GMimeObject*, GMimeObject* part, gpointer data) {
  Walk* walk = static_cast<Walk*>(data);
  MailMessage* out = walk->out;
  GMimeContentType* ct = g_mime_object_get_content_type(part);
  std::string type = ct ? absl::StrCat(Lower(g_mime_content_type_get_media_type(ct)), "/",
                                       Lower(g_mime_content_type_get_media_subtype(ct)))
                        : "application/octet-stream";
  if (type == "multipart/report") out->facts.delivery_report = true;
  if (GMIME_IS_MESSAGE_PART(part)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
    if (inner && walk->depth < kMaxNesting) WalkMessage(inner, out, walk->depth + 1);
    return;
  }
  if (!GMIME_IS_PART(part)) return;
  GMimePart* leaf = GMIME_PART(part);
  const char* filename = g_mime_part_get_filename(leaf);
  const char* disposition = g_mime_object_get_disposition(part);
  bool attachment = (disposition && absl::EqualsIgnoreCase(disposition, "attachment")) ||
                    (filename && *filename);
  if (!attachment && type == "text/plain" && out->body_text.empty() && walk->depth == 0) {
    GMimeTextPart* text = GMIME_IS_TEXT_PART(part) ? GMIME_TEXT_PART(part) : nullptr;
    char* utf8 = text ? g_mime_text_part_get_text(text) : nullptr;
    if (utf8) {
      out->body_text =
          std::string(absl::StripAsciiWhitespace(std::string(utf8).substr(0, kMaxBodyText)));
      g_free(utf8);
    }
    return;
  }
  if (!attachment) return;
  std::string bytes = PartBytes(leaf);
  if (bytes.empty() || !WorthReading(type, bytes)) return;
  out->attachments.push_back({filename ? filename : "", type, std::move(bytes)});
}

}  // namespace

absl::StatusOr<MailMessage> ParseMailMessage(absl::string_view bytes) {
  InitGMime();
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  GMimeParserOptions* options = g_mime_parser_options_new();
  g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
  GMimeMessage* message = g_mime_parser_construct_message(parser, options);
  g_mime_parser_options_free(options);
  g_object_unref(parser);
  g_object_unref(stream);
  if (!message) return absl::InvalidArgumentError("not a MIME message");
  MailMessage out;
  std::vector<std::string> from;
  InternetAddressList* from_list = g_mime_message_get_from(message);
  AddAddresses(from_list, &from);
  if (!from.empty()) out.from = from.front();
  if (from_list && internet_address_list_length(from_list) > 0) {
    const char* name = internet_address_get_name(internet_address_list_get_address(from_list, 0));
    if (name) out.from_name = name;
  }
  AddAddresses(g_mime_message_get_to(message), &out.to);
  AddAddresses(g_mime_message_get_cc(message), &out.to);
  GMimeObject* top = GMIME_OBJECT(message);
  if (const char* delivered = g_mime_object_get_header(top, "Delivered-To")) {
    out.to.push_back(Lower(delivered));
  }
  if (const char* s = g_mime_message_get_subject(message)) out.subject = s;
  if (const char* id = g_mime_message_get_message_id(message)) out.message_id = id;
  if (const char* h = g_mime_object_get_header(top, "In-Reply-To")) out.in_reply_to = h;
  if (const char* h = g_mime_object_get_header(top, "References")) out.references = h;
  out.facts.subject = out.subject;
  if (const char* h = g_mime_object_get_header(top, "Auto-Submitted")) out.facts.auto_submitted = h;
  if (const char* h = g_mime_object_get_header(top, "Precedence")) out.facts.precedence = h;
  out.facts.x_autoreply = g_mime_object_get_header(top, "X-Autoreply") != nullptr ||
                          g_mime_object_get_header(top, "X-Autorespond") != nullptr;
  WalkMessage(message, &out, 0);
  out.facts.attachments = static_cast<int>(out.attachments.size());
  g_object_unref(message);
  return out;
}

}  // namespace liasse
