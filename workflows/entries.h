// Proposed accounting entries: what a filed invoice, credit note or receipt
// means in the client's books (French plan comptable général), and the FEC
// layout (article A47 A-1 of the Livre des procédures fiscales) they are
// exported in for import by accounting software. Pure: a document's typed
// fields and the client's accounts in; one balanced entry out, or the
// reasons a person must decide.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "workflows/doc_type.h"
#include "workflows/fields.h"
#include "workflows/money.h"

namespace liasse {

// The client's accounts ([accounting], firm defaults a client may
// override). Rates are in hundredths of a percent (2000 = 20 %).
struct AccountPlan {
  std::string purchases_journal = "HA";
  std::string sales_journal = "VT";
  std::string suppliers = "401";  // control accounts; the third party
  std::string customers = "411";  // goes in the auxiliary account
  // What a new auxiliary account is made of, in order of preference (see
  // AuxAccount): "siren", "vat", "name".
  std::vector<std::string> aux_from = {"siren", "vat", "name"};
  // VAT by rate; a rate with no account sends the document to review.
  std::map<int64_t, std::string> vat_deductible = {
      {2000, "44566"}, {1000, "44566"}, {850, "44566"}, {550, "44566"}, {210, "44566"}};
  std::map<int64_t, std::string> vat_collected = {
      {2000, "44571"}, {1000, "44571"}, {850, "44571"}, {550, "44571"}, {210, "44571"}};
  // Reverse charge (VAT category AE or K on a purchase): the client
  // declares the VAT and deducts it, both lines.
  std::string vat_reverse_charge_due = "4452";
  std::string vat_reverse_charge_deductible = "445662";
  // VAT on fixed assets (a charge account of class 2).
  std::string vat_fixed_assets = "44562";
  // The share of VAT that may be deducted, by charge account prefix (the
  // longest matching prefix counts), in hundredths of a percent: 8000 for
  // diesel or petrol for passenger cars, 0 for the cars themselves,
  // lodging, gifts above the ceiling. The rest is part of the charge.
  std::map<std::string, int64_t> vat_deductible_share;
  // Small equipment (accounts starting with one of `small_equipment`)
  // above `fixed_asset_threshold` excluding VAT is a fixed asset: proposed
  // on `fixed_assets` and sent to a person for the asset register.
  std::vector<std::string> small_equipment = {"6063"};
  Money fixed_asset_threshold{50000};
  std::string fixed_assets = "2183";
  // A purchase's charge account by document type (invoice, receipt,
  // credit_note); `expense` otherwise.
  std::map<std::string, std::string> expense_by_type = {{"receipt", "606"}};
  std::string expense = "607";
  std::string revenue = "706";
  // A down payment invoice (type 386): its base on these instead of a
  // charge or revenue, VAT as usual; the final invoice is booked in full
  // and a person clears the down payment against the third party.
  std::string down_payments_paid = "4091";
  std::string down_payments_received = "4191";
  // The client pays VAT on what it cashes (services, the default regime):
  // a sale's VAT waits on `vat_collected_pending` until the customer pays.
  bool sales_vat_on_payment = false;
  std::string vat_collected_pending = "44574";
  // A sale's revenue account by VAT category (BT-118) when it differs:
  // e.g. G (exports, sales to the DOM from mainland France) or K (intra-EU
  // supplies of goods).
  std::map<std::string, std::string> revenue_by_vat_category;
  // Differences of at most a cent per VAT rate between the total and its
  // lines (rounding by the issuer).
  std::string rounding_charge = "658";
  std::string rounding_product = "758";
  // The bank journal (see ProposeBankEntry): each bank movement of the
  // period on `bank`, or the account of its IBAN (no spaces, capitals), the
  // other side on the third party of the document it was matched with,
  // `salaries` for a payslip's net pay, the account of the `bank_labels`
  // key found in its label (fees, social charges…), else on
  // `suspense` for a person. `bank_entries = false` leaves bank movements
  // to the accounting software's own bank feed.
  bool bank_entries = true;
  std::string bank_journal = "BQ";
  std::string bank = "512";
  std::map<std::string, std::string> bank_accounts;
  std::map<std::string, std::string> bank_labels;
  std::string salaries = "421";
  std::string suspense = "471";
};

struct EntryLine {
  std::string account;        // CompteNum
  std::string account_label;  // CompteLib
  std::string aux;            // CompAuxNum: the third party, on 401/411 only
  std::string aux_label;      // CompAuxLib
  Money debit;
  Money credit;
  std::optional<int64_t> vat_rate;  // on base and VAT lines
  // The amount in the document's currency when it is not the euro
  // (Montantdevise, Idevise).
  std::optional<Money> foreign_amount;
  std::string currency;
  // EcritureLet, DateLet: the same code on an invoice's third-party line
  // and on the payment's that settles it (LetterPayments).
  std::string lettering;
  std::optional<std::chrono::year_month_day> lettering_date;
};

struct Entry {
  std::string journal;
  std::string journal_label;
  std::chrono::year_month_day date{};  // the document's date (EcritureDate, PieceDate)
  std::optional<std::chrono::year_month_day> due_date;
  std::string piece_ref;               // the invoice number, else "DOC<id>"
  std::string label;                   // EcritureLib: third party and number
  // The document the entry books; on a bank movement's entry, the document
  // it settles (0 when none).
  int64_t document_id = 0;
  // A bank movement's entry (the bank journal): the movement; 0 otherwise.
  int64_t bank_txn_id = 0;
  std::vector<EntryLine> lines;
};

struct EntryDocument {
  int64_t id = 0;
  DocType type = DocType::kUnknown;
  Fields fields;
  // The charge or revenue account staff chose for this third party (see
  // ThirdPartyAccount); "" = the plan's.
  std::string account;
  // What the bank debited or credited for it, in euros, when the document
  // is in another currency: the entry is booked for that amount.
  std::optional<Money> eur_total;
  // The firm's own auxiliary account for the third party when it has one
  // (FindKnownParty); "" = AuxAccount's.
  std::string aux;
  std::string aux_label;
};

struct EntryProposal {
  // Balanced to the cent; none when the document does not say enough.
  std::optional<Entry> entry;
  // Why a person must look (there may still be an entry to check).
  std::vector<std::string> review;
};

// The one entry a document gives: the third party for the total including
// VAT (BT-112, not the amount due after a deposit), one charge or revenue
// line per VAT rate's base, one VAT line per rate; a credit note (its type,
// or negative totals) the other way round.
EntryProposal ProposeEntry(const EntryDocument& doc, const AccountPlan& plan);

// The third party's auxiliary account: "F" (supplier) or "C" (customer)
// then its SIREN, else its VAT number, else its name in capitals (letters
// and digits, at most 17 characters) — in the order of `from`; the name
// when none of those is known. Stable: the same party, the same account.
std::string AuxAccount(Direction direction, const std::string& siren, const std::string& vat,
                       const std::string& name,
                       const std::vector<std::string>& from = {"siren", "vat", "name"});

// One line of a FEC (the columns the import reads).
struct FecLine {
  std::string journal;       // JournalCode
  std::string entry_number;  // EcritureNum
  std::string account;       // CompteNum
  std::string aux;           // CompAuxNum
  std::string aux_label;     // CompAuxLib
  Money debit;
  Money credit;
};

// A third party the firm already has in its books: its auxiliary account
// and name, its control account (401…, 411…), and the charge or revenue
// account its entries use most ("" when none).
struct KnownParty {
  std::string aux;
  std::string label;
  std::string control;
  std::string account;
  friend bool operator==(const KnownParty&, const KnownParty&) = default;
};

// The third parties of a FEC's lines, by auxiliary account: for each, the
// class 6, 7 or 2 account that carries the largest amount in each of its
// entries (JournalCode + EcritureNum), the one most entries use.
std::vector<KnownParty> LearnThirdParties(const std::vector<FecLine>& lines);

// The known party the document's third party is (the supplier of a
// purchase, the customer of a sale): same SIREN or VAT number inside its
// auxiliary account or name, else the same name once accents, case,
// punctuation and the legal form (SARL, SAS…) are set aside; on a control
// account of the right side (40… for a purchase, 41… for a sale). Null
// when none is, or when several different ones are.
const KnownParty* FindKnownParty(DocType type, const Fields& fields,
                                 const std::vector<KnownParty>& known);

// A company name for comparing: ASCII capitals and digits, without
// accents, punctuation or legal form. "Boulangerie l'Épi d'Or SARL" →
// "BOULANGERIELEPIDOR".
std::string CompanyNameKey(const std::string& name);

// An account number as accounting software takes it: 1 to 20 letters and
// digits.
bool IsAccountNumber(const std::string& account);

// The auxiliary account of the document's third party (the supplier of a
// purchase, the customer of a sale; a receipt is a purchase): the key under
// which staff's account choices are remembered. "" when the document does
// not say whether it is a purchase or a sale.
std::string ThirdPartyAccount(DocType type, const Fields& fields);

// The FEC layout's 18 columns for `entries`, in order: header line, then one
// line per entry line, tab-separated, CRLF, dates AAAAMMJJ, amounts with a
// decimal comma; EcritureNum numbered 1, 2… per export in the order given;
// EcritureLet and DateLet from the lines' lettering; ValidDate empty (proposed, not validated). UTF-8; see ToLatin9.
std::string FormatFec(const std::vector<Entry>& entries);

// The Quadra ASCII layout (Cegid QuadraCOMPTA, "Fichier d'entrée ASCII dans
// QuadraCOMPTA"; positions as Dolibarr's exportQuadratus, reviewed
// 2023-10-12, writes them): one "C" line per third party (its 8-character
// code, name, control account), then one fixed-width "M" line of 231
// characters per entry line — account or third party code in 8, journal in
// 2, date JJMMAA, label in 20, D/C, amount in cents on 12 digits, due date,
// the entry's number as piece number, currency (EUR: a document in another
// currency is written for its amount in euros; the FEC layout keeps the
// other), journal in 3, label in 30, the invoice number's last 10
// characters, and the piece's file name (8.3, from `pieces` by document
// id). ISO 8859-15, CRLF.
// Accounts longer than 8 characters cannot be written: InvalidArgument.
// Third-party codes longer than 8 become the party's prefix and the first
// letters of its name, numbered when two collide; `codes` receives them.
absl::StatusOr<std::string> FormatQuadra(const std::vector<Entry>& entries,
                                         const std::map<int64_t, std::string>& pieces,
                                         std::map<std::string, std::string>* codes);

// `entry`'s lines in the FEC layout, without the header and numbered 1:
// what an export compares with the last one to tell what changed.
std::string FecLines(const Entry& entry);

// `utf8` in ISO 8859-15 (Latin-9: é, €, œ…); characters it lacks become '?'.
std::string ToLatin9(const std::string& utf8);

// "SIRENFECAAAAMMJJ.txt" for the fiscal year ending `year_end`.
std::string FecFileName(const std::string& siren, std::chrono::year_month_day year_end);

}  // namespace liasse
