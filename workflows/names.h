// Untrusted file names (attachments, uploads, dropped files) are shown to
// people but never become paths: storage paths come from content hashes.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace liasse {

// A display name: the last path component only, control characters and NUL
// removed, invalid UTF-8 replaced, whitespace trimmed, at most 200 bytes (cut
// on a character boundary, keeping the extension when there is one). Never
// empty: "document" when nothing is left; never "." or "..".
std::string SanitizeDisplayName(absl::string_view raw);

// A name to save a server-given file under in the user's directory: the
// display name without leading dots (never a dotfile such as ".bashrc").
std::string SafeLocalName(absl::string_view raw);

// "facture.pdf", 2 → "facture (2).pdf"; n ≤ 1 gives the name itself.
std::string NumberedName(absl::string_view name, int n);

// A word for file names and Message-IDs: ASCII letters and digits, runs of
// anything else one '-', at most about 40 characters; "inconnu" when nothing
// is left. "Boulangerie Paul & Fils" → "Boulangerie-Paul-Fils".
std::string AsciiSlug(absl::string_view text);

// Temporary or partial names that writers leave while a file is incomplete:
// dotfiles, "~$x.docx", "*.part", "*.tmp", "*.crdownload", "*.partial",
// "*.swp", "*~".
bool IsTemporaryFileName(absl::string_view name);

}  // namespace liasse
