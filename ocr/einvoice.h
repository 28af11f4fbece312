// Structured e-invoices: UN/CEFACT CII (Factur-X / ZUGFeRD 2 / XRechnung CII),
// ZUGFeRD 1 (CrossIndustryDocument), UBL 2.1 Invoice and CreditNote. Exact:
// the fields come from the XML, never from OCR. XML from strangers is parsed
// without DTDs or entity expansion and within a size limit.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workflows/fields.h"

namespace liasse {

struct EInvoice {
  // Root element: CrossIndustryInvoice, CrossIndustryDocument, Invoice or
  // CreditNote.
  std::string syntax;
  // BT-24, the specification the invoice follows, as written: e.g.
  // "urn:cen.eu:en16931:2017", "urn:factur-x.eu:1p0:minimum",
  // "urn:factur-x.eu:1p0:basicwl"; "" when absent.
  std::string profile;
  // BT-23, the French "cadre de facturation" (B1 goods, S1 services, M1
  // both; B2/S2/M2 already paid…), as written; "" when absent.
  std::string billing_context;
  // BT-8, the VAT point date code as written: 5 (CII) or 3 (UBL) = the
  // issue date, i.e. the supplier pays VAT on debits.
  std::string vat_point_code;
  // The delivery address (BT-75…) on one line, when given and not the
  // buyer's own.
  std::string delivery_address;
  Fields fields;
};

inline constexpr size_t kMaxEInvoiceXmlBytes = 20 * 1024 * 1024;

// InvalidArgument: not well-formed, has a DTD, or larger than the limit.
// FailedPrecondition: well-formed XML that is not an invoice (an Order-X
// purchase order, say); the message names its root element.
absl::StatusOr<EInvoice> ParseEInvoiceXml(absl::string_view xml);

// True when `bytes` start like an XML document (after a BOM and whitespace).
bool LooksLikeXml(absl::string_view bytes);

}  // namespace liasse
