// Role api's settings (README "Roles"): the daemons it forwards to, the client TLS files for
// them, and the refusal of every setting that belongs to a volume driver, an object store, the
// managers or a gRPC server, none of which role api has. An allowlist rather than a list of
// refusals: a key added later for the managers is refused here without anyone remembering to.
#include <algorithm>
#include <array>
#include <string_view>

#include "cmd/backupd/backupd_config.h"

namespace bb {
namespace {

// What role api reads. Everything else is another role's.
constexpr std::array<std::string_view, 17> kApiRoleKeys = {"role",
                                                           "database",
                                                           "schema_dir",
                                                           "log_level",
                                                           "port_file",
                                                           "failpoints",
                                                           "api_enabled",
                                                           "api_listen",
                                                           "api_auth",
                                                           "api_port_file",
                                                           "api_tls_cert_file",
                                                           "api_tls_key_file",
                                                           "backup_service_address",
                                                           "volume_service_address",
                                                           "backend_tls_ca_file",
                                                           "backend_tls_cert_file",
                                                           "backend_tls_key_file"};

bool ApiRoleReads(const std::string& key) {
  return std::find(kApiRoleKeys.begin(), kApiRoleKeys.end(), key) != kApiRoleKeys.end();
}

// Why a refused key means nothing in role api.
std::string WhyNot(const std::string& key) {
  if (key == "listen" || key.starts_with("grpc_")) {
    return "role api serves no gRPC (it is a client of the daemons at backup_service_address "
           "and volume_service_address)";
  }
  if (key == "operator_token_file") {
    return "role api holds no credential of its own: it forwards each caller's token";
  }
  if (key == "host") {
    return "role api owns no records, so it claims no host identity";
  }
  return "role api runs no volume driver, object store or managers (they are the settings of "
         "the daemons at backup_service_address and volume_service_address)";
}

}  // namespace

Status ResolveApiRole(const ConfigValues& values, BackupdConfig* c) {
  auto str = [&](const char* key, std::string* field) {
    auto it = values.find(key);
    if (it != values.end()) *field = it->second;
  };
  str("backup_service_address", &c->backup_service_address);
  str("volume_service_address", &c->volume_service_address);
  str("backend_tls_ca_file", &c->backend_tls_ca_file);
  str("backend_tls_cert_file", &c->backend_tls_cert_file);
  str("backend_tls_key_file", &c->backend_tls_key_file);
  if (c->role != "api") {
    for (const char* key :
         {"backup_service_address", "volume_service_address", "backend_tls_ca_file",
          "backend_tls_cert_file", "backend_tls_key_file"}) {
      if (values.count(key) > 0) {
        return Status::InvalidArgument(
            std::string(key) + " is a setting of role = api, but role is '" + c->role + "'");
      }
    }
    return Status::Ok();
  }
  for (const auto& [key, value] : values) {
    if (!ApiRoleReads(key)) {
      return Status::InvalidArgument(key + " cannot be set with role = api: " + WhyNot(key));
    }
  }
  if (auto it = values.find("api_enabled"); it != values.end() && it->second != "true") {
    return Status::InvalidArgument("api_enabled = " + it->second +
                                   " with role = api: the REST API is all role api serves");
  }
  if (c->backup_service_address.empty()) {
    return Status::InvalidArgument(
        "backup_service_address (HOST:PORT of the gRPC endpoint of the role all or backup "
        "backupd) is required for role = api");
  }
  // A role all daemon serves both services: by default the volumes are there too.
  if (c->volume_service_address.empty()) c->volume_service_address = c->backup_service_address;
  if (c->backend_tls_cert_file.empty() != c->backend_tls_key_file.empty()) {
    return Status::InvalidArgument(
        "backend_tls_cert_file and backend_tls_key_file go together: give both or neither");
  }
  if (!c->backend_tls_cert_file.empty() && c->backend_tls_ca_file.empty()) {
    return Status::InvalidArgument(
        "backend_tls_cert_file (mutual TLS) needs backend_tls_ca_file, the CA that signed the "
        "daemons' certificates");
  }
  return Status::Ok();
}

}  // namespace bb
