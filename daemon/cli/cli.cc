#include "daemon/cli/cli.h"

#include <filesystem>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "daemon/store/backup.h"
#include "daemon/cli/extract_command.h"
#include "daemon/base/fs_util.h"
#include "liasse/v1/liasse.grpc.pb.h"
#include "workflows/document_status.h"
#include "workflows/names.h"

#ifndef LIASSE_VERSION
#define LIASSE_VERSION "0.0.0"
#endif

namespace liasse {
namespace {

namespace pb = ::liasse::v1;

struct Connection {
  std::string socket;
  std::string addr;
  std::string token_file;
  std::string ca_file;
  bool json = false;
};

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// --socket, then $LIASSE_SOCKET, then ./var/liasse.sock if present, then the
// installed service's socket.
std::string DiscoverSocket(const Connection& c) {
  if (!c.socket.empty()) return c.socket;
  if (const char* env = std::getenv("LIASSE_SOCKET"); env && *env) return env;
  if (PathExists("var/liasse.sock")) return "./var/liasse.sock";
  return "/run/liasse/liasse.sock";
}

std::string ReadSmallFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  *ok = static_cast<bool>(in);
  if (*ok) out << in.rdbuf();
  return out.str();
}

class Cli {
 public:
  explicit Cli(Connection c) : conn_(std::move(c)) {}

  // Prints one line and returns false when the daemon cannot be reached.
  bool Connect() {
    if (!conn_.addr.empty()) {
      target_ = conn_.addr;
      grpc::SslCredentialsOptions ssl;
      if (!conn_.ca_file.empty()) {
        bool ok = false;
        ssl.pem_root_certs = ReadSmallFile(conn_.ca_file, &ok);
        if (!ok) return Fail(absl::StrCat("cannot read --ca-file ", conn_.ca_file));
      }
      if (!conn_.token_file.empty()) {
        bool ok = false;
        std::string text = ReadSmallFile(conn_.token_file, &ok);
        if (!ok) {
          return Fail(absl::StrCat("cannot read --token-file ", conn_.token_file));
        }
        // The file holds the token, or a "ROLE TOKEN" line of the daemon's
        // token file: the last word is the token.
        absl::string_view t = absl::StripAsciiWhitespace(text);
        size_t space = t.find_last_of(" \t");
        token_ = std::string(space == absl::string_view::npos ? t
                                                             : t.substr(space + 1));
      }
      channel_ = grpc::CreateChannel(target_, grpc::SslCredentials(ssl));
    } else {
      target_ = DiscoverSocket(conn_);
      if (!PathExists(target_)) {
        return Fail(absl::StrCat("cannot reach liassed at ", target_,
                                 ": no such file — is it running?"));
      }
      channel_ = grpc::CreateChannel(absl::StrCat("unix:", target_),
                                     grpc::InsecureChannelCredentials());
    }
    stub_ = pb::Liasse::NewStub(channel_);
    return true;
  }

  int Status() {
    pb::Status out;
    auto ctx = Context();
    grpc::Status st = stub_->GetStatus(ctx.get(), pb::GetStatusRequest(), &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    std::printf("liassed %s at %s\n", out.version().c_str(), target_.c_str());
    std::printf("uptime     %s\n",
                absl::FormatDuration(absl::Seconds(out.uptime_seconds())).c_str());
    std::printf("config     %s\n", out.config_source().c_str());
    std::printf("state dir  %s\n", out.state_dir().c_str());
    std::printf("documents  %lld\n", static_cast<long long>(out.document_count()));
    for (const pb::QueueCount& q : out.queue()) {
      std::printf("  %-13s %lld\n", StatusName(q.status()).c_str(),
                  static_cast<long long>(q.count()));
    }
    std::printf("clients    %lld (liasse clients lists them)\n",
                static_cast<long long>(out.client_count()));
    if (out.llm_providers().empty()) {
      std::printf("llm        none (built-in rules only)\n");
    }
    for (const pb::LlmProviderStatus& l : out.llm_providers()) {
      std::printf("llm        %s (%s): %lld calls, %lld failures, %lld cache hits, "
                  "%lld+%lld tokens, mean %lld ms%s\n",
                  l.name().c_str(), l.model().c_str(), static_cast<long long>(l.calls()),
                  static_cast<long long>(l.failures()), static_cast<long long>(l.cache_hits()),
                  static_cast<long long>(l.prompt_tokens()),
                  static_cast<long long>(l.completion_tokens()),
                  static_cast<long long>(l.mean_latency_ms()),
                  l.breaker_open() ? ", circuit OPEN" : "");
      if (!l.last_error().empty()) std::printf("           last error: %s\n", l.last_error().c_str());
    }
    for (const pb::OAuthProfileStatus& o : out.oauth_profiles()) PrintOAuthProfile(o);
    return 0;
  }

  void PrintOAuthProfile(const pb::OAuthProfileStatus& o) {
    std::printf("oauth      %s (%s): %s%s\n", o.name().c_str(), o.grant().c_str(),
                o.has_token() ? absl::StrCat("token valid until ", FormatTs(o.valid_until())).c_str()
                              : "no token",
                o.has_last_renewal() ? absl::StrCat(", renewed ", FormatTs(o.last_renewal())).c_str()
                                     : "");
    if (!o.last_error().empty()) {
      std::printf("           %s%s\n", o.needs_person() ? "NEEDS A PERSON: " : "last error: ",
                  o.last_error().c_str());
    }
  }

  // `liasse oauth status`: the profiles only (no tokens are ever shown).
  int OAuthStatus() {
    pb::Status out;
    auto ctx = Context();
    grpc::Status st = stub_->GetStatus(ctx.get(), pb::GetStatusRequest(), &out);
    if (!st.ok()) return Report(st);
    if (out.oauth_profiles().empty() && !conn_.json) std::printf("no [[oauth]] profile\n");
    for (const pb::OAuthProfileStatus& o : out.oauth_profiles()) {
      if (conn_.json) {
        PrintJson(o);
      } else {
        PrintOAuthProfile(o);
      }
    }
    return 0;
  }

  // `liasse oauth login PROFILE`: the daemon runs the device login and keeps
  // the tokens; this prints where to go and waits for the person.
  int OAuthLogin(const std::string& profile) {
    pb::OAuthLoginRequest req;
    req.set_profile(profile);
    grpc::ClientContext ctx;
    if (!token_.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));
    auto reader = stub_->OAuthLogin(&ctx, req);
    pb::OAuthLoginProgress p;
    while (reader->Read(&p)) {
      if (conn_.json) {
        PrintJson(p);
      } else if (p.done()) {
        std::printf("Signed in: profile %s has a token valid until %s; the daemon renews it.\n",
                    profile.c_str(), FormatTs(p.valid_until()).c_str());
      } else if (p.user_code().empty()) {
        std::printf("Open this address in a browser and approve (until %s):\n%s\n",
                    FormatTs(p.code_expires_at()).c_str(), p.verification_uri().c_str());
        if (!p.message().empty()) std::printf("%s\n", p.message().c_str());
        std::printf("Waiting for the sign-in...\n");
      } else {
        std::printf("On any device, open %s and enter the code %s (valid until %s).\n",
                    p.verification_uri().c_str(), p.user_code().c_str(),
                    FormatTs(p.code_expires_at()).c_str());
        if (!p.message().empty()) std::printf("%s\n", p.message().c_str());
        std::printf("Waiting for the sign-in...\n");
      }
      std::fflush(stdout);
    }
    grpc::Status st = reader->Finish();
    return st.ok() ? 0 : Report(st);
  }

  int Clients() {
    std::vector<pb::Client> all;
    pb::ListClientsRequest req;
    req.set_page_size(500);
    while (true) {
      pb::ListClientsResponse resp;
      auto ctx = Context();
      grpc::Status st = stub_->ListClients(ctx.get(), req, &resp);
      if (!st.ok()) return Report(st);
      for (const auto& c : resp.clients()) all.push_back(c);
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    if (conn_.json) {
      for (const auto& c : all) PrintJson(c);
      return 0;
    }
    std::printf("%-20s %-30s %-10s %s\n", "ID", "NAME", "SIREN", "FOLDER");
    for (const auto& c : all) {
      std::printf("%-20s %-30s %-10s %s%s\n", c.id().c_str(),
                  c.display_name().c_str(), c.siren().c_str(),
                  c.folder().c_str(), c.in_config() ? "" : "  (not in config)");
    }
    return 0;
  }

  int Client(const std::string& id) {
    pb::GetClientRequest req;
    req.set_name(absl::StrCat("clients/", id));
    pb::Client out;
    auto ctx = Context();
    grpc::Status st = stub_->GetClient(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    std::printf("%s — %s\n", out.id().c_str(), out.display_name().c_str());
    if (!out.siren().empty()) std::printf("SIREN      %s\n", out.siren().c_str());
    if (!out.vat().empty()) std::printf("VAT        %s\n", out.vat().c_str());
    std::printf("language   %s\n", out.language().c_str());
    std::printf("emails     %s\n", absl::StrJoin(out.emails(), ", ").c_str());
    std::printf("folder     %s\n", out.folder().c_str());
    if (!out.manager().empty()) std::printf("manager    %s\n", out.manager().c_str());
    if (out.paused()) std::printf("paused     yes\n");
    std::printf("documents  %lld\n", static_cast<long long>(out.document_count()));
    for (const pb::QueueCount& q : out.documents_by_status()) {
      std::printf("  %-13s %lld\n", StatusName(q.status()).c_str(),
                  static_cast<long long>(q.count()));
    }
    std::printf("reminders  %d sent, next: %s\n", out.reminders_sent(),
                out.next_reminder_date().empty() ? "none planned" : out.next_reminder_date().c_str());
    if (!out.checklist().empty()) std::printf("checklist\n");
    for (const pb::Item& i : out.checklist()) PrintItem(i, false);
    return 0;
  }

  static void PrintItem(const pb::Item& i, bool with_client) {
    std::string amount;
    if (i.amount_cents() != 0) {
      amount = absl::StrFormat("%lld.%02lld", static_cast<long long>(i.amount_cents() / 100),
                               static_cast<long long>(std::llabs(i.amount_cents() % 100)));
    }
    std::printf("  %6lld  %-9s %s%-8s %-14s %-10s due %s  %s%s\n", static_cast<long long>(i.id()),
                i.status().c_str(), with_client ? (i.client() + "  ").c_str() : "",
                i.period().c_str(), i.kind().c_str(), amount.c_str(), i.due_date().c_str(),
                i.label().c_str(),
                i.document_id() ? absl::StrCat("  (document ", i.document_id(), ")").c_str() : "");
  }

  int Missing(const std::string& client, const std::string& as_of) {
    pb::ListMissingRequest req;
    req.set_client(client);
    req.set_as_of(as_of);
    req.set_page_size(1000);
    int n = 0;
    int64_t total = 0;
    while (true) {
      pb::ListMissingResponse out;
      auto ctx = Context();
      grpc::Status st = stub_->ListMissing(ctx.get(), req, &out);
      if (!st.ok()) return Report(st);
      for (const pb::Item& i : out.items()) {
        if (conn_.json) {
          PrintJson(i);
        } else {
          PrintItem(i, true);
        }
        ++n;
        total += i.amount_cents();
      }
      if (out.next_page_token().empty()) break;
      req.set_page_token(out.next_page_token());
    }
    if (!conn_.json) {
      std::printf("%d item(s) missing; receipts for %lld.%02lld in all\n", n,
                  static_cast<long long>(total / 100), static_cast<long long>(total % 100));
    }
    return 0;
  }

  int Remind(bool dry_run, const std::string& as_of, const std::string& client) {
    pb::SendRemindersRequest req;
    req.set_dry_run(dry_run);
    req.set_as_of(as_of);
    req.set_client(client);
    pb::SendRemindersResponse out;
    auto ctx = Context();
    grpc::Status st = stub_->SendReminders(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    for (const pb::RenderedEmail& e : out.emails()) {
      std::printf("=== %s → %s\nSubject: %s\nMessage-ID: <%s>\n\n%s\n", e.client().c_str(),
                  absl::StrJoin(e.to(), ", ").c_str(), e.subject().c_str(), e.message_id().c_str(),
                  e.text_body().c_str());
    }
    std::printf("%s: %d reminder(s), %d escalation(s)\n", dry_run ? "dry run" : "scheduled",
                dry_run ? out.emails_size() - out.escalations() : out.sent(), out.escalations());
    return 0;
  }

  int Waive(int64_t item, const std::string& reason) {
    pb::WaiveItemRequest req;
    req.set_item_id(item);
    req.set_reason(reason);
    pb::Item out;
    auto ctx = Context();
    grpc::Status st = stub_->WaiveItem(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    PrintItem(out, true);
    return 0;
  }

  int ImportBank(const std::string& client, const std::string& file, const std::string& format) {
    bool ok = false;
    std::string bytes = ReadSmallFile(file, &ok);
    if (!ok) return Fail(absl::StrCat("cannot read ", file));
    pb::ImportBankStatementRequest req;
    req.set_client(client);
    req.set_file_name(std::filesystem::path(file).filename().string());
    req.set_content(std::move(bytes));
    req.set_format(format);
    pb::ImportBankStatementResponse out;
    auto ctx = Context();
    grpc::Status st = stub_->ImportBankStatement(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    std::printf("%d transaction(s) added, %d already known, %d receipt(s) now expected\n",
                out.transactions_added(), out.transactions_skipped(), out.items_created());
    return 0;
  }

  int ImportFec(const std::string& client, const std::string& file) {
    bool ok = false;
    std::string bytes = ReadSmallFile(file, &ok);
    if (!ok) return Fail(absl::StrCat("cannot read ", file));
    pb::ImportFecRequest req;
    req.set_client(client);
    req.set_content(std::move(bytes));
    pb::ImportFecResponse out;
    auto ctx = Context();
    grpc::Status st = stub_->ImportFec(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    std::printf("%d line(s) read: %d third part%s known, %d with their usual account\n",
                out.lines(), out.third_parties(), out.third_parties() == 1 ? "y" : "ies",
                out.with_account());
    return 0;
  }

  int Export(const std::string& client, const std::string& period, const std::string& dir,
             const std::string& format) {
    pb::ExportPeriodRequest req;
    req.set_client(client);
    req.set_period(period);
    req.set_directory(std::filesystem::absolute(dir).string());
    req.set_format(format);
    // The daemon streams the files; they are written here, by the caller,
    // wherever the service itself may not write.
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(absl::StrCat("cannot create ", dir, ": ", ec.message()));
    auto ctx = Context();
    std::unique_ptr<grpc::ClientReader<pb::ExportChunk>> reader =
        stub_->DownloadExport(ctx.get(), req);
    pb::ExportChunk chunk;
    pb::ExportPeriodResponse out;
    std::ofstream file;
    std::string current;
    while (reader->Read(&chunk)) {
      if (chunk.has_summary()) {
        out = chunk.summary();
        continue;
      }
      if (chunk.name() != current) {
        // Only plain names the daemon made: never a path out of DIR.
        if (chunk.name().empty() || chunk.name() != SafeLocalName(chunk.name()) ||
            chunk.name().find('/') != std::string::npos) {
          ctx->TryCancel();
          return Fail(absl::StrCat("refused file name from the daemon: \"", chunk.name(), "\""));
        }
        file.close();
        current = chunk.name();
        file.open(std::filesystem::path(dir) / current, std::ios::binary | std::ios::trunc);
        if (!file) return Fail(absl::StrCat("cannot write ", dir, "/", current));
      }
      file.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
      if (!file) return Fail(absl::StrCat("cannot write ", dir, "/", current));
    }
    file.close();
    grpc::Status st = reader->Finish();
    if (!st.ok()) return Report(st);
    const std::filesystem::path written = req.directory();
    if (!out.path().empty()) out.set_path((written / out.path()).string());
    if (!out.index_path().empty()) out.set_index_path((written / out.index_path()).string());
    if (conn_.json) return PrintJson(out);
    if (format == "fec" || format == "quadra") {
      std::printf("%d entr%s proposed: %s\n", out.entries(), out.entries() == 1 ? "y" : "ies",
                  out.path().c_str());
      std::printf("since the last export of %s: %d added, %d changed, %d removed (%s/changes.csv)\n",
                  period.c_str(), out.added(), out.changed(), out.removed(),
                  req.directory().c_str());
      if (out.to_review() > 0) {
        std::printf(
            "%d document(s) or bank movement(s) to book or check by hand: %s/a_revoir.csv\n",
            out.to_review(), req.directory().c_str());
      }
      return 0;
    }
    std::printf("%d document(s) exported; index: %s\n", out.documents(), out.path().c_str());
    return 0;
  }

  int Entries(const std::string& client, const std::string& period, int page_size) {
    pb::ListEntriesRequest req;
    req.set_client(absl::StrCat("clients/", client));
    req.set_period(period);
    req.set_page_size(page_size);
    // Every page, as one answer.
    pb::ListEntriesResponse out;
    do {
      pb::ListEntriesResponse page;
      auto ctx = Context();
      grpc::Status st = stub_->ListEntries(ctx.get(), req, &page);
      if (!st.ok()) return Report(st);
      for (pb::AccountingEntry& e : *page.mutable_entries()) *out.add_entries() = std::move(e);
      for (pb::AccountingEntry& e : *page.mutable_to_review()) *out.add_to_review() = std::move(e);
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty());
    out.set_first_number(1);
    if (conn_.json) return PrintJson(out);
    int number = 0;
    // What an entry or a line to review is about.
    auto source = [](const pb::AccountingEntry& e) {
      if (e.bank_txn_id() == 0) return absl::StrCat("document ", e.document_id());
      std::string s = absl::StrCat("bank movement ", e.bank_txn_id());
      if (e.document_id() != 0) absl::StrAppend(&s, ", document ", e.document_id());
      return s;
    };
    for (const pb::AccountingEntry& e : out.entries()) {
      std::printf("%d  %s  %s  %s  %s (%s, %s)\n", ++number, e.date().c_str(), e.journal().c_str(),
                  e.piece_ref().c_str(), e.label().c_str(), source(e).c_str(), e.state().c_str());
      for (const pb::EntryLine& l : e.lines()) {
        std::printf("     %-10s %-12s %12s %12s  %s%s\n", l.account().c_str(), l.aux().c_str(),
                    l.debit() == "0.00" ? "" : l.debit().c_str(),
                    l.credit() == "0.00" ? "" : l.credit().c_str(), l.account_label().c_str(),
                    l.lettering().empty() ? "" : absl::StrCat("  [", l.lettering(), "]").c_str());
      }
      for (const std::string& why : e.review()) std::printf("     check: %s\n", why.c_str());
    }
    if (out.to_review_size() > 0) std::printf("\nfor a person:\n");
    for (const pb::AccountingEntry& e : out.to_review()) {
      std::printf("  %s  %s  %s: %s\n", source(e).c_str(), e.date().c_str(), e.label().c_str(),
                  absl::StrJoin(e.review(), "; ").c_str());
    }
    return 0;
  }

  int Documents(const std::string& client, const std::string& status) {
    pb::ListDocumentsRequest req;
    req.set_page_size(500);
    if (!client.empty()) req.set_client(absl::StrCat("clients/", client));
    if (!status.empty()) {
      std::optional<DocumentStatus> s = ParseDocumentStatus(status);
      if (!s) {
        Fail(absl::StrCat("unknown status \"", status,
                          "\" (received, extracting, extracted, classified, "
                          "validated, done, needs_review, quarantined)"));
        return 2;
      }
      pb::DocumentStatus ps = pb::DOCUMENT_STATUS_UNSPECIFIED;
      pb::DocumentStatus_Parse(absl::AsciiStrToUpper(status), &ps);
      req.set_status(ps);
    }
    if (!conn_.json) {
      std::printf("%-8s %-16s %-13s %-14s %-20s %s\n", "ID", "CLIENT", "STATUS",
                  "TYPE", "RECEIVED", "NAME");
    }
    while (true) {
      pb::ListDocumentsResponse resp;
      auto ctx = Context();
      grpc::Status st = stub_->ListDocuments(ctx.get(), req, &resp);
      if (!st.ok()) return Report(st);
      for (const auto& d : resp.documents()) {
        if (conn_.json) {
          PrintJson(d);
          continue;
        }
        std::printf("%-8lld %-16s %-13s %-14s %-20s %s\n",
                    static_cast<long long>(d.id()), d.client().c_str(),
                    StatusName(d.status()).c_str(), d.doc_type().c_str(),
                    FormatTs(d.received_at()).c_str(), d.original_name().c_str());
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return 0;
  }

  int Document(const std::string& id) {
    pb::GetDocumentRequest req;
    req.set_name(absl::StrCat("documents/", id));
    pb::Document out;
    auto ctx = Context();
    grpc::Status st = stub_->GetDocument(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    std::printf("document %lld (%s)\n", static_cast<long long>(out.id()),
                out.original_name().c_str());
    std::printf("client     %s\n", out.client().c_str());
    std::printf("status     %s%s\n", StatusName(out.status()).c_str(),
                out.status_reason().empty()
                    ? ""
                    : absl::StrCat(" (", out.status_reason(), ")").c_str());
    std::printf("received   %s via %s\n", FormatTs(out.received_at()).c_str(),
                out.source().c_str());
    std::printf("sha256     %s\n", out.sha256().c_str());
    std::printf("size       %lld bytes, %s\n", static_cast<long long>(out.size_bytes()),
                out.mime().c_str());
    if (!out.doc_type().empty()) std::printf("type       %s\n", out.doc_type().c_str());
    if (out.has_fields()) PrintFields(out.fields());
    if (out.checks_size() > 0) {
      std::printf("\n  %-24s %-8s %s\n", "check", "result", "message");
      for (const pb::Check& c : out.checks()) {
        std::printf("  %-24s %-8s %s\n", c.code().c_str(),
                    c.ok() ? "ok" : c.severity().c_str(), c.message_en().c_str());
      }
    }
    return 0;
  }

  // The fields read, one per line, labels aligned; then the VAT lines.
  static void PrintFields(const pb::Fields& f) {
    std::string currency = f.currency().empty() ? "" : absl::StrCat(" ", f.currency());
    std::vector<std::pair<std::string, std::string>> rows = {
        {"supplier", f.supplier_name()},
        {"supplier SIREN", f.supplier_siren()},
        {"supplier VAT no.", f.supplier_vat()},
        {"buyer", f.buyer_name()},
        {"buyer SIREN", f.buyer_siren()},
        {"buyer VAT no.", f.buyer_vat()},
        {"number", f.invoice_number()},
        {"type code", f.type_code()},
        {"issue date", f.issue_date()},
        {"due date", f.due_date()},
        {"total excl. tax", f.total_excl_tax().empty() ? "" : f.total_excl_tax() + currency},
        {"total VAT", f.total_tax().empty() ? "" : f.total_tax() + currency},
        {"total incl. tax", f.total_incl_tax().empty() ? "" : f.total_incl_tax() + currency},
        {"amount due", f.amount_due().empty() ? "" : f.amount_due() + currency},
        {"IBAN", f.iban()},
        {"direction", f.direction() == pb::DIRECTION_PURCHASE ? "purchase"
                      : f.direction() == pb::DIRECTION_SALE   ? "sale"
                                                              : ""},
    };
    std::printf("\n");
    for (const auto& [label, value] : rows) {
      if (!value.empty()) std::printf("  %-17s %s\n", label.c_str(), value.c_str());
    }
    if (f.tax_breakdown_size() == 0) return;
    std::printf("\n  %-8s %12s %12s  %s\n", "VAT rate", "base", "VAT", "category");
    for (const pb::TaxLine& t : f.tax_breakdown()) {
      std::string category = t.category();
      if (!t.exemption_reason_code().empty()) absl::StrAppend(&category, " ", t.exemption_reason_code());
      if (!t.exemption_reason().empty()) absl::StrAppend(&category, " (", t.exemption_reason(), ")");
      std::printf("  %-8s %12s %12s  %s\n", absl::StrCat(t.rate(), " %").c_str(), t.base().c_str(),
                  t.amount().c_str(), category.c_str());
    }
  }

  int Events(bool follow, int64_t after, const std::string& client) {
    // What is already in the log comes in pages (one call per 1,000
    // events, each with the usual deadline); then, when following, the
    // batched stream from the last one.
    pb::ListEventsRequest page_req;
    page_req.set_after_seq(after);
    page_req.set_page_size(1000);
    if (!client.empty()) page_req.set_client(absl::StrCat("clients/", client));
    while (true) {
      pb::ListEventsResponse page;
      auto ctx = Context();
      grpc::Status st = stub_->ListEvents(ctx.get(), page_req, &page);
      if (!st.ok()) return Report(st);
      for (const pb::Event& e : page.events()) {
        PrintEvent(e);
        after = e.seq();
      }
      if (page.next_page_token().empty()) break;
      page_req.set_page_token(page.next_page_token());
    }
    if (!follow) return 0;
    pb::WatchEventsRequest req;
    req.set_after_seq(after);
    req.set_follow(true);
    if (!client.empty()) req.set_client(absl::StrCat("clients/", client));
    grpc::ClientContext ctx;
    if (!token_.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    auto reader = stub_->WatchEventBatches(&ctx, req);
    pb::EventBatch batch;
    while (reader->Read(&batch)) {
      for (const pb::Event& e : batch.events()) PrintEvent(e);
    }
    grpc::Status st = reader->Finish();
    return st.ok() ? 0 : Report(st);
  }

  void PrintEvent(const pb::Event& e) {
    if (conn_.json) {
      PrintJson(e);
    } else {
      std::printf("%-6lld %s %-16s %-12s %s %s\n", static_cast<long long>(e.seq()),
                  FormatTs(e.ts()).c_str(), e.kind().c_str(), e.client().c_str(),
                  e.document_id() ? absl::StrCat("doc=", e.document_id()).c_str() : "",
                  e.payload_json() == "{}" ? "" : e.payload_json().c_str());
    }
    std::fflush(stdout);
  }

  int Submit(const std::string& client, const std::vector<std::string>& files) {
    int status = 0;
    for (const std::string& path : files) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        Fail(absl::StrCat(path, ": not a regular file"));
        status = 1;
        continue;
      }
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        Fail(absl::StrCat(path, ": cannot be read"));
        status = 1;
        continue;
      }
      pb::Document doc;
      auto ctx = Context();
      ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
      auto writer = stub_->SubmitDocument(ctx.get(), &doc);
      pb::SubmitDocumentRequest header;
      header.mutable_header()->set_client(absl::StrCat("clients/", client));
      header.mutable_header()->set_file_name(path.substr(path.find_last_of('/') + 1));
      bool ok = writer->Write(header);
      std::string buf(256 * 1024, '\0');
      while (ok && in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (in.gcount() <= 0) break;
        pb::SubmitDocumentRequest chunk;
        chunk.set_chunk(buf.data(), static_cast<size_t>(in.gcount()));
        ok = writer->Write(chunk);
      }
      writer->WritesDone();
      grpc::Status st = writer->Finish();
      if (!st.ok()) {
        Report(st);
        status = 1;
        continue;
      }
      if (conn_.json) {
        PrintJson(doc);
      } else {
        std::printf("%s → document %lld (%s)\n", path.c_str(), static_cast<long long>(doc.id()),
                    StatusName(doc.status()).c_str());
      }
    }
    return status;
  }

  int Open(const std::string& id, std::string output) {
    pb::GetDocumentContentRequest req;
    req.set_name(absl::StrCat("documents/", id));
    grpc::ClientContext ctx;
    if (!token_.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    auto reader = stub_->GetDocumentContent(&ctx, req);
    pb::DocumentContentChunk chunk;
    std::ofstream out;
    std::string tmp;
    // Without -o the name comes from the server (a client's file name): it
    // never overwrites anything, and never makes a dotfile.
    bool named_by_server = output.empty();
    while (reader->Read(&chunk)) {
      if (!out.is_open()) {
        if (named_by_server) output = SafeLocalName(chunk.original_name());
        tmp = absl::StrCat(output, ".part-", ::getpid());
        out.open(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
          Fail(absl::StrCat(tmp, ": cannot be written"));
          return 1;
        }
      }
      out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    }
    grpc::Status st = reader->Finish();
    if (!st.ok()) {
      if (!tmp.empty()) std::remove(tmp.c_str());
      return Report(st);
    }
    out.close();
    if (!named_by_server) {
      if (std::rename(tmp.c_str(), output.c_str()) != 0) {
        Fail("cannot rename " + tmp);
        return 1;
      }
      std::printf("%s\n", output.c_str());
      return 0;
    }
    absl::StatusOr<std::string> saved = MoveUnderFreeName(AT_FDCWD, tmp, AT_FDCWD, output);
    if (saved.ok()) {
      std::printf("%s\n", saved->c_str());
      return 0;
    }
    std::remove(tmp.c_str());
    Fail(absl::StrCat("cannot save ", output, ": ", saved.status().message()));
    return 1;
  }

  int Review(const std::string& id, const std::string& type,
             const std::vector<std::string>& sets, const std::string& client, bool accept,
             const std::string& note, const std::string& account) {
    pb::ReviewDocumentRequest req;
    req.set_name(absl::StrCat("documents/", id));
    req.set_doc_type(type);
    for (const std::string& kv : sets) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos) {
        Fail(absl::StrCat("--set wants FIELD=VALUE, got \"", kv, "\""));
        return 2;
      }
      (*req.mutable_set_fields())[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!client.empty()) req.set_move_to_client(absl::StrCat("clients/", client));
    req.set_accept(accept);
    req.set_note(note);
    req.set_account(account);
    pb::Document out;
    auto ctx = Context();
    grpc::Status st = stub_->ReviewDocument(ctx.get(), req, &out);
    if (!st.ok()) return Report(st);
    if (conn_.json) return PrintJson(out);
    std::printf("document %lld: %s, client %s, type %s\n", static_cast<long long>(out.id()),
                StatusName(out.status()).c_str(), out.client().c_str(),
                out.doc_type().empty() ? "-" : out.doc_type().c_str());
    return 0;
  }

  int Purge(const std::string& client, bool confirm) {
    pb::PurgeClientRequest req;
    req.set_name(absl::StrCat("clients/", client));
    req.set_confirm(confirm);
    pb::PurgeClientResponse resp;
    auto ctx = Context();
    grpc::Status st = stub_->PurgeClient(ctx.get(), req, &resp);
    if (!st.ok()) return Report(st);
    std::printf("purged %s: %d documents, %d originals deleted\n", client.c_str(),
                resp.documents_deleted(), resp.originals_deleted());
    return 0;
  }

  // Exit 0 when the store is sound (or its counts were just rebuilt), 1
  // when something is wrong.
  int Doctor(bool repair) {
    pb::CheckStoreRequest req;
    req.set_repair(repair);
    pb::CheckStoreResponse resp;
    // Reads the whole file: minutes for a large firm, not the usual 15 s.
    auto ctx = Context(std::chrono::minutes(30));
    grpc::Status st = stub_->CheckStore(ctx.get(), req, &resp);
    if (!st.ok()) return Report(st);
    if (conn_.json) {
      PrintJson(resp);
    } else {
      bool file_ok = resp.integrity_size() == 1 && resp.integrity(0) == "ok";
      std::printf("database file: %s\n", file_ok ? "ok" : "DAMAGED");
      if (!file_ok) {
        for (const std::string& line : resp.integrity()) std::printf("  %s\n", line.c_str());
      }
      if (resp.wrong_counts().empty()) {
        std::printf("counts: ok\n");
      } else {
        std::printf("counts: %d wrong%s\n", resp.wrong_counts_size(),
                    resp.repaired() ? ", rebuilt from the rows" : " (liasse doctor --repair rebuilds them)");
        for (const std::string& line : resp.wrong_counts()) std::printf("  %s\n", line.c_str());
      }
    }
    bool file_ok = resp.integrity_size() == 1 && resp.integrity(0) == "ok";
    return file_ok && (resp.wrong_counts().empty() || resp.repaired()) ? 0 : 1;
  }

  int Backup(const std::string& dest) {
    pb::Status status;
    auto ctx = Context();
    grpc::Status st = stub_->GetStatus(ctx.get(), pb::GetStatusRequest(), &status);
    if (!st.ok()) return Report(st);
    absl::StatusOr<BackupSummary> summary = BackupStateDir(status.state_dir(), dest);
    if (!summary.ok()) {
      Fail(std::string(summary.status().message()));
      return 1;
    }
    std::printf("backup of %s in %s: database, %lld originals copied, %lld already there\n",
                status.state_dir().c_str(), dest.c_str(),
                static_cast<long long>(summary->originals_copied),
                static_cast<long long>(summary->originals_present));
    return 0;
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context(
      std::chrono::seconds deadline = std::chrono::seconds(15)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + deadline);
    if (!token_.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    return ctx;
  }

  static std::string StatusName(pb::DocumentStatus s) {
    return absl::AsciiStrToLower(pb::DocumentStatus_Name(s));
  }

  static std::string FormatTs(const google::protobuf::Timestamp& ts) {
    absl::Time t = absl::FromUnixSeconds(ts.seconds());
    return absl::FormatTime("%Y-%m-%d %H:%M:%S", t, absl::LocalTimeZone());
  }

  bool Fail(const std::string& message) {
    std::fprintf(stderr, "liasse: %s\n", message.c_str());
    return false;
  }

  int Report(const grpc::Status& st) {
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE) {
      Fail(absl::StrCat("cannot reach liassed at ", target_, ": ",
                        absl::StrContains(st.error_message(), "refused")
                            ? "connection refused"
                            : st.error_message(),
                        " — is it running?"));
    } else {
      Fail(st.error_message().empty()
               ? absl::StrCat("error ", static_cast<int>(st.error_code()))
               : st.error_message());
    }
    return 1;
  }

  int PrintJson(const google::protobuf::Message& m) {
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    opts.always_print_primitive_fields = true;
    opts.always_print_enums_as_ints = false;
    std::string out;
    if (!google::protobuf::util::MessageToJsonString(m, &out, opts).ok()) {
      return 1;
    }
    std::printf("%s\n", out.c_str());
    return 0;
  }

  Connection conn_;
  std::string target_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Liasse::Stub> stub_;
};

}  // namespace

int LiasseMain(int argc, char** argv) {
  CLI::App app{"liasse: talk to liassed"};
  app.require_subcommand(1);
  Connection conn;
  app.add_option("--socket", conn.socket, "unix socket of liassed");
  app.add_option("--addr", conn.addr, "HOST:PORT of liassed's TLS listener");
  app.add_option("--token-file", conn.token_file, "bearer token for --addr");
  app.add_option("--ca-file", conn.ca_file,
                 "CA certificate for --addr (default: system roots)");
  app.add_flag("--json", conn.json, "one JSON object per line");
  app.add_flag_callback("--version", [] {
    std::printf("liasse %s\n", LIASSE_VERSION);
    std::exit(0);
  });

  auto* status = app.add_subcommand("status", "version, uptime, queues, clients");
  auto* clients = app.add_subcommand("clients", "list clients");
  std::string client_id;
  auto* client = app.add_subcommand("client", "one client");
  client->add_option("ID", client_id)->required();
  std::string doc_client, doc_status;
  auto* documents = app.add_subcommand("documents", "list documents");
  documents->add_option("--client", doc_client, "only this client");
  documents->add_option("--status", doc_status, "only this status");
  std::string doc_id;
  auto* document = app.add_subcommand("document", "one document");
  document->add_option("ID", doc_id)->required();
  bool follow = false;
  int64_t after = 0;
  std::string event_client;
  auto* events = app.add_subcommand("events", "the event log");
  events->add_flag("-f,--follow", follow, "keep printing new events");
  events->add_option("--after", after, "start after this sequence number");
  events->add_option("--client", event_client, "only this client");
  ExtractArgs extract_args;
  auto* extract = app.add_subcommand(
      "extract", "read documents without a daemon and print what Liasse saw");
  extract->add_option("FILE", extract_args.files, "documents to read")->required();
  extract->add_option("--config", extract_args.config_path,
                      "the daemon's config file (OCR settings)");
  extract->add_flag("--text", extract_args.text, "include the text read");
  extract->add_option("--direction", extract_args.direction,
                      "purchase or sale: whose document, for the proposed entry")
      ->check(CLI::IsMember({"purchase", "sale"}));
  extract->add_flag("--ignore-einvoice", extract_args.ignore_einvoice,
                    "read the printed page of an e-invoice PDF with the rules (evaluation)");
  std::string submit_client;
  std::vector<std::string> submit_files;
  auto* submit = app.add_subcommand("submit", "send documents for a client through intake");
  submit->add_option("CLIENT", submit_client)->required();
  submit->add_option("FILE", submit_files)->required();
  std::string open_id, open_output;
  auto* open = app.add_subcommand("open", "save a document's original");
  open->add_option("DOC", open_id)->required();
  open->add_option("-o,--output", open_output, "file to write (default: its name)");
  std::string backup_dir;
  bool doctor_repair = false;
  auto* doctor = app.add_subcommand("doctor", "check the database file and its kept counts (admin)");
  doctor->add_flag("--repair", doctor_repair, "rebuild counts that disagree with the rows");
  auto* backup = app.add_subcommand("backup", "consistent copy of the database and archive");
  backup->add_option("DIR", backup_dir)->required();
  std::string review_id, review_type, review_client, review_note, review_account;
  std::vector<std::string> review_sets;
  bool review_accept = false;
  auto* review = app.add_subcommand("review", "staff decision on a document (admin)");
  review->add_option("DOC", review_id)->required();
  review->add_option("--type", review_type, "document type");
  review->add_option("--set", review_sets, "FIELD=VALUE, e.g. total_incl_tax=12.50");
  review->add_option("--client", review_client, "move to this client");
  review->add_flag("--accept", review_accept, "accept as is: done");
  review->add_option("--note", review_note, "why, for the audit trail");
  review->add_option("--account", review_account,
                     "charge or revenue account for this supplier (or customer) from now on");
  std::string purge_client;
  bool purge_confirm = false;
  auto* purge = app.add_subcommand("purge", "delete a departed client's originals and rows (admin)");
  purge->add_option("CLIENT", purge_client)->required();
  purge->add_flag("--confirm", purge_confirm, "yes, delete for good");
  std::string missing_client, missing_as_of;
  auto* missing = app.add_subcommand("missing", "items still missing across clients, overdue first");
  missing->add_option("--client", missing_client, "one client");
  missing->add_option("--as-of", missing_as_of, "evaluate at this date (YYYY-MM-DD)");
  bool remind_dry = false;
  std::string remind_as_of, remind_client;
  auto* remind = app.add_subcommand("remind", "run the reminder policy now (admin; --dry-run: read)");
  remind->add_flag("--dry-run", remind_dry, "print the e-mails, send nothing");
  remind->add_option("--as-of", remind_as_of, "evaluate at this date or time (dry run)");
  remind->add_option("--client", remind_client, "one client");
  int64_t waive_item = 0;
  std::string waive_reason;
  auto* waive = app.add_subcommand("waive", "stop expecting an item (admin)");
  waive->add_option("ITEM", waive_item)->required();
  waive->add_option("REASON", waive_reason)->required();
  std::string bank_client, bank_file, bank_format;
  auto* import_bank = app.add_subcommand("import-bank", "import a bank statement (admin)");
  import_bank->add_option("CLIENT", bank_client)->required();
  import_bank->add_option("FILE", bank_file)->required();
  import_bank->add_option("--format", bank_format,
                          "csv, ofx, cfonb120, camt053 or csv:date=1,label=2,amount=3");
  std::string fec_client, fec_file;
  auto* import_fec = app.add_subcommand(
      "import-fec", "learn a client's third parties and accounts from its FEC (admin)");
  import_fec->add_option("CLIENT", fec_client)->required();
  import_fec->add_option("FILE", fec_file, "the FEC its accounting software wrote")->required();
  std::string entries_client, entries_period;
  auto* entries_cmd = app.add_subcommand("entries", "a period's proposed accounting entries");
  entries_cmd->add_option("CLIENT", entries_client)->required();
  entries_cmd->add_option("PERIOD", entries_period, "2026-10, 2026-Q4 or FY2026")->required();
  int entries_page_size = 500;
  entries_cmd->add_option("--page-size", entries_page_size, "entries asked per call")
      ->check(CLI::Range(1, 1000));
  std::string export_client, export_period, export_dir;
  auto* export_cmd = app.add_subcommand("export", "a period's documents and index.csv (admin)");
  export_cmd->add_option("CLIENT", export_client)->required();
  export_cmd->add_option("PERIOD", export_period, "2026-10, 2026-Q4 or FY2026")->required();
  export_cmd->add_option("DIR", export_dir)->required();
  std::string export_format = "csv";
  export_cmd->add_option("--format", export_format,
                         "csv: the documents and index.csv; fec: proposed entries (FEC layout); "
                         "quadra: proposed entries in Quadra ASCII with their pieces")
      ->check(CLI::IsMember({"csv", "fec", "quadra"}));
  auto* oauth = app.add_subcommand("oauth", "mailbox sign-in ([[oauth]] profiles)");
  oauth->require_subcommand(1);
  std::string oauth_profile;
  auto* oauth_login = oauth->add_subcommand(
      "login", "sign a device_code or authorization_code profile in, and wait (admin)");
  oauth_login->add_option("PROFILE", oauth_profile)->required();
  auto* oauth_status = oauth->add_subcommand("status", "each profile's token state (never the token)");
  for (CLI::App* sub : {status, clients, client, documents, document, events, extract, submit,
                        review, missing, remind, waive, import_bank, import_fec, export_cmd,
                        entries_cmd, doctor, oauth_login,
                        oauth_status}) {
    sub->add_flag("--json", conn.json, "one JSON object per line");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*extract) {
    extract_args.json = conn.json;
    return RunExtractCommand(extract_args);
  }
  Cli cli(conn);
  if (!cli.Connect()) return 1;
  if (*status) return cli.Status();
  if (*oauth_login) return cli.OAuthLogin(oauth_profile);
  if (*oauth_status) return cli.OAuthStatus();
  if (*clients) return cli.Clients();
  if (*client) return cli.Client(client_id);
  if (*documents) return cli.Documents(doc_client, doc_status);
  if (*document) return cli.Document(doc_id);
  if (*events) return cli.Events(follow, after, event_client);
  if (*submit) return cli.Submit(submit_client, submit_files);
  if (*open) return cli.Open(open_id, open_output);
  if (*backup) return cli.Backup(backup_dir);
  if (*purge) return cli.Purge(purge_client, purge_confirm);
  if (*doctor) return cli.Doctor(doctor_repair);
  if (*missing) return cli.Missing(missing_client, missing_as_of);
  if (*remind) return cli.Remind(remind_dry, remind_as_of, remind_client);
  if (*waive) return cli.Waive(waive_item, waive_reason);
  if (*import_bank) return cli.ImportBank(bank_client, bank_file, bank_format);
  if (*import_fec) return cli.ImportFec(fec_client, fec_file);
  if (*export_cmd) return cli.Export(export_client, export_period, export_dir, export_format);
  if (*entries_cmd) return cli.Entries(entries_client, entries_period, entries_page_size);
  if (*review) {
    return cli.Review(review_id, review_type, review_sets, review_client, review_accept,
                      review_note, review_account);
  }
  return 2;
}

}  // namespace liasse
