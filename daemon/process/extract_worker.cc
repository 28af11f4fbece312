#include "daemon/process/extract_worker.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/record_json.h"
#include "daemon/process/rules_reading_scorer.h"
#include "ocr/ocr_engine.h"
#include "ocr/read_error.h"
#include "ocr/reader.h"

namespace liasse {
namespace {

using nlohmann::json;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          int64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  if (size > max_bytes) {
    return ReadError(ReadErrorCode::kTooLarge,
                     absl::StrCat(size, " bytes, over the limit of ", max_bytes));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), size);
  if (in.gcount() != size) return absl::DataLossError(absl::StrCat(path, ": short read"));
  return bytes;
}

OcrOptions OptionsFromJson(const json& j) {
  OcrOptions o;
  if (j.contains("languages")) o.languages = j["languages"].get<std::vector<std::string>>();
  o.dpi = j.value("dpi", o.dpi);
  o.max_file_mb = j.value("max_file_mb", o.max_file_mb);
  o.max_pages = j.value("max_pages", o.max_pages);
  o.max_pixels = j.value("max_pixels", o.max_pixels);
  o.timeout_s = j.value("timeout_s", o.timeout_s);
  o.preview_px = std::clamp(j.value("preview_px", 0), 0, kMaxPreviewPx);
  return o;
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

class Worker {
 public:
  Worker(int fd, OcrOptions options) : fd_(fd), options_(std::move(options)) {}

  int Run() {
    std::string buffer;
    char chunk[65536];
    while (true) {
      size_t nl;
      while ((nl = buffer.find('\n')) == std::string::npos) {
        ssize_t n = ::read(fd_, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;  // parent closed: done
        buffer.append(chunk, static_cast<size_t>(n));
      }
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      json request = json::parse(line, nullptr, false);
      json reply = request.is_object() ? Handle(request)
                                       : json{{"ok", false},
                                              {"error", {{"code", "internal"},
                                                         {"message", "bad request"}}}};
      if (request.is_object()) reply["id"] = request.value("id", 0);
      if (!WriteAll(fd_, reply.dump(-1, ' ', false,
                                    json::error_handler_t::replace) + "\n")) {
        return 1;
      }
    }
  }

 private:
  json Handle(const json& request) {
    std::string op = request.value("op", "");
    absl::StatusOr<std::string> bytes = ReadWholeFile(
        request.value("path", ""), options_.max_file_mb * 1024 * 1024);
    if (!bytes.ok()) return Fail(bytes.status());
    if (op == "analyze") {
      absl::StatusOr<DocumentAnalysis> analysis = AnalyzeDocument(*bytes, options_);
      if (!analysis.ok()) return Fail(analysis.status());
      return {{"ok", true}, {"analysis", AnalysisToJson(*analysis)}};
    }
    if (op == "ocr") {
      if (!engine_) {
        absl::StatusOr<std::unique_ptr<OcrEngine>> engine =
            NewTesseractEngine(options_.languages);
        if (!engine.ok()) return Fail(engine.status());
        engine_ = std::move(*engine);
      }
      DocumentKind kind = static_cast<DocumentKind>(request.value("kind", 0));
      absl::StatusOr<PageText> page = OcrDocumentPage(
          *bytes, kind, request.value("page", 0), options_, engine_.get(), &scorer_);
      if (!page.ok()) return Fail(page.status());
      return {{"ok", true}, {"page", PageTextToJson(*page)}};
    }
    return Fail(absl::InvalidArgumentError(absl::StrCat("unknown op ", op)));
  }

  static json Fail(const absl::Status& status) {
    return {{"ok", false}, {"error", ErrorToJson(status)}};
  }

  int fd_;
  OcrOptions options_;
  std::unique_ptr<OcrEngine> engine_;
  RulesReadingScorer scorer_;
};

}  // namespace

int ExtractWorkerMain(int argc, char** argv) {
  int fd = -1;
  int64_t memory_mb = 0;
  std::string options_json = "{}";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--fd") {
      if (!absl::SimpleAtoi(argv[i + 1], &fd)) return 2;
    } else if (flag == "--memory-mb") {
      if (!absl::SimpleAtoi(argv[i + 1], &memory_mb)) return 2;
    } else if (flag == "--options") {
      options_json = argv[i + 1];
    } else {
      return 2;
    }
  }
  if (fd < 0) {
    std::fprintf(stderr, "liasse-worker is started by liassed and liasse, not by hand\n");
    return 2;
  }
  // Die with the parent; never outlive it holding a document.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) return 1;
  if (memory_mb > 0) {
    rlimit limit{static_cast<rlim_t>(memory_mb) << 20, static_cast<rlim_t>(memory_mb) << 20};
    ::setrlimit(RLIMIT_AS, &limit);
  }
  json options = json::parse(options_json, nullptr, false);
  if (!options.is_object()) return 2;
  // Document parsers must never write into the protocol: stdout goes to
  // stderr, the protocol uses its own socket.
  ::dup2(2, 1);
  DisableOpenMpParallelism();
  Worker worker(fd, OptionsFromJson(options));
  return worker.Run();
}

}  // namespace liasse
