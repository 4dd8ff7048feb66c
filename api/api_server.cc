// ApiServer: routing, the request pipeline and the httplib plumbing.
#include "api/api_server.h"

#include <httplib.h>

#include <chrono>
#include <regex>
#include <thread>

#include "api/authenticator.h"
#include "api/http_error.h"
#include "api/route.h"
#include "api/versions.h"
#include "backup_service/auth/tls_files.h"
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"

namespace bb::api {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kAuthHeader[] = "X-Auth-Token";
const std::string kProjectPrefix = "/v3/([^/]+)";

void SendError(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  if (status == 413) res.set_header("Retry-After", "0");
  res.set_content(ErrorBody(status, message), kJson);
}

void SendStatus(httplib::Response& res, const Status& status) {
  SendError(res, HttpStatusFor(status), status.message());
}

// "http://" (or "https://") + the Host the client used (Cinder builds its links from the
// request's host too).
std::string BaseUrl(const httplib::Request& req, const std::string& scheme,
                    const std::string& fallback_host) {
  std::string host = req.get_header_value("Host");
  if (host.empty() || host.find_first_of("/ \t\r\n\"<>\\") != std::string::npos) {
    host = fallback_host;
  }
  return scheme + "://" + host;
}

// "GET /backups/{id}" for the policy message (the pattern's capture groups read as {id}).
std::string ActionName(const Route& route) {
  std::string path = route.pattern;
  const std::string group = "([^/]+)";
  for (size_t at = path.find(group); at != std::string::npos; at = path.find(group)) {
    path.replace(at, group.size(), "{id}");
  }
  return route.method + " " + path;
}

}  // namespace

struct ApiServer::Impl {
  Authenticator& auth;
  std::string host_port;
  std::string scheme;                             // "http" or "https", for links
  std::unique_ptr<httplib::Server> owned_server;  // an httplib::SSLServer when TLS is on
  httplib::Server& server;
  std::vector<Route> routes;
  std::vector<std::regex> route_regexes;  // full-path regex per route, for the 405 check
  std::thread thread;
  int port = 0;

  Impl(Authenticator& a, std::unique_ptr<httplib::Server> s)
      : auth(a), owned_server(std::move(s)), server(*owned_server) {}

  // with_project: the URL has /v3/{project}/...; without, it is /v3/... (Cinder 3.67's optional
  // project id) and the request acts in the token's project.
  void Serve(const Route& route, bool with_project, const httplib::Request& req,
             httplib::Response& res);
  void Fallback(const httplib::Request& req, httplib::Response& res);
  void Register(const Route& route, bool with_project);
};

void ApiServer::Impl::Serve(const Route& route, bool with_project, const httplib::Request& req,
                            httplib::Response& res) {
  auto version = RequestedVersion(req.get_header_value(kVersionHeader));
  if (!version.ok()) {
    bool out_of_range = version.status().code() == StatusCode::kOutOfRange;
    SendError(res, out_of_range ? 406 : 400, version.status().message());
    return;
  }
  res.set_header(kVersionHeader, std::string(kVersionService) + " " + version->ToString());
  res.set_header("Vary", kVersionHeader);

  if (req.get_header_value_count(kAuthHeader) != 1) {
    SendError(res, 401, "Authentication required: give a token in X-Auth-Token");
    return;
  }
  auto caller = auth.Authenticate(req.get_header_value(kAuthHeader));
  if (!caller.ok()) {
    BB_LOG(kWarning) << "api: token check failed: " << caller.status().ToString();
    SendError(res, 503, "The token could not be checked now; retry later");
    return;
  }
  if (!*caller) {
    SendError(res, 401, "The token is unknown, revoked or malformed");
    return;
  }

  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  request.project = with_project ? std::string(req.matches[1]) : (*caller)->project_id;
  for (size_t i = with_project ? 2 : 1; i < req.matches.size(); ++i) {
    request.path_args.push_back(req.matches[i]);
  }
  for (const auto& [k, v] : req.params) request.query.emplace(k, v);
  request.body = req.body;
  request.version = *version;
  request.caller = **caller;
  request.credential.token = req.get_header_value(kAuthHeader);
  request.base_url = BaseUrl(req, scheme, host_port);

  if (!ValidateProjectId("project", request.project).ok()) {
    SendError(res, 404, "The resource could not be found.");
    return;
  }
  if (request.project != request.caller.project_id && !request.is_admin()) {
    SendError(res, 403, "The token is not authorized for the project in the URL.");
    return;
  }
  if (Status st = RequireVersion(request, route.min_version); !st.ok()) {
    SendStatus(res, st);
    return;
  }
  if (Status st = RequireRole(request, route.role, ActionName(route)); !st.ok()) {
    SendStatus(res, st);
    return;
  }
  auto response = route.handler(request);
  if (!response.ok()) {
    SendStatus(res, response.status());
    return;
  }
  res.status = response->status;
  if (response->body) {
    res.set_content(response->body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    kJson);
  }
}

// No route of this method matched: 405 when another method has the path, else 404.
void ApiServer::Impl::Fallback(const httplib::Request& req, httplib::Response& res) {
  for (const auto& re : route_regexes) {
    if (std::regex_match(req.path, re)) {
      SendError(res, 405, "The method " + req.method + " is not allowed on this resource.");
      return;
    }
  }
  SendError(res, 404, "The resource could not be found.");
}

void ApiServer::Impl::Register(const Route& route, bool with_project) {
  std::string pattern = (with_project ? kProjectPrefix : std::string("/v3")) + route.pattern;
  route_regexes.emplace_back(pattern);
  auto handler = [this, &route, with_project](const httplib::Request& req, httplib::Response& res) {
    Serve(route, with_project, req, res);
  };
  if (route.method == "GET") server.Get(pattern, handler);
  if (route.method == "POST") server.Post(pattern, handler);
  if (route.method == "PUT") server.Put(pattern, handler);
  if (route.method == "DELETE") server.Delete(pattern, handler);
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { Shutdown(); }
int ApiServer::port() const { return impl_->port; }

void ApiServer::Shutdown() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options,
                                                    VolumeOperations* volumes,
                                                    BackupOperations& backups,
                                                    Authenticator& auth) {
  size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("api_listen must be HOST:PORT, e.g. 127.0.0.1:8776");
  }
  std::string host = options.listen.substr(0, colon);
  int wanted = std::atoi(options.listen.c_str() + colon + 1);
  std::unique_ptr<httplib::Server> server;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    // Checked first: httplib only says "not valid", not which file or why.
    RETURN_IF_ERROR(LoadTlsFiles("api_tls", options.tls_cert_file, options.tls_key_file).status());
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                    options.tls_key_file.c_str());
    if (!tls->is_valid()) {
      return Status::InvalidArgument("api_tls_cert_file/api_tls_key_file: OpenSSL refused " +
                                     options.tls_cert_file + " with " + options.tls_key_file);
    }
    server = std::move(tls);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  auto impl = std::make_unique<Impl>(auth, std::move(server));
  impl->scheme = options.tls_cert_file.empty() ? "http" : "https";
  // Routes live in the Impl (handlers capture references to them), registered in table order:
  // literal paths such as /backups/detail come before /backups/{id} in each table.
  std::vector<std::vector<Route>> tables;
  if (volumes != nullptr) {
    tables = {VolumeRoutes(*volumes), SnapshotRoutes(*volumes), AttachmentRoutes(*volumes)};
  }
  tables.push_back(BackupRoutes(backups));
  tables.push_back(QuotaRoutes(backups));
  for (auto& table : tables) {
    for (auto& r : table) impl->routes.push_back(std::move(r));
  }
  Impl* p = impl.get();
  // Every /v3/{project}/... route first, then the same without the project: a project named
  // like a collection ("/v3/volumes/volumes") is read as a project.
  for (const auto& r : impl->routes) p->Register(r, true);
  for (const auto& r : impl->routes) p->Register(r, false);
  RegisterVersionRoutes(impl->server, impl->scheme);
  auto fallback = [p](const httplib::Request& req, httplib::Response& res) {
    p->Fallback(req, res);
  };
  for (auto reg : {&httplib::Server::Get, &httplib::Server::Post, &httplib::Server::Put,
                   &httplib::Server::Delete, &httplib::Server::Patch}) {
    (p->server.*reg)(".*", httplib::Server::Handler(fallback));
  }
  p->server.set_payload_max_length(options.max_body_bytes);
  // httplib writes the headers and the body separately: without TCP_NODELAY, Nagle's algorithm
  // and the client's delayed ACK add ~40 ms to every response (measured: 44 ms -> below 2 ms).
  p->server.set_tcp_nodelay(true);
  // httplib sets SO_REUSEPORT by default, which would let a second daemon bind the same port
  // and silently share the traffic: a busy port must be a startup error instead.
  p->server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Statuses httplib answers itself (413 over the limit, 400 unparsable request): Cinder's body.
  p->server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      SendError(res, 413, "Request is too large.");
    } else {
      SendError(res, res.status, "The request could not be served.");
    }
  });
  p->server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        BB_LOG(kError) << "api: " << req.method << " " << req.path << ": handler threw";
        SendError(res, 500,
                  "The server has either erred or is incapable of performing the "
                  "requested operation.");
      });
  p->server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    BB_LOG(kDebug) << "api " << req.method << " " << req.path << " " << res.status;
  });

  int port = wanted == 0 ? p->server.bind_to_any_port(host) : wanted;
  if (port <= 0 || (wanted != 0 && !p->server.bind_to_port(host, wanted))) {
    return Status::Unavailable("cannot listen on " + options.listen +
                               " (address in use, or not an address of this host)");
  }
  p->port = port;
  p->host_port = host + ":" + std::to_string(port);
  p->thread = std::thread([p] { p->server.listen_after_bind(); });
  // stop() before the accept loop runs would be lost: wait until it does (milliseconds).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!p->server.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      p->server.stop();
      p->thread.join();
      return Status::Unavailable("the REST API on " + options.listen + " did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

}  // namespace bb::api
