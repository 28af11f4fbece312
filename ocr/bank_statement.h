// Bank statements as banks export them — CSV (French exports: `;`, decimal
// commas, separate débit/crédit columns, Windows-1252 or UTF-8), OFX 1.x
// (SGML) and 2.x (XML), CFONB 120 and CAMT.053, and the text layer of PDF
// statements — read into typed movements (workflows/bank_matching.h). Bytes
// in, movements out; a malformed file is refused whole, with line and
// column.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workflows/bank_matching.h"
#include "workflows/fields.h"

namespace liasse {

// `format`: "" (detect), csv, ofx, cfonb120, camt053. CSV columns are found
// by their header names; "csv:date=1,label=3,debit=4,credit=5" (or
// amount=N) names them by position (1-based) for files without a header.
absl::StatusOr<BankStatement> ParseBankStatement(absl::string_view bytes, const std::string& format);

// Best effort on the text layer of a PDF statement (`pdftotext -layout`
// style): movements are lines that start with a date and end with an
// amount, signed by the Débit / Crédit column they sit under; the opening
// and closing balances come from their labels. Accepted only when opening +
// movements = closing, to the cent: FailedPrecondition otherwise (a person
// checks), NotFound when the text has no balances or no movements.
absl::StatusOr<BankStatement> ParseStatementText(absl::string_view text);

// Windows-1252 bytes → UTF-8 (text that is valid UTF-8 already is returned
// as is).
std::string ToUtf8(absl::string_view bytes);

// The format of a statement file dropped among the documents, from its
// name and first bytes: "csv", "ofx", "camt053" or "cfonb120". NotFound
// when it is not a statement file (a PDF statement is read as a document).
absl::StatusOr<std::string> StatementFileFormat(absl::string_view file_name,
                                                absl::string_view bytes);

// A statement as a bank_statement document's fields: the account (its IBAN
// when valid) and the date of its last movement.
Fields StatementFields(const BankStatement& statement);

}  // namespace liasse
