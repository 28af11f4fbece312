#include "daemon/cli/extract_command.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/config/config.h"
#include "daemon/process/extractor.h"
#include "daemon/base/record_json.h"
#include "daemon/llm/llm_chain.h"
#include "daemon/base/system_clock.h"
#include "daemon/process/understand.h"
#include "workflows/date.h"
#include "workflows/entries.h"

namespace liasse {
namespace {

using nlohmann::json;

// The entry the document proposes with `plan`: its lines, and why a person
// must look (entry null when it cannot be made).
json EntryJson(const Understanding& u, const AccountPlan& plan, const std::string& direction) {
  EntryDocument doc;
  doc.type = u.doc_type;
  doc.fields = u.fields;
  if (direction == "purchase") doc.fields.direction = Direction::kPurchase;
  if (direction == "sale") doc.fields.direction = Direction::kSale;
  EntryProposal p = ProposeEntry(doc, plan);
  json j = {{"review", p.review}};
  if (!p.entry) {
    j["journal"] = nullptr;
    j["lines"] = nullptr;
    return j;
  }
  j["journal"] = p.entry->journal;
  j["date"] = FormatIsoDate(p.entry->date);
  j["piece_ref"] = p.entry->piece_ref;
  j["label"] = p.entry->label;
  json lines = json::array();
  for (const EntryLine& l : p.entry->lines) {
    lines.push_back({{"account", l.account},
                     {"aux", l.aux},
                     {"debit", FormatDecimal(l.debit)},
                     {"credit", FormatDecimal(l.credit)},
                     {"vat_rate", l.vat_rate ? json(FormatRate(*l.vat_rate)) : json(nullptr)}});
  }
  j["lines"] = lines;
  return j;
}

json Describe(const std::string& file, absl::StatusOr<ExtractedDocument> doc, int64_t ms,
              bool with_text, bool ignore_einvoice, const UnderstandOptions& options,
              LlmChain* llm, const AccountPlan& plan, const std::string& direction) {
  if (doc.ok() && ignore_einvoice) doc->analysis.einvoice.reset();
  json j = {{"file", file}, {"ok", doc.ok()}, {"ms", ms}};
  if (!doc.ok()) {
    j["error"] = ErrorToJson(doc.status());
    for (const char* key : {"source", "pages", "ocr_confidence", "doc_type", "fields", "entry"}) {
      j[key] = nullptr;
    }
    j["checks"] = json::array();
    return j;
  }
  j["error"] = nullptr;
  j["source"] = doc->text.source;
  j["pages"] = doc->text.pages;
  j["ocr_confidence"] = doc->text.ocr_confidence ? json(*doc->text.ocr_confidence)
                                                 : json(nullptr);
  j["mime"] = doc->analysis.mime;
  Understanding u = Understand(*doc, options, std::time(nullptr), llm, file);
  if (doc->analysis.einvoice) {
    j["einvoice_syntax"] = doc->analysis.einvoice->syntax;
  } else {
    j["type_confidence"] = u.type_confidence;
    j["fields_confidence"] = u.fields_confidence;
  }
  j["doc_type"] = std::string(DocTypeName(u.doc_type));
  j["type_sure"] = u.sure;
  j["decided_by"] = u.decided_by;
  j["total_evidence"] = u.total_evidence;
  j["date_evidence"] = u.date_evidence;
  j["llm_needed"] = u.llm_needed;
  if (!u.llm_errors.empty()) j["llm_errors"] = u.llm_errors;
  j["fields"] = FieldsToJson(u.fields);
  j["checks"] = ChecksToJson(u.checks);
  j["entry"] = EntryJson(u, plan, direction);
  if (with_text) {
    j["text"] = doc->text.text;
    std::vector<OcrWord> unsure;
    for (const PageText& page : doc->text.page_texts) {
      unsure.insert(unsure.end(), page.unsure_words.begin(), page.unsure_words.end());
    }
    j["unsure_words"] = UnsureWordsToJson(unsure);
  }
  return j;
}

void PrintHuman(const json& j, bool with_text) {
  std::printf("%s\n", j["file"].get<std::string>().c_str());
  if (!j["ok"].get<bool>()) {
    std::printf("  error     %s: %s\n", j["error"]["code"].get<std::string>().c_str(),
                j["error"]["message"].get<std::string>().c_str());
    return;
  }
  std::printf("  read      %s, %d page(s), %lld ms", j["source"].get<std::string>().c_str(),
              j["pages"].get<int>(), static_cast<long long>(j["ms"].get<int64_t>()));
  if (j["ocr_confidence"].is_number()) {
    std::printf(", OCR confidence %.0f%%", j["ocr_confidence"].get<double>() * 100);
  }
  std::printf("\n");
  if (j["doc_type"].is_string()) {
    std::printf("  type      %s\n", j["doc_type"].get<std::string>().c_str());
  }
  if (j["fields"].is_object()) {
    for (const auto& [key, value] : j["fields"].items()) {
      if (value.is_null() || (value.is_array() && value.empty())) continue;
      std::printf("  %-15s %s\n", key.c_str(),
                  value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
  }
  if (with_text) std::printf("----\n%s\n----\n", j["text"].get<std::string>().c_str());
}

}  // namespace

int RunExtractCommand(const ExtractArgs& args) {
  absl::StatusOr<Config> config =
      args.config_path.empty() ? absl::StatusOr<Config>(EmbeddedDefaultConfig())
                               : LoadConfigFile(args.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "liasse: invalid config:\n%s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  Extractor::Options options;
  options.ocr = ReadingOptions(*config);
  options.workers = config->daemon.workers;
  options.quiet = std::getenv("LIASSE_WORKER_STDERR") == nullptr;
  absl::StatusOr<std::unique_ptr<Extractor>> extractor = Extractor::Start(options);
  if (!extractor.ok()) {
    std::fprintf(stderr, "liasse: %s\n", std::string(extractor.status().message()).c_str());
    return 1;
  }
  UnderstandOptions understand;
  understand.rules_confidence = config->classify.llm_skip_confidence;
  understand.min_ocr_confidence = config->classify.min_ocr_confidence;
  // The daemon's providers, with a cache for this run only.
  absl::StatusOr<std::vector<LlmChain::Provider>> providers =
      ResolveLlmProviders(config->llm_providers);
  if (!providers.ok()) {
    std::fprintf(stderr, "liasse: %s\n", std::string(providers.status().message()).c_str());
    return 2;
  }
  SystemClock clock;
  MemoryLlmCache cache;
  LlmChain llm(std::move(*providers), &clock, &cache, nullptr);
  // As many documents in flight as workers: small documents keep every
  // worker busy; a scan spreads its pages over all of them anyway.
  size_t in_flight = static_cast<size_t>((*extractor)->workers());
  std::vector<std::future<json>> results(args.files.size());
  std::atomic<size_t> next{0};
  auto run = [&](size_t i) {
    auto start = std::chrono::steady_clock::now();
    absl::StatusOr<ExtractedDocument> doc = (*extractor)->Extract(args.files[i]);
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    return Describe(args.files[i], std::move(doc), ms, args.text, args.ignore_einvoice,
                    understand, &llm, config->accounting, args.direction);
  };
  std::vector<std::promise<json>> promises(args.files.size());
  for (size_t i = 0; i < args.files.size(); ++i) results[i] = promises[i].get_future();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(in_flight, args.files.size()); ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < args.files.size(); i = next++) {
        promises[i].set_value(run(i));
      }
    });
  }
  int status = 0;
  for (auto& f : results) {
    json j = f.get();
    if (!j["ok"].get<bool>()) status = 3;
    if (args.json) {
      std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    } else {
      PrintHuman(j, args.text);
    }
    std::fflush(stdout);
  }
  for (std::thread& t : threads) t.join();
  return status;
}

}  // namespace liasse
