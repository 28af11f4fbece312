// The liassed process: owns every component, runs the dispatch loop on a
// signalfd, and stops the components in reverse order.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/config/config.h"

namespace liasse {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread, so every thread
// started afterwards (gRPC, OpenMP) inherits the mask and the signals are
// only read from the daemon's signalfd. Call first thing in main().
void BlockDaemonSignals();

class Daemon {
 public:
  // `config_path` empty = embedded default (clients are the inbox root's
  // subfolders). Takes the state-dir lock, opens the store, starts the API.
  // FailedPrecondition when another daemon holds the state dir.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(Config config,
                                                       std::string config_path);
  ~Daemon();

  // Runs until SIGTERM or SIGINT; returns the process exit status.
  int Run();

 private:
  class Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// liassed's main(): flags, config, logging, Daemon.
int LiassedMain(int argc, char** argv);

}  // namespace liasse
