#include "daemon/base/record_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ocr/read_error.h"
#include "workflows/date.h"

namespace liasse {
namespace {

using nlohmann::json;

json MoneyOrNull(const std::optional<Money>& m) {
  return m ? json(FormatDecimal(*m)) : json(nullptr);
}

json DateOrNull(const std::optional<std::chrono::year_month_day>& d) {
  return d ? json(FormatIsoDate(*d)) : json(nullptr);
}

json StringOrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

std::string GetString(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

absl::Status GetMoney(const json& j, const char* key, std::optional<Money>* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return absl::InvalidArgumentError(absl::StrCat(key, ": not a string"));
  absl::StatusOr<int64_t> cents = ParseScaledDecimal(it->get<std::string>(), 2);
  if (!cents.ok()) return cents.status();
  *out = Money{*cents};
  return absl::OkStatus();
}

absl::Status GetDate(const json& j, const char* key,
                     std::optional<std::chrono::year_month_day>* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return absl::InvalidArgumentError(absl::StrCat(key, ": not a string"));
  absl::StatusOr<std::chrono::year_month_day> d = ParseIsoDate(it->get<std::string>());
  if (!d.ok()) return d.status();
  *out = *d;
  return absl::OkStatus();
}

absl::string_view KindName(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kPdf: return "pdf";
    case DocumentKind::kXml: return "xml";
    case DocumentKind::kImage: return "image";
    case DocumentKind::kTiff: return "tiff";
    case DocumentKind::kHeic: return "heic";
  }
  return "pdf";
}

}  // namespace

json FieldsToJson(const Fields& f) {
  json tax = json::array();
  for (const TaxLine& t : f.tax_breakdown) {
    json line = {{"rate", FormatRate(t.rate)},
                 {"base", FormatDecimal(t.base)},
                 {"amount", FormatDecimal(t.amount)}};
    // Only when known: most readings of receipts do not tell.
    if (!t.category.empty()) line["category"] = t.category;
    if (!t.exemption_reason.empty()) line["exemption_reason"] = t.exemption_reason;
    if (!t.exemption_reason_code.empty()) {
      line["exemption_reason_code"] = t.exemption_reason_code;
    }
    tax.push_back(std::move(line));
  }
  return {{"supplier_name", StringOrNull(f.supplier_name)},
          {"supplier_siren", StringOrNull(f.supplier_siren)},
          {"supplier_vat", StringOrNull(f.supplier_vat)},
          {"invoice_number", StringOrNull(f.invoice_number)},
          {"issue_date", DateOrNull(f.issue_date)},
          {"due_date", DateOrNull(f.due_date)},
          {"currency", StringOrNull(f.currency)},
          {"total_excl_tax", MoneyOrNull(f.total_excl_tax)},
          {"total_tax", MoneyOrNull(f.total_tax)},
          {"total_incl_tax", MoneyOrNull(f.total_incl_tax)},
          {"amount_due", MoneyOrNull(f.amount_due)},
          {"total_tax_eur", MoneyOrNull(f.total_tax_eur)},
          {"iban", StringOrNull(f.iban)},
          {"type_code", StringOrNull(f.type_code)},
          {"buyer_name", StringOrNull(f.buyer_name)},
          {"buyer_siren", StringOrNull(f.buyer_siren)},
          {"buyer_vat", StringOrNull(f.buyer_vat)},
          {"direction", StringOrNull(std::string(DirectionName(f.direction)))},
          {"tax_breakdown", tax}};
}

absl::StatusOr<Fields> FieldsFromJson(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("fields: not an object");
  Fields f;
  f.supplier_name = GetString(j, "supplier_name");
  f.supplier_siren = GetString(j, "supplier_siren");
  f.supplier_vat = GetString(j, "supplier_vat");
  f.invoice_number = GetString(j, "invoice_number");
  f.currency = GetString(j, "currency");
  f.iban = GetString(j, "iban");
  f.type_code = GetString(j, "type_code");
  f.buyer_name = GetString(j, "buyer_name");
  f.buyer_siren = GetString(j, "buyer_siren");
  f.buyer_vat = GetString(j, "buyer_vat");
  f.direction = ParseDirection(GetString(j, "direction"));
  for (auto [key, out] : {std::pair{"issue_date", &f.issue_date},
                          std::pair{"due_date", &f.due_date}}) {
    if (absl::Status st = GetDate(j, key, out); !st.ok()) return st;
  }
  for (auto [key, out] : {std::pair{"total_excl_tax", &f.total_excl_tax},
                          std::pair{"total_tax", &f.total_tax},
                          std::pair{"total_incl_tax", &f.total_incl_tax},
                          std::pair{"amount_due", &f.amount_due},
                          std::pair{"total_tax_eur", &f.total_tax_eur}}) {
    if (absl::Status st = GetMoney(j, key, out); !st.ok()) return st;
  }
  if (auto it = j.find("tax_breakdown"); it != j.end() && it->is_array()) {
    for (const json& t : *it) {
      TaxLine line;
      absl::StatusOr<int64_t> rate = ParseScaledDecimal(GetString(t, "rate"), 2);
      absl::StatusOr<int64_t> base = ParseScaledDecimal(GetString(t, "base"), 2);
      absl::StatusOr<int64_t> amount = ParseScaledDecimal(GetString(t, "amount"), 2);
      if (!rate.ok() || !base.ok() || !amount.ok()) {
        return absl::InvalidArgumentError("tax_breakdown: bad line");
      }
      line.rate = *rate;
      line.base = Money{*base};
      line.amount = Money{*amount};
      line.category = GetString(t, "category");
      line.exemption_reason = GetString(t, "exemption_reason");
      line.exemption_reason_code = GetString(t, "exemption_reason_code");
      f.tax_breakdown.push_back(line);
    }
  }
  return f;
}

json UnsureWordsToJson(const std::vector<OcrWord>& words) {
  json out = json::array();
  for (const OcrWord& w : words) out.push_back(json::array({w.text, w.confidence}));
  return out;
}

std::vector<OcrWord> UnsureWordsFromJson(const json& j) {
  std::vector<OcrWord> out;
  if (!j.is_array()) return out;
  for (const json& w : j) {
    if (out.size() >= static_cast<size_t>(kMaxUnsureWords)) break;
    if (w.is_array() && w.size() == 2 && w[0].is_string() && w[1].is_number()) {
      out.push_back({w[0].get<std::string>(), w[1].get<double>()});
    }
  }
  return out;
}

json PageTextToJson(const PageText& p) {
  json j = {{"index", p.index}, {"source", p.source}, {"text", p.text},
            {"words", p.words}, {"dpi", p.dpi}, {"rotated", p.rotated_degrees}};
  j["confidence"] = p.confidence ? json(*p.confidence) : json(nullptr);
  if (!p.preview_jpeg.empty()) j["preview_jpeg"] = absl::Base64Escape(p.preview_jpeg);
  if (!p.unsure_words.empty()) j["unsure_words"] = UnsureWordsToJson(p.unsure_words);
  return j;
}

PageText PageTextFromJson(const json& j) {
  PageText p;
  p.index = j.value("index", 0);
  p.source = j.value("source", "");
  p.text = j.value("text", "");
  p.words = j.value("words", 0);
  p.dpi = j.value("dpi", 0);
  p.rotated_degrees = j.value("rotated", 0);
  if (j.contains("confidence") && j["confidence"].is_number()) {
    p.confidence = j["confidence"].get<double>();
  }
  if (j.contains("unsure_words")) p.unsure_words = UnsureWordsFromJson(j["unsure_words"]);
  if (j.contains("preview_jpeg") && j["preview_jpeg"].is_string()) {
    std::string jpeg;
    if (absl::Base64Unescape(j["preview_jpeg"].get<std::string>(), &jpeg) &&
        jpeg.size() <= kMaxPreviewBytes) {
      p.preview_jpeg = std::move(jpeg);
    }
  }
  return p;
}

json AnalysisToJson(const DocumentAnalysis& a) {
  json pages = json::array();
  for (const PageText& p : a.text_pages) pages.push_back(PageTextToJson(p));
  json j = {{"mime", a.mime},       {"kind", KindName(a.kind)},
            {"pages", a.pages},     {"text_pages", pages},
            {"ocr_pages", a.ocr_pages}, {"notes", a.notes},
            {"einvoice_file", a.einvoice_file}};
  if (a.einvoice) {
    j["einvoice"] = {{"syntax", a.einvoice->syntax},
                     {"profile", a.einvoice->profile},
                     {"billing_context", a.einvoice->billing_context},
                     {"vat_point_code", a.einvoice->vat_point_code},
                     {"delivery_address", a.einvoice->delivery_address},
                     {"fields", FieldsToJson(a.einvoice->fields)}};
  }
  return j;
}

absl::StatusOr<DocumentAnalysis> AnalysisFromJson(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("analysis: not an object");
  DocumentAnalysis a;
  a.mime = j.value("mime", "");
  std::string kind = j.value("kind", "pdf");
  for (DocumentKind k : {DocumentKind::kPdf, DocumentKind::kXml, DocumentKind::kImage,
                         DocumentKind::kTiff, DocumentKind::kHeic}) {
    if (KindName(k) == kind) a.kind = k;
  }
  a.pages = j.value("pages", 0);
  for (const json& p : j.value("text_pages", json::array())) {
    a.text_pages.push_back(PageTextFromJson(p));
  }
  for (const json& p : j.value("ocr_pages", json::array())) {
    if (p.is_number_integer()) a.ocr_pages.push_back(p.get<int>());
  }
  for (const json& n : j.value("notes", json::array())) {
    if (n.is_string()) a.notes.push_back(n.get<std::string>());
  }
  a.einvoice_file = j.value("einvoice_file", "");
  if (j.contains("einvoice") && j["einvoice"].is_object()) {
    EInvoice inv;
    inv.syntax = j["einvoice"].value("syntax", "");
    inv.profile = j["einvoice"].value("profile", "");
    inv.billing_context = j["einvoice"].value("billing_context", "");
    inv.vat_point_code = j["einvoice"].value("vat_point_code", "");
    inv.delivery_address = j["einvoice"].value("delivery_address", "");
    absl::StatusOr<Fields> f = FieldsFromJson(j["einvoice"].value("fields", json::object()));
    if (!f.ok()) return f.status();
    inv.fields = std::move(*f);
    a.einvoice = std::move(inv);
  }
  return a;
}

std::vector<Check> ChecksFromJson(const json& checks) {
  std::vector<Check> out;
  if (!checks.is_array()) return out;
  for (const json& c : checks) {
    if (!c.is_object()) continue;
    Check check;
    check.code = c.value("code", "");
    check.ok = c.value("ok", true);
    check.severity = c.value("severity", "");
    check.message_fr = c.value("message_fr", "");
    check.message_en = c.value("message_en", "");
    out.push_back(std::move(check));
  }
  return out;
}

json ChecksToJson(const std::vector<Check>& checks) {
  json out = json::array();
  for (const Check& c : checks) {
    out.push_back({{"code", c.code},
                   {"ok", c.ok},
                   {"severity", c.severity},
                   {"message_fr", c.message_fr},
                   {"message_en", c.message_en}});
  }
  return out;
}

json ErrorToJson(const absl::Status& status) {
  std::optional<ReadErrorCode> code = GetReadErrorCode(status);
  return {{"code", code ? std::string(ReadErrorName(*code)) : std::string("internal")},
          {"message", std::string(status.message())}};
}

absl::Status ErrorFromJson(const json& j) {
  std::string code = j.value("code", "internal");
  std::string message = j.value("message", "");
  std::optional<ReadErrorCode> typed = ParseReadErrorName(code);
  if (typed) return ReadError(*typed, message);
  return absl::InternalError(message);
}

}  // namespace liasse
