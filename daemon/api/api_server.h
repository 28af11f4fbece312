// The gRPC server: the liasse.v1 service, grpc.health.v1 and server
// reflection on each listener of [daemon] listen. Unix sockets get mode 0660
// (file permissions are the access control); TCP listeners exist only with
// TLS and bearer tokens.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Server;
class Service;
class Channel;
}  // namespace grpc

namespace liasse {

class TokenTable;

struct ApiServerOptions {
  std::vector<std::string> listen;  // "unix:/abs/path" or "host:port"
  std::string tls_cert_file;
  std::string tls_key_file;
  // Bearer tokens of TCP callers; required when a TCP listener is set.
  std::shared_ptr<TokenTable> tokens;
};

class ApiServer {
 public:
  // Binds every listener and starts serving `service` (not owned; must
  // outlive the server). A socket file left by a dead daemon is replaced;
  // any other file at that path is an error.
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(
      const ApiServerOptions& options, grpc::Service* service);
  ~ApiServer();

  // Stops accepting calls; calls still running after `grace` are cancelled.
  void Shutdown(absl::Duration grace);
  // Ports actually bound for "host:0" listeners, in listen order.
  const std::vector<int>& tcp_ports() const { return tcp_ports_; }
  // An in-process channel to this server (tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  ApiServer() = default;
  std::unique_ptr<grpc::Server> server_;
  std::vector<int> tcp_ports_;
  std::vector<std::string> socket_paths_;
};

// Removes `path` if it is a socket nobody accepts on; FailedPrecondition if a
// live server answers there or the path is not a socket.
absl::Status RemoveStaleSocket(const std::string& path);

}  // namespace liasse
