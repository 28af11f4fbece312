#include "daemon/store/rows.h"

#include <nlohmann/json.hpp>

#include "daemon/base/record_json.h"
#include "workflows/date.h"
#include "workflows/document_status.h"

namespace liasse {
namespace {

// A stored YYYY-MM-DD; 1970-01-01 when unreadable (a bug or a newer schema).
Date DateOrEpoch(const std::string& text) {
  absl::StatusOr<Date> d = ParseIsoDate(text);
  return d.ok() ? *d : Date{std::chrono::year{1970}, std::chrono::January, std::chrono::day{1}};
}

}  // namespace

DocumentRecord ReadDocument(const Stmt& s) {
  DocumentRecord d;
  d.id = s.Int(0);
  d.client_id = s.Text(1);
  d.sha256 = s.Text(2);
  d.source = s.Text(3);
  d.original_name = s.Text(4);
  d.received_at = TimeOrEpoch(s.Text(5));
  d.mime = s.Text(6);
  d.size_bytes = s.Int(7);
  d.pages = static_cast<int>(s.Int(8));
  d.text_source = ParseTextSource(s.Text(9));
  if (!s.IsNull(10)) d.ocr_confidence = s.Double(10);
  d.doc_type = ParseDocType(s.Text(11)).value_or(DocType::kOther);
  // JSON text: "" when none; an unreadable column reads as none.
  if (std::string fields_json = s.Text(12); !fields_json.empty()) {
    absl::StatusOr<Fields> fields =
        FieldsFromJson(nlohmann::json::parse(fields_json, nullptr, false));
    if (fields.ok()) d.fields = std::move(*fields);
  }
  // An unknown status in the database is a bug or a newer schema; show it as
  // needing review rather than pretending it is fresh.
  d.status = ParseDocumentStatus(s.Text(13)).value_or(DocumentStatus::kNeedsReview);
  d.status_reason = s.Text(14);
  d.attempts = static_cast<int>(s.Int(15));
  d.checks = ChecksFromJson(nlohmann::json::parse(s.Text(16), nullptr, false));
  d.updated_at = TimeOrEpoch(s.Text(17));
  return d;
}

ClientRecord ReadClient(const Stmt& s) {
  ClientRecord c;
  c.id = s.Text(0);
  c.name = s.Text(1);
  c.legal_names = FromJsonList(s.Text(2));
  c.siren = s.Text(3);
  c.vat = s.Text(4);
  c.language = s.Text(5);
  c.emails = FromJsonList(s.Text(6));
  c.domains = FromJsonList(s.Text(7));
  c.folder = s.Text(8);
  c.manager = s.Text(9);
  c.paused = s.Int(10) != 0;
  c.in_config = s.Int(11) != 0;
  return c;
}

bool SameClient(const ClientRecord& a, const ClientRecord& b) {
  return a.name == b.name && a.legal_names == b.legal_names &&
         a.siren == b.siren && a.vat == b.vat && a.language == b.language &&
         a.emails == b.emails && a.domains == b.domains &&
         a.folder == b.folder && a.manager == b.manager &&
         a.paused == b.paused && a.in_config == b.in_config;
}

ItemRecord ReadItem(const Stmt& s) {
  ItemRecord i;
  i.id = s.Int(0);
  i.client_id = s.Text(1);
  i.period = s.Text(2);
  i.kind = s.Text(3);
  i.label = s.Text(4);
  i.account = s.Text(5);
  i.due_date = DateOrEpoch(s.Text(6));
  // An unknown state is a newer schema or a bug: shown open, so it is not lost.
  i.state = ParseItemState(s.Text(7)).value_or(ItemState::kOpen);
  i.document_id = s.Int(8);
  i.bank_txn_id = s.Int(9);
  i.amount = Money{s.Int(10)};
  if (!s.Text(11).empty()) i.txn_date = DateOrEpoch(s.Text(11));
  i.reason = s.Text(12);
  return i;
}

BankTxnRecord ReadTxn(const Stmt& s) {
  BankTxnRecord t;
  t.id = s.Int(0);
  t.client_id = s.Text(1);
  t.account = s.Text(2);
  t.date = DateOrEpoch(s.Text(3));
  t.amount = Money{s.Int(4)};
  t.label = s.Text(5);
  t.fingerprint = s.Text(6);
  t.document_id = s.Int(7);
  return t;
}

// One row of `SELECT seq, ts, kind, client_id, document_id, payload`.
EventRecord ReadEvent(const Stmt& s) {
  EventRecord e;
  e.seq = s.Int(0);
  e.ts = TimeOrEpoch(s.Text(1));
  e.kind = s.Text(2);
  e.client_id = s.Text(3);
  e.document_id = s.Int(4);
  e.payload_json = s.Text(5);
  return e;
}

OutboxRecord ReadOutbox(const Stmt& s) {
  OutboxRecord r;
  r.id = s.Int(0);
  r.client_id = s.Text(1);
  r.kind = s.Text(2);
  r.slot = s.Text(3);
  r.items_json = s.Text(4);
  r.recipients_json = s.Text(5);
  r.message_id = s.Text(6);
  r.message = s.Text(7);
  r.state = ParseOutboxState(s.Text(8)).value_or(OutboxState::kUnknown);
  r.attempts = static_cast<int>(s.Int(9));
  r.next_attempt_at = s.Text(10).empty() ? absl::InfiniteFuture() : TimeOrEpoch(s.Text(10));
  r.last_error = s.Text(11);
  r.created_at = TimeOrEpoch(s.Text(12));
  if (!s.Text(13).empty()) r.sent_at = TimeOrEpoch(s.Text(13));
  return r;
}

}  // namespace liasse
