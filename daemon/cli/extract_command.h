// `liasse extract`: reads documents without a running daemon, through the
// same Extractor as liassed, and prints what Liasse saw.
#pragma once

#include <string>
#include <vector>

namespace liasse {

struct ExtractArgs {
  std::vector<std::string> files;
  std::string config_path;  // "" = embedded default
  bool json = false;
  bool text = false;
  // Reads the printed page of an e-invoice PDF with the rules, as if no XML
  // were attached: measures the rules on text-layer invoices against the
  // XML's figures (bench/eval).
  bool ignore_einvoice = false;
  // Whose document: "purchase" (the client bought), "sale" (it sold), or ""
  // (the document's own direction, unknown without a client). The proposed
  // entry of an invoice needs it.
  std::string direction;
};

// Exit status: 0 all read, 3 some could not be read (see "error"), 2 bad
// config, 1 the extraction helpers could not start.
int RunExtractCommand(const ExtractArgs& args);

}  // namespace liasse
