#include "daemon/process/period_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "workflows/bank_entries.h"
#include "workflows/csv.h"
#include "workflows/date.h"
#include "workflows/names.h"

namespace liasse {
namespace {

namespace fs = std::filesystem;

// The original, by hash, into a new file at `to` (replaced if there).
absl::Status CopyOriginal(const Archive& archive, const std::string& sha256, const fs::path& to) {
  absl::StatusOr<UniqueFd> in = archive.Open(sha256);
  if (!in.ok()) return in.status();
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!out.valid()) return ErrnoStatus(errno, to.string());
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(in->get(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("read original ", sha256));
    if (n == 0) return absl::OkStatus();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), chunk + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return ErrnoStatus(errno, to.string());
      done += w;
    }
  }
}

absl::Status MakeDirectory(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

// A `done` document of the period, with its fields and the day it counts
// for (its date, else the day it came in).
struct DatedDocument {
  DocumentRecord doc;
  Fields fields;
  Date day;
};

// The client's `done` documents dated in `period`.
absl::StatusOr<std::vector<DatedDocument>> DoneInPeriod(DocumentTable* documents,
                                                        const std::string& client_id,
                                                        const Period& period, absl::TimeZone tz) {
  absl::StatusOr<std::vector<DocumentRecord>> docs =
      documents->ListDocuments({client_id, DocumentStatus::kDone, 0, 100000});
  if (!docs.ok()) return docs.status();
  std::vector<DatedDocument> out;
  for (DocumentRecord& d : *docs) {
    Fields fields = d.fields.value_or(Fields());
    Date day = fields.issue_date ? *fields.issue_date : LocalDate(d.received_at, tz);
    if (day < period.first || day > period.last) continue;
    out.push_back({std::move(d), std::move(fields), day});
  }
  return out;
}

}  // namespace

absl::StatusOr<int> ExportPeriod(DocumentTable* documents, CollectionTables* bank,
                                 const Archive& archive, const std::string& client_id,
                                 const Period& period, absl::TimeZone tz, const std::string& dir) {
  if (absl::Status st = MakeDirectory(dir); !st.ok()) return st;
  absl::StatusOr<std::vector<DatedDocument>> docs = DoneInPeriod(documents, client_id, period, tz);
  if (!docs.ok()) return docs.status();
  std::string index =
      "date;supplier;siren;type;direction;total_excl_tax;vat_by_rate;total_tax;total_incl_tax;"
      "bank_date;bank_label;bank_amount;document_id;file\r\n";
  int count = 0;
  std::set<std::string> used_names;
  for (const auto& [d, fields, day] : *docs) {
    std::string ext = fs::path(d.original_name).extension().string();
    if (ext.empty() || ext.size() > 6) ext = ".bin";
    std::string ttc = fields.total_incl_tax ? FormatDecimal(*fields.total_incl_tax) : "0.00";
    std::string base = absl::StrCat(FormatIsoDate(day), "_", AsciiSlug(fields.supplier_name), "_", ttc);
    std::string name = base + ext;
    for (int n = 2; !used_names.insert(name).second; ++n) name = absl::StrCat(base, "_", n, ext);
    if (absl::Status st = CopyOriginal(archive, d.sha256, fs::path(dir) / name); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("copy of document ", d.id, ": ", st.message()));
    }
    std::vector<std::string> rates;
    for (const TaxLine& t : fields.tax_breakdown) {
      rates.push_back(absl::StrCat(FormatRate(t.rate), "%=", FormatDecimal(t.amount)));
    }
    std::string bank_date, bank_label, bank_amount;
    if (absl::StatusOr<int64_t> txn = bank->BankTxnOfDocument(d.id); txn.ok() && *txn != 0) {
      if (absl::StatusOr<BankTxnRecord> t = bank->GetBankTxn(*txn); t.ok()) {
        bank_date = FormatIsoDate(t->date);
        bank_label = t->label;
        bank_amount = FormatDecimal(t->amount);
      }
    }
    auto money = [](const std::optional<Money>& m) { return m ? FormatDecimal(*m) : std::string(); };
    std::vector<std::string> row = {FormatIsoDate(day),
                                    fields.supplier_name,
                                    fields.supplier_siren,
                                    std::string(DocTypeName(d.doc_type)),
                                    std::string(DirectionName(fields.direction)),
                                    money(fields.total_excl_tax),
                                    absl::StrJoin(rates, " "),
                                    money(fields.total_tax),
                                    money(fields.total_incl_tax),
                                    bank_date,
                                    bank_label,
                                    bank_amount,
                                    absl::StrCat(d.id),
                                    name};
    for (std::string& cell : row) cell = CsvCell(cell);
    index += absl::StrJoin(row, ";") + "\r\n";
    ++count;
  }
  std::ofstream out(fs::path(dir) / "index.csv", std::ios::binary | std::ios::trunc);
  out << index;
  if (!out.flush()) return absl::InternalError("cannot write index.csv");
  return count;
}

namespace {

// The entry of a `done` invoice, credit note or receipt (ProposeEntry with
// what staff and the firm's books say of its third party, in euros from its
// bank movement when in another currency).
EntryProposal ProposeDocumentEntry(CollectionTables* bank, const DocumentRecord& d,
                                   const Fields& fields, const AccountPlan& plan,
                                   const std::map<std::string, std::string>& learned,
                                   const std::vector<KnownParty>& known) {
  EntryDocument entry_doc;
  entry_doc.id = d.id;
  entry_doc.type = d.doc_type;
  entry_doc.fields = fields;
  const KnownParty* party = FindKnownParty(d.doc_type, fields, known);
  if (auto it = learned.find(ThirdPartyAccount(d.doc_type, fields)); it != learned.end()) {
    entry_doc.account = it->second;  // staff's choice
  } else if (party) {
    entry_doc.account = party->account;  // the firm's books
  }
  if (party) {
    entry_doc.aux = party->aux;
    entry_doc.aux_label = party->label;
  }
  if (!fields.currency.empty() && fields.currency != "EUR") {
    if (absl::StatusOr<int64_t> txn = bank->BankTxnOfDocument(d.id); txn.ok() && *txn != 0) {
      if (absl::StatusOr<BankTxnRecord> t = bank->GetBankTxn(*txn); t.ok()) {
        entry_doc.eur_total = t->amount;
      }
    }
  }
  return ProposeEntry(entry_doc, plan);
}

bool MakesEntry(DocType type) {
  // Statements, payslips…: no purchase or sale entry.
  return type == DocType::kInvoice || type == DocType::kCreditNote || type == DocType::kReceipt;
}

}  // namespace

absl::StatusOr<PeriodEntries> ProposePeriodEntries(
    DocumentTable* documents, CollectionTables* bank, const std::string& client_id,
    const Period& period, absl::TimeZone tz, const AccountPlan& plan,
    const std::map<std::string, std::string>& learned, const std::vector<KnownParty>& known) {
  absl::StatusOr<std::vector<DatedDocument>> docs = DoneInPeriod(documents, client_id, period, tz);
  if (!docs.ok()) return docs.status();
  PeriodEntries out;
  std::map<int64_t, DocType> type_of;  // the period's documents
  for (const auto& [d, fields, day] : *docs) {
    type_of[d.id] = d.doc_type;
    if (!MakesEntry(d.doc_type)) continue;
    EntryProposal p = ProposeDocumentEntry(bank, d, fields, plan, learned, known);
    if (p.entry) {
      out.pieces[d.id] = {d.sha256, d.original_name};
      out.entries.push_back(std::move(*p.entry));
    }
    if (!p.entry || !p.review.empty()) {
      out.review.push_back({d.id, 0, day, fields.supplier_name, d.doc_type,
                            fields.total_incl_tax, p.review});
    }
  }
  if (plan.bank_entries) {
    absl::StatusOr<std::vector<BankTxnRecord>> txns =
        bank->ListBankTxns(client_id, period.first, period.last);
    if (!txns.ok()) return txns.status();
    std::map<int64_t, const Entry*> entry_of;  // the period's entries, by document
    for (const Entry& e : out.entries) entry_of[e.document_id] = &e;
    // Credits nothing justifies yet: a customer's payment or a supplier's
    // refund of one of the period's entries, by amount and name.
    auto movement_of = [](const BankTxnRecord& t) {
      return BankMovement{t.id, t.account, t.date, t.amount, t.label};
    };
    std::vector<BankMovement> credits;
    for (const BankTxnRecord& t : *txns) {
      if (t.document_id == 0 && t.amount.cents > 0) credits.push_back(movement_of(t));
    }
    std::map<int64_t, int64_t> credited;  // movement → document
    for (const Match& m : MatchCredits(credits, out.entries)) credited[m.debit_id] = m.document_id;
    std::vector<Entry> payments;
    for (BankTxnRecord t : *txns) {
      if (auto it = credited.find(t.id); it != credited.end()) t.document_id = it->second;
      // What the movement settles: the period's document, or one of
      // another period (its entry proposed again for its third party).
      std::optional<SettledDocument> settled;
      std::optional<EntryProposal> elsewhere;
      if (t.document_id != 0) {
        settled = SettledDocument{t.document_id, DocType::kUnknown, nullptr};
        if (auto type = type_of.find(t.document_id); type != type_of.end()) {
          settled->type = type->second;
          if (auto it = entry_of.find(t.document_id); it != entry_of.end()) settled->entry = it->second;
        } else if (absl::StatusOr<DocumentRecord> d = documents->GetDocument(t.document_id);
                   d.ok() && d->status == DocumentStatus::kDone) {
          settled->type = d->doc_type;
          if (MakesEntry(d->doc_type)) {
            elsewhere = ProposeDocumentEntry(bank, *d, d->fields.value_or(Fields()), plan,
                                             learned, known);
            if (elsewhere->entry) settled->entry = &*elsewhere->entry;
          }
        } else if (!d.ok() && !absl::IsNotFound(d.status())) {
          return d.status();
        }
      }
      EntryProposal p = ProposeBankEntry(movement_of(t), settled ? &*settled : nullptr, plan);
      if (p.entry) payments.push_back(std::move(*p.entry));
      if (!p.entry || !p.review.empty()) {
        Unbooked u{t.document_id, t.id, t.date, t.label, DocType::kBankStatement, t.amount,
                   p.review};
        out.review.push_back(std::move(u));
      }
    }
    for (Entry& e : payments) out.entries.push_back(std::move(e));
    LetterPayments(&out.entries);
  }
  // Chronological, then by journal, document and movement: numbering
  // follows it.
  std::stable_sort(out.entries.begin(), out.entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.date, a.journal, a.document_id, a.bank_txn_id) <
           std::tie(b.date, b.journal, b.document_id, b.bank_txn_id);
  });
  return out;
}

absl::StatusOr<EntriesExport> ExportEntries(const PeriodEntries& proposed, const std::string& format,
                                            const std::string& siren, Date fiscal_year_end,
                                            const Archive& archive, const std::string& dir) {
  if (format != "fec" && format != "quadra") {
    return absl::InvalidArgumentError(absl::StrCat("no entries layout \"", format, "\""));
  }
  if (absl::Status st = MakeDirectory(dir); !st.ok()) return st;
  const std::vector<Entry>& entries = proposed.entries;
  std::string review = "document_id;date;supplier;type;total_incl_tax;reason;bank_txn_id\r\n";
  for (const Unbooked& u : proposed.review) {
    auto id = [](int64_t n) { return n == 0 ? std::string() : absl::StrCat(n); };
    std::vector<std::string> row = {id(u.document_id),
                                    FormatIsoDate(u.date),
                                    u.supplier,
                                    u.bank_txn_id ? "bank_movement" : std::string(DocTypeName(u.type)),
                                    u.total ? FormatDecimal(*u.total) : "",
                                    absl::StrJoin(u.reasons, " ; "),
                                    id(u.bank_txn_id)};
    for (std::string& cell : row) cell = CsvCell(cell);
    review += absl::StrJoin(row, ";") + "\r\n";
  }
  EntriesExport out;
  out.to_review = static_cast<int>(proposed.review.size());
  out.entries = static_cast<int>(entries.size());
  for (const Entry& e : entries) {
    if (e.bank_txn_id != 0) {
      out.exported.by_bank_txn[e.bank_txn_id] = FecLines(e);
    } else {
      out.exported.by_document[e.document_id] = FecLines(e);
    }
  }
  std::string text;
  if (format == "fec") {
    out.path = (fs::path(dir) / FecFileName(siren, fiscal_year_end)).string();
    text = ToLatin9(FormatFec(entries));
  } else {
    // Each piece as NNNNNNNN.ext, the 8.3 name Quadra's line holds.
    std::map<int64_t, std::string> files;
    for (const auto& [id, piece] : proposed.pieces) {
      std::string ext = absl::AsciiStrToLower(fs::path(piece.original_name).extension().string());
      if (ext == ".jpeg") ext = ".jpg";
      if (ext == ".tiff") ext = ".tif";
      if (ext.size() != 4) ext = ".bin";
      std::string name = absl::StrFormat("%08d%s", id % 100000000, ext);
      if (absl::Status st = CopyOriginal(archive, piece.sha256, fs::path(dir) / name); !st.ok()) {
        return absl::Status(st.code(), absl::StrCat("copy of document ", id, ": ", st.message()));
      }
      files[id] = name;
    }
    absl::StatusOr<std::string> quadra = FormatQuadra(entries, files, nullptr);
    if (!quadra.ok()) return quadra.status();
    out.path = (fs::path(dir) / "quadra.txt").string();
    text = *std::move(quadra);
  }
  for (const auto& [name, content] : {std::pair{out.path, text},
                                      std::pair{(fs::path(dir) / "a_revoir.csv").string(), review}}) {
    std::ofstream file(name, std::ios::binary | std::ios::trunc);
    file << content;
    if (!file.flush()) return absl::InternalError(absl::StrCat("cannot write ", name));
  }
  return out;
}

}  // namespace liasse
