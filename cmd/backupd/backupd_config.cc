// BackupdConfig parsing: text -> ConfigValues -> BackupdConfig. Values stay strings until
// ResolveConfig so that file and flags share one conversion and one set of error messages.
#include "cmd/backupd/backupd_config.h"

#include <algorithm>
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

bool IsKnownKey(const std::string& key) {
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

}  // namespace

const std::vector<std::string>& BackupdConfigKeys() {
  static const std::vector<std::string> kKeys = {"listen",
                                                 "database",
                                                 "schema_dir",
                                                 "host",
                                                 "volume_driver",
                                                 "volumes_dir",
                                                 "file_driver_snapshots",
                                                 "file_driver_target_helper",
                                                 "iscsi_portal",
                                                 "backup_attach",
                                                 "iscsi_initiator_name",
                                                 "my_ip",
                                                 "object_store",
                                                 "store_path",
                                                 "default_container",
                                                 "chunk_size_mib",
                                                 "compression_level",
                                                 "workers_per_job",
                                                 "max_concurrent_jobs",
                                                 "backup_max_operations",
                                                 "log_level",
                                                 "port_file",
                                                 "operator_token_file",
                                                 "list_default_limit",
                                                 "list_max_limit",
                                                 "quota_backups",
                                                 "quota_backup_gigabytes",
                                                 "failpoints",
                                                 "api_enabled",
                                                 "api_listen",
                                                 "api_auth",
                                                 "api_port_file"};
  return kKeys;
}

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
  str("volumes_dir", &c.volumes_dir);
  str("object_store", &c.object_store);
  str("store_path", &c.store_path);
  str("default_container", &c.default_container);
  str("port_file", &c.port_file);
  str("operator_token_file", &c.operator_token_file);
  str("failpoints", &c.failpoints);
  str("log_level", &c.log_level_name);
  str("api_listen", &c.api_listen);
  str("api_auth", &c.api_auth);
  str("api_port_file", &c.api_port_file);
  str("file_driver_target_helper", &c.file_driver_target_helper);
  str("iscsi_portal", &c.iscsi_portal);
  str("backup_attach", &c.backup_attach);
  str("iscsi_initiator_name", &c.iscsi_initiator_name);
  str("my_ip", &c.my_ip);
  if (c.backup_attach != "auto" && c.backup_attach != "local" && c.backup_attach != "remote") {
    return Status::InvalidArgument("backup_attach must be auto, local or remote, got '" +
                                   c.backup_attach + "'");
  }
  if (c.file_driver_target_helper != "none" && c.file_driver_target_helper != "tgt") {
    return Status::InvalidArgument("file_driver_target_helper must be none or tgt, got '" +
                                   c.file_driver_target_helper + "'");
  }

  RETURN_IF_ERROR(ValidateListen(c.listen));
  RETURN_IF_ERROR(ParseBool(values, "api_enabled", &c.api_enabled));
  RETURN_IF_ERROR(ValidateListen(c.api_listen).WithContext("api_listen"));
  if (c.api_auth != "token" && c.api_auth != "noauth") {
    return Status::InvalidArgument("api_auth must be token or noauth, got '" + c.api_auth + "'");
  }
  RETURN_IF_ERROR(ParseBool(values, "file_driver_snapshots", &c.file_driver_snapshots));
  RETURN_IF_ERROR(ParseInt(values, "chunk_size_mib", 1, 1024, &c.chunk_size_mib));
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
  if (c.volume_driver == "file") {
    RETURN_IF_ERROR(require(c.volumes_dir, "volumes_dir (for volume_driver=file)"));
  } else if (values.count("file_driver_snapshots") > 0) {
    // Refused rather than ignored: the operator expects it to change how backups are taken.
    return Status::InvalidArgument(
        "file_driver_snapshots is a setting of the file driver, but "
        "volume_driver is '" +
        c.volume_driver + "'");
  }
  if (c.object_store == "posix") {
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

std::string BackupdUsage() {
  return R"(usage: backupd [--config FILE] [--KEY=VALUE | --KEY VALUE]...
       backupd --list-failpoints    prints the failpoint table (name, where) and exits

Serves VolumeService and BackupService over gRPC. Settings come from FILE (`key = value` lines,
`#` comment lines) and are overridden by flags of the same name.

keys (default):
  listen               HOST:PORT to serve on (127.0.0.1:8777; port 0 picks a free port)
  database             libpq conninfo, e.g. "host=/run/postgresql dbname=bb" (required)
  schema_dir           directory of NNNN_*.sql migrations (required)
  host                 this service's host name (gethostname)
  volume_driver        file | fake (file)
  volumes_dir          directory of volume files (required for the file driver)
  file_driver_snapshots  true | false (true): false makes the file driver declare no snapshot
                       support while keeping its reflink clones, so backups of attached volumes
                       read a temporary clone (the path of a driver that can clone, not snapshot)
  file_driver_target_helper  none | tgt (none): tgt exports volumes and snapshots over iSCSI
                       through tgtd (devstack/lib/tgt.sh), so backups can read them through an
                       iSCSI login (generated CHAP, this host's initiator and address as the ACL)
  iscsi_portal         where tgtd listens (127.0.0.1:3260)
  backup_attach        auto | local | remote (auto): auto reads the cheapest source the driver
                       offers; local never reads through an export; remote always does (a
                       temporary snapshot exported, logged in to with libiscsi, read over TCP)
  iscsi_initiator_name this backup host's iSCSI initiator name
                       (iqn.2010-10.org.blockbackup:backupd)
  my_ip                this backup host's address, as targets see it (127.0.0.1)
  object_store         posix (posix)
  store_path           root directory of the posix object store (required for posix)
  default_container    container for backups that name none (backups)
  chunk_size_mib       backup chunk size in MiB, 1..1024 (4)
  compression_level    zstd level, 1..19 (3)
  workers_per_job      parallel chunk workers per backup/restore, 1..64 (2)
  max_concurrent_jobs  backups and restores running at once, 1..64 (4); more wait in a queue
                       (job phase queued, with their position); deletes do not count
  backup_max_operations  Cinder's name for max_concurrent_jobs (an alias; 0 is refused)
  log_level            debug | info | warning | error (info)
  port_file            write the bound port to this file once listening (unset)
  operator_token_file  file holding the operator's admin token, 32+ characters (unset: no admin)
  list_default_limit   page size of List calls that give no limit, 1..list_max_limit (100)
  list_max_limit       largest page a List call gets; larger limits are capped, 1..10000 (1000)
  api_enabled          serve the REST API (Cinder v3 subset) in this daemon (true)
  api_listen           HOST:PORT of the REST API (127.0.0.1:8776, Cinder's port)
  api_auth             token (API tokens, backupctl token create) | noauth: DEVELOPMENT ONLY,
                       X-Auth-Token USER:PROJECT is trusted as an admin, as Cinder's noauth (token)
  api_port_file        write the REST API's bound port to this file (unset)
  failpoints           TESTS ONLY: NAME=error|kill|delay:MS[@N],... (backup_service/model/
                       failpoints.cc); the BB_FAILPOINTS environment variable overrides it
)";
}

}  // namespace bb
