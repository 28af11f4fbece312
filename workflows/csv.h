// Writing CSV cells that spreadsheets open safely.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace liasse {

// One cell of a `;`-separated CSV line: quoted when it holds a separator,
// a quote or a line break. A text that a spreadsheet would run as a formula
// (starting with =, +, -, @, a tab or a carriage return — e.g. a supplier
// name "=HYPERLINK(…)") gets a leading apostrophe, as OWASP advises; plain
// numbers ("-12.50") are left as they are.
std::string CsvCell(absl::string_view text);

}  // namespace liasse
