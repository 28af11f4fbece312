// The document pipeline: received → extracting → extracted → classified →
// validated → done | needs_review | quarantined. Every step is one committed
// state change with its event; the attempt counter is committed before the
// risky step, so a restart resumes every document where it was and a
// document interrupted twice is quarantined as `crashed` instead of looping.
//
// Threads: `workers` threads take due documents from the store; Stop() lets
// each finish its current step (which commits) and joins them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "daemon/process/archive.h"
#include "daemon/process/extractor.h"
#include "daemon/store/store.h"
#include "daemon/process/understand.h"
#include "workflows/clock.h"
#include "workflows/conclusion.h"

namespace liasse {

// What the pipeline asks of the rest of the daemon: daemon.cc answers from
// the config and the collector; tests give a fake. Called from the
// pipeline's threads.
class PipelineHost {
 public:
  virtual ~PipelineHost() = default;
  // For documents of unknown senders: the configured client that is the
  // buyer of these fields (by SIREN or VAT), or "" — the document then
  // moves to that client instead of waiting for review.
  virtual std::string ClientOfBuyer(const Fields& fields) = 0;
  // Who the client is and whether its documents may reach an LLM.
  virtual UnderstandOptions ClientOptions(const std::string& client_id) = 0;
  // A bank statement file (CSV, OFX, CFONB 120, CAMT.053) dropped among the
  // documents is imported instead of read: the statement's fields, an error
  // (the file is quarantined with it, e.g. "line 3, column 2: ..."), or
  // NotFound when the file is not a statement.
  virtual absl::StatusOr<Fields> ImportBankFile(const DocumentRecord& doc,
                                                const std::string& bytes) = 0;
  // After a document's final state is committed: its follow-up (collection
  // files it, or asks the client again) is carried out here.
  virtual void Concluded(int64_t id, const Conclusion& conclusion) = 0;
};

class Pipeline {
 public:
  struct Options {
    int workers = 2;
    int max_attempts = 5;
    absl::Duration first_backoff = absl::Seconds(5);
    absl::Duration max_backoff = absl::Minutes(10);
    // A step running longer than this makes Healthy() false (the watchdog
    // then stops being fed and systemd restarts the daemon).
    absl::Duration stuck_after = absl::Minutes(10);
    // [classify] llm_skip_confidence: the rules decide alone from here.
    double rules_confidence = 0.9;
    // [classify] min_ocr_confidence: below, "please send a better scan".
    double min_ocr_confidence = 0.6;
    // The LLM provider chain (null or empty: rules only).
    LlmChain* llm = nullptr;
  };

  // `host` null: no client is found by buyer, default understanding, no
  // bank files, no follow-up (tests of the pipeline alone). Everything
  // given must outlive the Pipeline.
  Pipeline(Store* store, const Archive* archive, Extractor* extractor,
           const Clock* clock, PipelineHost* host, Options options);
  ~Pipeline();

  // Resumes documents interrupted by a crash, then starts the threads.
  absl::Status Start();
  void Stop();
  // A new document is waiting.
  void Wake();
  // False when a thread has been on one step for longer than stuck_after.
  bool Healthy() const;

  // Runs due documents to their next resting state on the calling thread
  // until none is due (tests).
  void RunUntilIdle();

 private:
  void ThreadLoop(int index);
  bool ProcessNext(int index);
  void Process(const DocumentRecord& doc);
  absl::Status Extract(const DocumentRecord& doc);
  // `why` joins the event's payload: (decided_by, rules), (total_evidence, …).
  absl::Status CommitExtracted(
      int64_t id, const DocumentUpdate& extracted,
      const std::vector<std::pair<std::string, std::string>>& why = {});
  absl::Status Conclude(int64_t id, const DocumentRecord& doc);
  absl::Status Quarantine(int64_t id, DocumentStatus from, const std::string& reason);
  absl::Duration Backoff(int attempts) const;

  Store* store_;
  const Archive* archive_;
  Extractor* extractor_;
  const Clock* clock_;
  PipelineHost* host_;
  Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
  std::set<int64_t> in_flight_;
  std::vector<absl::Time> busy_since_;  // InfiniteFuture when idle
  std::vector<std::thread> threads_;
};

}  // namespace liasse
