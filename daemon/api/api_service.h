// The liasse.v1.Liasse gRPC service: thin handlers that map proto <-> domain,
// call the store, and map absl::Status to grpc::Status.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "daemon/store/store.h"
#include "workflows/clock.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace liasse {

// What the API reports about the running daemon. Thread-safe.
class DaemonInfo {
 public:
  DaemonInfo(std::string version, absl::Time started_at, std::string state_dir)
      : version_(std::move(version)),
        started_at_(started_at),
        state_dir_(std::move(state_dir)) {}

  const std::string& version() const { return version_; }
  absl::Time started_at() const { return started_at_; }
  const std::string& state_dir() const { return state_dir_; }

  void SetConfig(std::string source, absl::Time loaded_at) {
    std::lock_guard<std::mutex> lock(mu_);
    config_source_ = std::move(source);
    config_loaded_at_ = loaded_at;
  }
  std::pair<std::string, absl::Time> config() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {config_source_, config_loaded_at_};
  }

  // Set when the daemon begins to stop: streaming calls end.
  void SetStopping() { stopping_ = true; }
  bool stopping() const { return stopping_; }

 private:
  const std::string version_;
  const absl::Time started_at_;
  const std::string state_dir_;
  mutable std::mutex mu_;
  std::string config_source_;
  absl::Time config_loaded_at_;
  std::atomic<bool> stopping_{false};
};

class Archive;
class LlmChain;
class Collector;
class Intake;
class OAuthTokens;
class TokenTable;

// What the service works with; everything must outlive it.
struct ServiceDeps {
  Store* store = nullptr;
  const Clock* clock = nullptr;
  DaemonInfo* info = nullptr;
  // Gives TCP callers their role; null when there is no TCP listener.
  std::shared_ptr<TokenTable> tokens;
  Intake* intake = nullptr;          // SubmitDocument; null: UNAVAILABLE
  const Archive* archive = nullptr;  // GetDocumentContent
  std::function<void()> on_requeue;  // a reviewed document awaits the pipeline
  const LlmChain* llm = nullptr;     // GetStatus counters; null: no providers
  Collector* collector = nullptr;    // items, bank, reminders, export
  OAuthTokens* oauth = nullptr;      // GetStatus, OAuthLogin; null: no profiles
};

std::unique_ptr<grpc::Service> NewLiasseService(const ServiceDeps& deps);

}  // namespace liasse
