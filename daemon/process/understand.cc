#include "daemon/process/understand.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/record_json.h"
#include "daemon/llm/llm_chain.h"
#include "workflows/identifiers.h"
#include "workflows/llm_policy.h"
#include "workflows/text_fields.h"

namespace liasse {
namespace {

// The validators' view of a document read now (`today` from `now`, UTC).
std::vector<Check> CheckDocument(DocType doc_type, const Fields& fields,
                                 std::optional<double> ocr_confidence,
                                 double min_ocr_confidence, int64_t now_unix_seconds) {
  ValidationInput in;
  in.doc_type = doc_type;
  in.fields = fields;
  in.ocr_confidence = ocr_confidence;
  in.min_ocr_confidence = min_ocr_confidence;
  in.today = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(
      std::chrono::sys_seconds{std::chrono::seconds{now_unix_seconds}})};
  return Validate(in);
}

// A PDF's text layer (an e-invoice's printed pages included) reads what was
// printed; OCR, alone or for some pages, may misread.
TextOrigin OriginOf(const ExtractedDocument& doc) {
  return doc.text.source == "text_layer" || doc.text.source == "einvoice" ? TextOrigin::kTextLayer
                                                                         : TextOrigin::kOcr;
}

bool Priced(DocType type) {
  return type == DocType::kInvoice || type == DocType::kReceipt || type == DocType::kCreditNote;
}

}  // namespace

std::string SupplierKey(const Fields& f) {
  if (!f.supplier_siren.empty()) return "siren:" + f.supplier_siren.substr(0, 9);
  if (!f.supplier_vat.empty()) return "vat:" + NormalizeIdentifier(f.supplier_vat);
  std::string letters;
  for (char c : f.supplier_name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      letters.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return letters.size() >= 3 ? "name:" + letters : "";
}

Understanding Understand(const ExtractedDocument& doc, const UnderstandOptions& options,
                         int64_t now_unix_seconds, LlmChain* llm,
                         const std::string& content_hash) {
  Understanding u;
  auto finish = [&](Understanding& out) {
    out.fields.direction = InvoiceDirection(out.fields, options.client);
    return out;
  };
  if (doc.analysis.einvoice) {
    u.doc_type = EInvoiceDocType(doc.analysis.einvoice->fields);
    u.fields = doc.analysis.einvoice->fields;
    u.sure = true;  // exact: the XML says it
    u.decided_by = "einvoice";
    u.checks = CheckDocument(u.doc_type, u.fields, doc.text.ocr_confidence,
                             options.min_ocr_confidence, now_unix_seconds);
    const EInvoice& inv = *doc.analysis.einvoice;
    if (std::optional<Check> profile = EInvoiceProfileCheck(inv.profile)) {
      u.checks.push_back(std::move(*profile));
    }
    if (std::optional<Check> reform = EInvoiceReformCheck(
            u.fields, {inv.billing_context, inv.vat_point_code, inv.delivery_address})) {
      u.checks.push_back(std::move(*reform));
    }
    // A Factur-X is also a printed invoice: its total, when the rules read
    // it with confidence, must be the XML's.
    if (!doc.text.text.empty()) {
      TextFields printed = ExtractFieldsFromText(doc.text.text, {}, OriginOf(doc));
      const bool printed_sure = printed.fields_confidence >= options.rules_confidence;
      if (std::optional<Check> hybrid =
              HybridTotalCheck(u.fields, printed.fields.total_incl_tax, printed_sure)) {
        u.checks.push_back(std::move(*hybrid));
      }
      // A MINIMUM Factur-X has no VAT breakdown: one rate that makes its
      // totals and is printed on its page fills it.
      if (u.fields.tax_breakdown.empty() && u.fields.total_excl_tax && u.fields.total_tax) {
        if (std::optional<TaxLine> line = PrintedSingleRate(
                *u.fields.total_excl_tax, *u.fields.total_tax, doc.text.text)) {
          u.fields.tax_breakdown.push_back(*line);
        }
      }
    }
    return finish(u);
  }
  std::vector<std::string> unsure_words;
  for (const PageText& page : doc.text.page_texts) {
    for (const OcrWord& w : page.unsure_words) {
      if (w.confidence < options.min_word_confidence) unsure_words.push_back(w.text);
    }
  }
  TextFields rules = ExtractFieldsFromText(doc.text.text, unsure_words, OriginOf(doc));
  u.doc_type = rules.doc_type;
  u.fields = rules.fields;
  u.type_confidence = rules.type_confidence;
  u.fields_confidence = rules.fields_confidence;
  u.decided_by = "rules";
  u.total_evidence = rules.total_evidence;
  u.date_evidence = rules.date_evidence;
  if (options.learned_type && rules.type_confidence < options.rules_confidence) {
    if (DocType learned = options.learned_type(rules.fields); learned != DocType::kUnknown) {
      u.doc_type = learned;
      u.type_confidence = 1.0;
      u.decided_by = "learned";
    }
  }
  // Priced documents also need their total and date read with confidence.
  u.sure = u.doc_type != DocType::kOther && u.type_confidence >= options.rules_confidence &&
           (!Priced(u.doc_type) || rules.fields_confidence >= options.rules_confidence);
  if (!u.sure && !options.open_debits.empty() && u.fields.total_incl_tax &&
      u.fields.issue_date &&
      (Priced(u.doc_type) || u.doc_type == DocType::kOther)) {
    // A bank debit of the client's confirms the total, the date and the
    // supplier: a second, independent reading of the same purchase.
    MatchDocument d{0, *u.fields.issue_date, *u.fields.total_incl_tax, u.fields.currency,
                    u.fields.supplier_name};
    if (ConfirmingDebit(d, options.open_debits, options.matching)) {
      if (u.doc_type == DocType::kOther) u.doc_type = DocType::kReceipt;
      u.sure = true;
      u.type_confidence = std::max(u.type_confidence, options.rules_confidence);
      u.fields_confidence = std::max(u.fields_confidence, options.rules_confidence);
      u.decided_by = "rules+bank";
      u.total_evidence = "bank debit";
    }
  }
  u.checks = CheckDocument(u.sure ? u.doc_type : DocType::kUnknown, u.fields,
                           doc.text.ocr_confidence, options.min_ocr_confidence, now_unix_seconds);
  if (RulesDecide(u.sure, u.checks)) return finish(u);
  u.llm_needed = true;
  if (!llm || llm->empty() || !options.llm_allowed) return finish(u);

  LlmRequest request;
  request.content_hash = content_hash;
  request.text = doc.text.text;
  for (const PageText& page : doc.text.page_texts) {
    if (!page.preview_jpeg.empty()) {
      request.image_jpeg = page.preview_jpeg;
      break;
    }
  }
  request.candidates = u.fields;
  request.candidates_type = std::string(DocTypeName(u.doc_type));
  LlmResult answer = llm->Propose(request);
  u.llm_errors = answer.errors;
  if (!answer.proposal) return finish(u);  // every provider failed: the rules stand

  const LlmProposal& p = *answer.proposal;
  Understanding m;
  m.llm_needed = true;
  m.llm_errors = answer.errors;
  m.decided_by = absl::StrCat("llm:", answer.provider);
  m.doc_type = p.doc_type;
  m.fields = MergeProposal(u.fields, p.fields);
  m.type_confidence = p.confidence;
  m.fields_confidence = p.confidence;
  m.sure = m.doc_type != DocType::kOther && p.confidence >= options.rules_confidence;
  m.checks = CheckDocument(m.sure ? m.doc_type : DocType::kUnknown, m.fields,
                           doc.text.ocr_confidence, options.min_ocr_confidence, now_unix_seconds);
  // A model that saw the image may read right what OCR misread: its figures
  // must hold together and be in the OCR text up to one confusion each — or
  // be confirmed by one of the client's debits.
  Check grounded = GroundingCheck(p.fields, doc.text.text, answer.read_from_image);
  if (answer.read_from_image) {
    m.checks.push_back(FiguresHoldTogether(p.fields, Priced(p.doc_type)));
    if (!grounded.ok && m.fields.total_incl_tax && m.fields.issue_date &&
        ConfirmingDebit({0, *m.fields.issue_date, *m.fields.total_incl_tax, m.fields.currency,
                         m.fields.supplier_name},
                        options.open_debits, options.matching)) {
      grounded.ok = true;
      grounded.message_fr = "Montant et date confirmés par un débit bancaire du client.";
      grounded.message_en = "Total and date confirmed by a bank debit of the client.";
    }
  }
  m.checks.push_back(grounded);
  // What the rules read with confidence and found wrong stays wrong.
  for (const Check& binding : BindingRuleFailures(u.checks)) {
    bool present = false;
    for (Check& c : m.checks) {
      if (c.code == binding.code) {
        present = true;
        if (c.ok) c = binding;
      }
    }
    if (!present) m.checks.push_back(binding);
  }
  return finish(m);
}

}  // namespace liasse
