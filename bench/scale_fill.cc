// liasse-scale-fill: fills a state dir's database for bench/scale.py with the
// daemon's own store code (Store::ImportDocuments, EnsureItem, InsertOutbox):
// documents in the shapes the pipeline leaves (fields, status, text), one
// `received` and one `status` event each, two years of monthly statement
// items per client and six sent reminders. Zipf-like: the first `big`
// clients get `big_documents` each, the others share the rest.
//
//   liasse-scale-fill DB CLIENTS DOCUMENTS [BIG BIG_DOCUMENTS]
//
// The clients c00000… must exist (liassed syncs them from the bench config).
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "daemon/store/store.h"
#include "workflows/clock.h"
#include "workflows/date.h"

namespace liasse {
namespace {

class NowClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "liasse-scale-fill: %s\n", std::string(st.message()).c_str());
  return 1;
}

int Fill(const std::string& db, int clients, int64_t documents, int big, int64_t big_documents) {
  NowClock clock;
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(db, &clock);
  if (!opened.ok()) return Fail(opened.status());
  Store& store = **opened;
  std::mt19937 rng(7);
  int64_t small = std::max<int64_t>(1, (documents - big * big_documents) / std::max(1, clients - big));
  const DocumentStatus statuses[] = {DocumentStatus::kDone, DocumentStatus::kNeedsReview,
                                     DocumentStatus::kQuarantined};
  std::discrete_distribution<int> status_of({90, 8, 2});
  std::uniform_int_distribution<int> amount_of(5, 5000);
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  std::string detail;
  for (int i = 0; i < 8; ++i) detail += "ligne de détail\n";
  int64_t doc = 0;
  absl::Time t0 = absl::Now();
  for (int c = 0; c < clients; ++c) {
    std::string client = absl::StrFormat("c%05d", c);
    int64_t n = c < big ? big_documents : std::max<int64_t>(1, small * spread(rng));
    std::vector<ImportedDocument> batch;
    for (int64_t k = 0; k < n; ++k) {
      ++doc;
      int amount = amount_of(rng);
      ImportedDocument d;
      d.doc.client_id = client;
      d.doc.sha256 = absl::StrFormat("%064x", doc);
      d.doc.source = "folder";
      d.doc.original_name = absl::StrCat("facture-", doc, ".pdf");
      d.doc.mime = "application/pdf";
      d.doc.size_bytes = 20000 + doc % 5000;
      Fields f;
      f.supplier_name = absl::StrCat("Fournisseur ", doc % 400);
      f.invoice_number = absl::StrCat("F-", doc);
      f.issue_date = std::chrono::year_month_day(std::chrono::year(2026), std::chrono::month(10),
                                                 std::chrono::day(doc % 28 + 1));
      f.currency = "EUR";
      f.total_excl_tax = Money{int64_t{amount} * 100};
      f.total_tax = Money{int64_t{amount / 5} * 100};
      f.total_incl_tax = Money{int64_t{amount + amount / 5} * 100};
      f.direction = Direction::kPurchase;
      DocumentStatus status = statuses[status_of(rng)];
      d.update.status = status;
      d.update.pages = 1;
      d.update.text_source = TextSource::kTextLayer;
      d.update.doc_type = DocType::kInvoice;
      d.update.fields = f;
      d.update.text = absl::StrCat("FACTURE\nFournisseur ", doc % 400, "\nTotal TTC ",
                                   amount + amount / 5, ",00 EUR\n", detail);
      d.event_payload = absl::StrCat(R"({"from":"received","to":")", DocumentStatusName(status),
                                     R"("})");
      batch.push_back(std::move(d));
      if (batch.size() == 5000) {
        if (absl::StatusOr<int> st = store.ImportDocuments(batch); !st.ok()) return Fail(st.status());
        batch.clear();
      }
    }
    if (absl::StatusOr<int> st = store.ImportDocuments(batch); !st.ok()) return Fail(st.status());
    // Two years of monthly statements, due the 10th after; the last three open.
    for (int m = 0; m < 24; ++m) {
      int year = 2025 + m / 12;
      unsigned month = m % 12 + 1;
      ItemRecord item;
      item.client_id = client;
      item.period = absl::StrFormat("%d-%02d", year, month);
      item.kind = "bank_statement";
      item.due_date = std::chrono::year_month_day(
          std::chrono::year(month < 12 ? year : year + 1),
          std::chrono::month(month < 12 ? month + 1 : 1), std::chrono::day(10));
      absl::StatusOr<std::pair<int64_t, bool>> id = store.EnsureItem(item);
      if (!id.ok()) return Fail(id.status());
      if (m < 21 && id->second) {
        if (absl::Status st = store.ReceiveItem(id->first, doc); !st.ok()) return Fail(st);
      }
    }
    for (int m = 1; m <= 6; ++m) {
      OutboxRecord r;
      r.client_id = client;
      r.kind = "reminder";
      r.slot = absl::StrFormat("2026-%02d#1", m);
      r.recipients_json = absl::StrFormat(R"(["c%d@example.fr"])", c);
      r.message_id = absl::StrFormat("r%d-%d@bench", c, m);
      r.message = "Subject: relance\r\n\r\n" + std::string(800, 'x');
      absl::StatusOr<int64_t> id = store.InsertOutbox(r);
      if (absl::IsAlreadyExists(id.status())) continue;
      if (!id.ok()) return Fail(id.status());
      for (auto [from, to] : {std::pair{OutboxState::kScheduled, OutboxState::kSending},
                              std::pair{OutboxState::kSending, OutboxState::kSent}}) {
        if (absl::Status st = store.SetOutboxState(*id, from, to, "", absl::InfinitePast());
            !st.ok()) {
          return Fail(st);
        }
      }
    }
    if (c % 500 == 499) {
      std::fprintf(stderr, "  filled %d clients, %lld documents (%.0f s)\n", c + 1,
                   static_cast<long long>(doc), absl::ToDoubleSeconds(absl::Now() - t0));
    }
  }
  std::printf("%lld\n", static_cast<long long>(doc));
  return 0;
}

}  // namespace
}  // namespace liasse

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: liasse-scale-fill DB CLIENTS DOCUMENTS [BIG BIG_DOCUMENTS]\n");
    return 2;
  }
  return liasse::Fill(argv[1], std::atoi(argv[2]), std::atoll(argv[3]),
                      argc == 6 ? std::atoi(argv[4]) : 10, argc == 6 ? std::atoll(argv[5]) : 20000);
}
