#include "daemon/understand.h"

#include "daemon/fields_json.h"
#include "workflows/doc_type.h"
#include "workflows/text_fields.h"

namespace liasse {

Understanding Understand(const ExtractedDocument& doc, const UnderstandOptions& options,
                         int64_t now_unix_seconds) {
  Understanding u;
  if (doc.analysis.einvoice) {
    u.doc_type = EInvoiceDocType(doc.analysis.einvoice->fields);
    u.fields = doc.analysis.einvoice->fields;
    u.sure = true;  // exact: the XML says it
  } else {
    TextFields rules = ExtractFieldsFromText(doc.text.text);
    u.doc_type = rules.doc_type;
    u.fields = rules.fields;
    u.type_confidence = rules.type_confidence;
    u.fields_confidence = rules.fields_confidence;
    // Priced documents also need their total and date read with confidence.
    bool priced = u.doc_type == "invoice" || u.doc_type == "receipt" ||
                  u.doc_type == "credit_note";
    u.sure = u.doc_type != "other" && rules.type_confidence >= options.rules_confidence &&
             (!priced || rules.fields_confidence >= options.rules_confidence);
  }
  u.checks = CheckDocument(u.sure ? u.doc_type : "", u.fields, doc.text.ocr_confidence,
                           options.min_ocr_confidence, now_unix_seconds);
  return u;
}

}  // namespace liasse
