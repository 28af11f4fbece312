// A FEC file (fichier des écritures comptables, article A47 A-1 of the Livre
// des procédures fiscales) as accounting software writes it: the lines an
// import learns the firm's third parties and accounts from.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "workflows/entries.h"

namespace liasse {

// The lines of a FEC: header first, fields separated by tabs or '|',
// UTF-8 or Windows-1252/Latin-9, amounts with a decimal comma or point,
// either Debit and Credit columns or Montant and Sens (D/C, +1/-1).
// Columns are found by their header names, in any order. InvalidArgument
// naming the line for a missing column or a bad amount; at most 256 MiB.
absl::StatusOr<std::vector<FecLine>> ParseFecFile(absl::string_view bytes);

}  // namespace liasse
