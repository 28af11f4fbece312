// Reads documents with a pool of long-lived liasse-worker processes, one per
// core by default. A document's analysis runs on one worker, then its pages
// that need OCR are spread over all of them, so one scan uses every core and
// the machine is never oversubscribed. A worker that finishes a job takes
// short documents' jobs before a long document's next page, so an invoice
// waits at most one page of a 200-page scan (not the whole scan), while a
// lone long scan still uses every worker. A worker that crashes or overruns the
// document's deadline is killed and restarted; the document gets `crashed` or
// `timeout`. liassed and `liasse extract` both read through this class.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ocr/options.h"
#include "ocr/reader.h"

namespace liasse {

struct ExtractedDocument {
  DocumentAnalysis analysis;
  DocumentText text;
};

class Extractor {
 public:
  struct Options {
    OcrOptions ocr;
    int workers = 0;  // 0 = cores
    // liasse-worker; "" = found next to this executable, then $LIASSE_WORKER,
    // then the install location.
    std::string worker_binary;
    // Address-space limit of each worker; 0 = none. Sanitizer builds
    // always run without one.
    int64_t memory_limit_mb = 2048;
    // Send the workers' stderr (library warnings) to /dev/null.
    bool quiet = false;
    // Documents of this many pages or more are long: their pages wait behind
    // every job of a shorter document.
    int long_pages = 5;
  };

  static absl::StatusOr<std::unique_ptr<Extractor>> Start(Options options);
  virtual ~Extractor() = default;

  // Thread-safe; blocks until the document is read or fails with a
  // ReadError (timeout, crashed, corrupt...). NotFound when `path` is gone.
  virtual absl::StatusOr<ExtractedDocument> Extract(const std::string& path) = 0;
  // Stops every extraction in flight and refuses new ones (Cancelled); used
  // when the daemon stops, so that nothing waits for a slow OCR.
  virtual void Cancel() = 0;
  virtual int workers() const = 0;
  // Workers restarted after a crash or timeout since Start.
  virtual int restarts() const = 0;
};

// The default worker count: the number of cores, at least 1.
int DefaultWorkerCount();

}  // namespace liasse
