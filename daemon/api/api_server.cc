#include "daemon/api/api_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/auth.h"
#include "grpc/health/v1/health.pb.h"

namespace liasse {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

absl::Status RemoveStaleSocket(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("socket ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("socket ", path, ": exists and is not a socket"));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket ", path, ": path too long"));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket(AF_UNIX)");
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::close(fd);
  if (rc == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("socket ", path, ": another server is answering there"));
  }
  if (err != ECONNREFUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("socket ", path, ": ", std::strerror(err)));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::FailedPreconditionError(absl::StrCat(
        "socket ", path, ": cannot remove stale socket: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(
    const ApiServerOptions& options, grpc::Service* service) {
  grpc::EnableDefaultHealthCheckService(true);
  // Links the health.proto descriptor in, so reflection can describe the
  // health service that gRPC's built-in implementation serves.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<ApiServer> server(new ApiServer());
  grpc::ServerBuilder builder;
  builder.RegisterService(service);
  // No SO_REUSEPORT: a second liassed (another state dir) on the same TCP
  // port must fail to start, not split the clients between the two.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);

  std::shared_ptr<grpc::ServerCredentials> tls;
  std::vector<std::unique_ptr<int>> ports;
  for (const std::string& listen : options.listen) {
    if (absl::StartsWith(listen, "unix:")) {
      std::string path = listen.substr(5);
      if (absl::Status st = RemoveStaleSocket(path); !st.ok()) return st;
      server->socket_paths_.push_back(path);
      builder.AddListeningPort(absl::StrCat("unix:", path),
                               grpc::InsecureServerCredentials());
      continue;
    }
    if (!tls) {
      absl::StatusOr<std::string> cert = ReadFile(options.tls_cert_file);
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFile(options.tls_key_file);
      if (!key.ok()) return key.status();
      if (!options.tokens) {
        return absl::FailedPreconditionError(
            absl::StrCat("listener ", listen, " needs bearer tokens"));
      }
      grpc::SslServerCredentialsOptions ssl;
      ssl.pem_key_cert_pairs.push_back({*key, *cert});
      tls = grpc::SslServerCredentials(ssl);
      tls->SetAuthMetadataProcessor(NewBearerTokenProcessor(options.tokens));
    }
    ports.push_back(std::make_unique<int>(0));
    builder.AddListeningPort(listen, tls, ports.back().get());
  }
  // Unix sockets are created with mode 0660 at most; chmod below makes it
  // exact whatever the process umask.
  mode_t old_umask = ::umask(0117);
  server->server_ = builder.BuildAndStart();
  ::umask(old_umask);
  if (!server->server_) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen.empty() ? "" : options.listen[0],
        " (address in use or no permission?)"));
  }
  for (const auto& port : ports) {
    if (*port == 0) {
      return absl::UnavailableError("a TCP listener could not bind");
    }
    server->tcp_ports_.push_back(*port);
  }
  for (const std::string& path : server->socket_paths_) {
    if (::chmod(path.c_str(), 0660) != 0) {
      return absl::PermissionDeniedError(
          absl::StrCat("chmod 0660 ", path, ": ", std::strerror(errno)));
    }
  }
  return server;
}

ApiServer::~ApiServer() { Shutdown(absl::ZeroDuration()); }

void ApiServer::Shutdown(absl::Duration grace) {
  if (!server_) return;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  server_.reset();
  for (const std::string& path : socket_paths_) ::unlink(path.c_str());
}

std::shared_ptr<grpc::Channel> ApiServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

}  // namespace liasse
