// Reading the store's rows into records: the columns each SELECT lists and
// the function that reads them back. Internal to daemon/store/.
#pragma once

#include "daemon/store/sqlite.h"
#include "daemon/store/store.h"

namespace liasse {

inline constexpr char kDocumentColumns[] =
    "id, client_id, sha256, source, original_name, received_at, mime, "
    "size_bytes, pages, text_source, ocr_confidence, doc_type, fields, status, "
    "status_reason, attempts, checks, updated_at";

inline constexpr char kClientColumns[] =
    "id, name, legal_names, siren, vat, language, emails, domains, folder, "
    "manager, paused, in_config";

inline constexpr char kItemColumns[] =
    "id, client_id, period, kind, label, account, due_date, state, document_id, bank_txn_id, "
    "amount_cents, txn_date, reason";

inline constexpr char kTxnColumns[] =
    "id, client_id, account, date, amount_cents, label, fingerprint, document_id";

inline constexpr char kOutboxColumns[] =
    "id, client_id, kind, slot, items, recipients, message_id, message, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at";

DocumentRecord ReadDocument(const Stmt& s);
ClientRecord ReadClient(const Stmt& s);
bool SameClient(const ClientRecord& a, const ClientRecord& b);
ItemRecord ReadItem(const Stmt& s);
BankTxnRecord ReadTxn(const Stmt& s);
// One row of `SELECT seq, ts, kind, client_id, document_id, payload`.
EventRecord ReadEvent(const Stmt& s);
OutboxRecord ReadOutbox(const Stmt& s);

}  // namespace liasse
