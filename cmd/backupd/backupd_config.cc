// BackupdConfig parsing: text -> ConfigValues -> BackupdConfig. Values stay strings until
// ResolveConfig so that file and flags share one conversion and one set of error messages.
#include "cmd/backupd/backupd_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "backup_service/common/validation.h"

namespace bb {
namespace {

std::string_view Trim(std::string_view s) {
  const char* kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

constexpr std::string_view kDriverOptionPrefix = "volume_driver.";

// `volume_driver.<key>`: <key> is the driver's business, but must be a plain name (letters,
// digits, `_`, `.`, `-`) so that it cannot be confused with the file's syntax.
bool IsDriverOptionKey(const std::string& key) {
  if (!key.starts_with(kDriverOptionPrefix) || key.size() == kDriverOptionPrefix.size()) {
    return false;
  }
  return std::all_of(key.begin() + kDriverOptionPrefix.size(), key.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-';
  });
}

bool IsKnownKey(const std::string& key) {
  if (IsDriverOptionKey(key)) return true;
  const auto& keys = BackupdConfigKeys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

Status UnknownKey(const std::string& where, const std::string& key) {
  return Status::InvalidArgument(where + "unknown key '" + key + "' (see backupd --help)");
}

Status ParseInt(const ConfigValues& values, const std::string& key, int64_t min, int64_t max,
                int64_t* out) {
  auto it = values.find(key);
  if (it == values.end()) return Status::Ok();  // keep the default
  const std::string& s = it->second;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) {
    return Status::InvalidArgument(key + " must be an integer from " + std::to_string(min) +
                                   " to " + std::to_string(max) + ", got '" + s + "'");
  }
  *out = v;
  return Status::Ok();
}

Status ParseIntField(const ConfigValues& values, const std::string& key, int min, int max,
                     int* out) {
  int64_t v = *out;
  RETURN_IF_ERROR(ParseInt(values, key, min, max, &v));
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ParseBool(const ConfigValues& values, const std::string& key, bool* out) {
  auto it = values.find(key);
  if (it == values.end()) return Status::Ok();  // keep the default
  if (it->second != "true" && it->second != "false") {
    return Status::InvalidArgument(key + " must be true or false, got '" + it->second + "'");
  }
  *out = it->second == "true";
  return Status::Ok();
}

Status ValidateListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon > 0) {
    std::string_view p(listen.data() + colon + 1, listen.size() - colon - 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || ptr != p.data() + p.size() || p.empty()) port = -1;
  }
  if (port < 0 || port > 65535) {
    return Status::InvalidArgument("listen must be HOST:PORT (e.g. 127.0.0.1:8777), got '" +
                                   listen + "'");
  }
  return Status::Ok();
}

// backup_max_operations is Cinder's name for max_concurrent_jobs: an alias, so that existing
// configs keep working and a Cinder operator finds the setting under the name they know.
Status ResolveMaxOperations(const ConfigValues& values, int* max_concurrent_jobs) {
  auto it = values.find("backup_max_operations");
  if (it == values.end()) return Status::Ok();
  if (it->second == "0") {
    return Status::InvalidArgument(
        "backup_max_operations = 0 (unlimited in Cinder) is not supported: give 1..64. Every "
        "running backup or restore holds about 3 x workers_per_job chunks in memory, so this "
        "limit is what bounds backupd's memory");
  }
  int v = *max_concurrent_jobs;
  RETURN_IF_ERROR(ParseIntField(values, "backup_max_operations", 1, 64, &v));
  if (values.count("max_concurrent_jobs") > 0 && v != *max_concurrent_jobs) {
    return Status::InvalidArgument("backup_max_operations (" + it->second +
                                   ") and max_concurrent_jobs (" +
                                   std::to_string(*max_concurrent_jobs) +
                                   ") are the same setting with different values; give one");
  }
  *max_concurrent_jobs = v;
  return Status::Ok();
}

// role, volume_host_address and what they imply for backup_attach (README "Roles").
Status ResolveRole(BackupdConfig* c) {
  if (c->role != "all" && c->role != "volume" && c->role != "backup" && c->role != "api") {
    return Status::InvalidArgument("role must be all, volume, backup or api, got '" + c->role +
                                   "'");
  }
  if (c->role != "backup") {
    if (!c->volume_host_address.empty()) {
      return Status::InvalidArgument(
          "volume_host_address is a setting of role = backup, but "
          "role is '" +
          c->role + "'");
    }
    return Status::Ok();
  }
  if (c->volume_host_address.empty()) {
    return Status::InvalidArgument(
        "volume_host_address (HOST:PORT of the role = volume backupd) is required for role = "
        "backup");
  }
  RETURN_IF_ERROR(ValidateListen(c->volume_host_address).WithContext("volume_host_address"));
  if (c->operator_token_file.empty()) {
    return Status::InvalidArgument(
        "operator_token_file is required for role = backup: the volume host's internal service "
        "answers only calls carrying the operator token (the same file as the volume host's)");
  }
  if (c->backup_attach == "local") {
    return Status::InvalidArgument(
        "backup_attach = local cannot work with role = backup: the volumes and their snapshots "
        "are on the volume host (" +
        c->volume_host_address +
        "), not on this backup host, which "
        "always reads them through an export; use backup_attach = remote (or leave it unset)");
  }
  c->backup_attach = "remote";  // auto: the only way there is
  return Status::Ok();
}

// Role backup has no volume driver: its volumes are the volume host's. A driver setting here is
// refused rather than ignored, since the operator expects it to change something.
Status RefuseDriverSettings(const ConfigValues& values) {
  for (const auto& [key, value] : values) {
    if (key == "volume_driver" || IsDriverOptionKey(key) || key == "volumes_dir" ||
        key.starts_with("file_driver_") || key == "iscsi_portal") {
      return Status::InvalidArgument(
          key +
          " is a volume driver setting, but role = backup has no volume driver (its "
          "volumes are on the volume host, volume_host_address): move it to the role = "
          "volume config");
    }
  }
  return Status::Ok();
}

// The driver's options: volume_driver.<key> lines, then the older top-level names as aliases.
Status ResolveDriverOptions(const ConfigValues& values, BackupdConfig* c) {
  for (const auto& [key, value] : values) {
    if (IsDriverOptionKey(key)) {
      c->volume_driver_options[key.substr(kDriverOptionPrefix.size())] = value;
    }
  }
  struct Alias {
    const char* name;
    const char* option;
    bool file_only;
  };
  for (const Alias& a : {Alias{"volumes_dir", "volumes_dir", false},
                         Alias{"file_driver_snapshots", "snapshots", true},
                         Alias{"file_driver_target_helper", "target_helper", true},
                         Alias{"iscsi_portal", "iscsi_portal", true}}) {
    auto it = values.find(a.name);
    if (it == values.end() || (it->second.empty() && !a.file_only)) continue;
    if (a.file_only && c->volume_driver != "file") {
      // Refused rather than ignored: the operator expects it to change something.
      return Status::InvalidArgument(std::string(a.name) +
                                     " is a setting of the file driver, but volume_driver is '" +
                                     c->volume_driver + "' (its options are volume_driver.<key>)");
    }
    auto [at, inserted] = c->volume_driver_options.emplace(a.option, it->second);
    if (!inserted && at->second != it->second) {
      return Status::InvalidArgument(std::string(a.name) + " ('" + it->second +
                                     "') and volume_driver." + a.option + " ('" + at->second +
                                     "') are the same setting with different values; give one");
    }
  }
  return Status::Ok();
}

// "127.0.0.1:8777", "localhost:0", "[::1]:8777": reachable from this host only.
bool IsLoopbackListen(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

Status RequirePair(const std::string& prefix, const std::string& cert, const std::string& key) {
  if (cert.empty() != key.empty()) {
    return Status::InvalidArgument(prefix + "_cert_file and " + prefix +
                                   "_key_file go together: give both or neither");
  }
  return Status::Ok();
}

// TLS file pairs and grpc_auth's default and safety rule (backupd_config.h).
Status ResolveTlsAndGrpcAuth(BackupdConfig* c) {
  RETURN_IF_ERROR(RequirePair("api_tls", c->api_tls_cert_file, c->api_tls_key_file));
  RETURN_IF_ERROR(RequirePair("grpc_tls", c->grpc_tls_cert_file, c->grpc_tls_key_file));
  if (!c->grpc_tls_client_ca_file.empty() && c->grpc_tls_cert_file.empty()) {
    return Status::InvalidArgument(
        "grpc_tls_client_ca_file (mutual TLS) needs grpc_tls_cert_file and grpc_tls_key_file");
  }
  bool loopback = IsLoopbackListen(c->listen);
  if (c->grpc_auth.empty()) c->grpc_auth = loopback ? "trusted-header" : "token";
  if (c->grpc_auth != "token" && c->grpc_auth != "trusted-header") {
    return Status::InvalidArgument("grpc_auth must be token or trusted-header, got '" +
                                   c->grpc_auth + "'");
  }
  if (c->grpc_auth == "trusted-header" && !loopback && c->grpc_tls_client_ca_file.empty()) {
    return Status::InvalidArgument(
        "grpc_auth = trusted-header lets any caller name any project: it is only allowed on a "
        "loopback listen address or with mutual TLS (grpc_tls_client_ca_file); listen is '" +
        c->listen + "'");
  }
  return Status::Ok();
}

}  // namespace

Status ParseConfigText(std::string_view text, const std::string& origin, ConfigValues* values) {
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    std::string where = origin + ":" + std::to_string(line_no) + ": ";
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(where + "expected 'key = value'");
    }
    std::string key(Trim(line.substr(0, eq)));
    if (key.empty()) return Status::InvalidArgument(where + "missing key before '='");
    if (!IsKnownKey(key)) return UnknownKey(where, key);
    (*values)[key] = std::string(Trim(line.substr(eq + 1)));
  }
  return Status::Ok();
}

Status ParseFlags(const std::vector<std::string>& args, std::string* config_path,
                  ConfigValues* overrides, bool* help) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return Status::InvalidArgument("unexpected argument '" + arg + "' (flags are --KEY=VALUE)");
    }
    std::string key, value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      key = arg.substr(2, eq - 2);
      value = arg.substr(eq + 1);
    } else {
      key = arg.substr(2);
      if (i + 1 >= args.size()) return Status::InvalidArgument("--" + key + " needs a value");
      value = args[++i];
    }
    if (key == "config") {
      *config_path = value;
    } else if (IsKnownKey(key)) {
      (*overrides)[key] = value;
    } else {
      return UnknownKey("flag --" + key + ": ", key);
    }
  }
  return Status::Ok();
}

Result<BackupdConfig> ResolveConfig(const ConfigValues& values, const std::string& default_host) {
  BackupdConfig c;
  auto str = [&](const char* key, std::string* field) {
    auto it = values.find(key);
    if (it != values.end()) *field = it->second;
  };
  str("listen", &c.listen);
  str("database", &c.database);
  str("schema_dir", &c.schema_dir);
  c.host = default_host;
  str("host", &c.host);
  str("volume_driver", &c.volume_driver);
  str("object_store", &c.object_store);
  str("store_path", &c.store_path);
  str("default_container", &c.default_container);
  str("backup_format", &c.backup_format);
  str("compression", &c.compression);
  str("backup_master_key_file", &c.backup_master_key_file);
  str("port_file", &c.port_file);
  str("operator_token_file", &c.operator_token_file);
  str("failpoints", &c.failpoints);
  str("log_level", &c.log_level_name);
  str("api_listen", &c.api_listen);
  str("api_auth", &c.api_auth);
  str("api_port_file", &c.api_port_file);
  str("backup_attach", &c.backup_attach);
  str("iscsi_initiator_name", &c.iscsi_initiator_name);
  str("iscsi_initiator", &c.iscsi_initiator);
  str("my_ip", &c.my_ip);
  str("role", &c.role);
  str("volume_host_address", &c.volume_host_address);
  RETURN_IF_ERROR(ResolveRole(&c));
  RETURN_IF_ERROR(ResolveApiRole(values, &c));
  str("api_tls_cert_file", &c.api_tls_cert_file);
  str("api_tls_key_file", &c.api_tls_key_file);
  str("grpc_tls_cert_file", &c.grpc_tls_cert_file);
  str("grpc_tls_key_file", &c.grpc_tls_key_file);
  str("grpc_tls_client_ca_file", &c.grpc_tls_client_ca_file);
  str("grpc_auth", &c.grpc_auth);
  RETURN_IF_ERROR(ResolveTlsAndGrpcAuth(&c));
  if (c.backup_attach != "auto" && c.backup_attach != "local" && c.backup_attach != "remote") {
    return Status::InvalidArgument("backup_attach must be auto, local or remote, got '" +
                                   c.backup_attach + "'");
  }
  if (c.iscsi_initiator != "libiscsi" && c.iscsi_initiator != "iscsiadm") {
    return Status::InvalidArgument("iscsi_initiator must be libiscsi or iscsiadm, got '" +
                                   c.iscsi_initiator + "'");
  }
  if (auto it = values.find("file_driver_target_helper");
      it != values.end() && it->second != "none" && it->second != "tgt") {
    return Status::InvalidArgument("file_driver_target_helper must be none or tgt, got '" +
                                   it->second + "'");
  }

  RETURN_IF_ERROR(ValidateListen(c.listen));
  RETURN_IF_ERROR(ParseBool(values, "api_enabled", &c.api_enabled));
  RETURN_IF_ERROR(ParseBool(values, "changed_extent_incrementals", &c.changed_extent_incrementals));
  RETURN_IF_ERROR(ParseBool(values, "backup_use_temp_snapshot", &c.backup_use_temp_snapshot));
  RETURN_IF_ERROR(ParseBool(values, "collect_on_delete", &c.collect_on_delete));
  RETURN_IF_ERROR(ValidateListen(c.api_listen).WithContext("api_listen"));
  if (c.api_auth != "token" && c.api_auth != "noauth") {
    return Status::InvalidArgument("api_auth must be token or noauth, got '" + c.api_auth + "'");
  }
  bool file_driver_snapshots = true;  // checked here; the driver gets it as "snapshots"
  RETURN_IF_ERROR(ParseBool(values, "file_driver_snapshots", &file_driver_snapshots));
  RETURN_IF_ERROR(ParseInt(values, "chunk_size_mib", 1, 1024, &c.chunk_size_mib));
  if (c.backup_format != "v1" && c.backup_format != "v2") {
    return Status::InvalidArgument("backup_format must be v1 or v2, got '" + c.backup_format + "'");
  }
  if (c.compression != "zstd" && c.compression != "lz4" && c.compression != "none") {
    return Status::InvalidArgument("compression must be zstd, lz4 or none, got '" + c.compression +
                                   "'");
  }
  // v1 chunk objects have no lz4 id (README.md "Chunk object format"); v1 is kept for reading.
  if (c.compression == "lz4" && c.backup_format == "v1") {
    return Status::InvalidArgument(
        "compression = lz4 needs backup_format = v2 (v1 chunks are zstd or none)");
  }
  if (c.backup_format == "v1") c.compression_level = 3;
  RETURN_IF_ERROR(ParseIntField(values, "compression_level", 1, 19, &c.compression_level));
  RETURN_IF_ERROR(ParseIntField(values, "workers_per_job", 1, 64, &c.workers_per_job));
  RETURN_IF_ERROR(ParseIntField(values, "max_concurrent_jobs", 1, 64, &c.max_concurrent_jobs));
  RETURN_IF_ERROR(ResolveMaxOperations(values, &c.max_concurrent_jobs));
  RETURN_IF_ERROR(ParseIntField(values, "list_max_limit", 1, 10000, &c.list_max_limit));
  RETURN_IF_ERROR(
      ParseIntField(values, "list_default_limit", 1, c.list_max_limit, &c.list_default_limit));
  RETURN_IF_ERROR(ParseInt(values, "quota_backups", -1, 0x7FFFFFFF, &c.quota_backups));
  RETURN_IF_ERROR(
      ParseInt(values, "quota_backup_gigabytes", -1, 0x7FFFFFFF, &c.quota_backup_gigabytes));

  if (c.log_level_name == "debug") {
    c.log_level = LogLevel::kDebug;
  } else if (c.log_level_name == "info") {
    c.log_level = LogLevel::kInfo;
  } else if (c.log_level_name == "warning") {
    c.log_level = LogLevel::kWarning;
  } else if (c.log_level_name == "error") {
    c.log_level = LogLevel::kError;
  } else {
    return Status::InvalidArgument("log_level must be debug, info, warning or error, got '" +
                                   c.log_level_name + "'");
  }

  auto require = [](const std::string& value, const std::string& what) -> Status {
    if (value.empty()) return Status::InvalidArgument(what + " is required");
    return Status::Ok();
  };
  RETURN_IF_ERROR(require(c.database, "database (a libpq conninfo)"));
  RETURN_IF_ERROR(require(c.schema_dir, "schema_dir (the directory of NNNN_*.sql files)"));
  RETURN_IF_ERROR(require(c.host, "host"));
  RETURN_IF_ERROR(require(c.default_container, "default_container"));
  RETURN_IF_ERROR(
      ValidateBackupContainerName(c.default_container).WithContext("default_container"));
  // Role backup: no volume driver here, its settings are the volume host's; role api: none (its
  // own check refuses them).
  if (c.role == "backup") {
    RETURN_IF_ERROR(RefuseDriverSettings(values));
  } else if (c.role != "api") {
    RETURN_IF_ERROR(ResolveDriverOptions(values, &c));
    if (c.volume_driver == "file") {
      auto dir = c.volume_driver_options.find("volumes_dir");
      RETURN_IF_ERROR(require(dir == c.volume_driver_options.end() ? "" : dir->second,
                              "volumes_dir (for volume_driver=file)"));
    }
  }
  if (c.object_store == "posix" && c.role != "volume" && c.role != "api") {
    RETURN_IF_ERROR(require(c.store_path, "store_path (for object_store=posix)"));
  }
  return c;
}

Result<BackupdConfig> LoadBackupdConfig(const std::vector<std::string>& args,
                                        const std::string& default_host, bool* help) {
  std::string config_path;
  ConfigValues overrides;
  RETURN_IF_ERROR(ParseFlags(args, &config_path, &overrides, help));
  if (*help) return BackupdConfig{};
  ConfigValues values;
  if (!config_path.empty()) {
    std::ifstream in(config_path);
    if (!in) return Status::NotFound("cannot read config file " + config_path);
    std::ostringstream text;
    text << in.rdbuf();
    RETURN_IF_ERROR(ParseConfigText(text.str(), config_path, &values));
  }
  for (const auto& [key, value] : overrides) values[key] = value;
  return ResolveConfig(values, default_host);
}

}  // namespace bb
