#include "daemon/process/period_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

}  // namespace

absl::StatusOr<int> ExportPeriod(DocumentTable* documents, CollectionTables* bank,
                                 const Archive& archive, const std::string& client_id,
                                 const Period& period, absl::TimeZone tz, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  absl::StatusOr<std::vector<DocumentRecord>> docs =
      documents->ListDocuments({client_id, DocumentStatus::kDone, 0, 100000});
  if (!docs.ok()) return docs.status();
  std::string index =
      "date;supplier;siren;type;direction;total_excl_tax;vat_by_rate;total_tax;total_incl_tax;"
      "bank_date;bank_label;bank_amount;document_id;file\r\n";
  int count = 0;
  std::set<std::string> used_names;
  for (const DocumentRecord& d : *docs) {
    Fields fields = d.fields.value_or(Fields());
    Date day = fields.issue_date ? *fields.issue_date : LocalDate(d.received_at, tz);
    if (day < period.first || day > period.last) continue;
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

}  // namespace liasse
