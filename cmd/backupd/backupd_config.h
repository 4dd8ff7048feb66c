// BackupdConfig: the daemon's settings, from a `key = value` file and command-line overrides.
//
// File format: one `key = value` per line (split at the first `=`); a line whose first non-blank
// character is `#` is a comment (a `#` inside a value is kept: passwords may contain one);
// blank lines are ignored; surrounding whitespace is trimmed. Flags: `--config FILE`, and
// `--KEY=VALUE` or `--KEY VALUE` for any key, applied after the file. An unknown key (in the file
// or as a flag) is an error that names it, so a typo never silently falls back to a default.
// Keys `volume_driver.<key>` are the volume driver's own options: passed through to it
// (BackupdConfig::volume_driver_options), and the driver refuses the ones it does not know.
// Thread-safety: pure functions; BackupdConfig is a value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/log.h"
#include "backup_service/common/result.h"

namespace bb {

struct BackupdConfig {
  std::string listen = "127.0.0.1:8777";
  std::string database;    // libpq conninfo (required)
  std::string schema_dir;  // directory of NNNN_*.sql (required)
  std::string host;        // default: gethostname()
  std::string volume_driver = "file";
  // The driver's options, handed to its factory unchanged (the driver validates them and refuses
  // a key it does not know): every `volume_driver.<key> = value` line as <key> -> value, plus the
  // older top-level names, which are aliases: volumes_dir -> volumes_dir (any driver), and for
  // the file driver only file_driver_snapshots -> snapshots, file_driver_target_helper ->
  // target_helper, iscsi_portal -> iscsi_portal. An alias and its volume_driver.<key> with
  // different values are refused.
  std::map<std::string, std::string> volume_driver_options;
  // Remote attach: auto | local | remote (backup_service/manager/backup_source.h), and this
  // backup host as exports see it.
  std::string backup_attach = "auto";
  // false: backups of volumes read a temporary clone even when the driver can snapshot.
  bool backup_use_temp_snapshot = true;
  std::string iscsi_initiator_name = "iqn.2010-10.org.blockbackup:backupd";
  // How remote reads log in: libiscsi (userspace) or iscsiadm (open-iscsi, kernel iscsi_tcp).
  std::string iscsi_initiator = "libiscsi";
  std::string my_ip = "127.0.0.1";
  std::string object_store = "posix";
  std::string store_path;  // required for the posix store
  std::string default_container = "backups";
  int64_t chunk_size_mib = 4;  // format v1 only
  // Codec of new chunks: zstd | lz4 | none (v1 writes zstd or none only; every reader takes any
  // mix, the codec is recorded per chunk).
  std::string compression = "zstd";
  // zstd level: 3 for v1; unset under v2 it is 1 (README "Throughput plan": as small, faster).
  int compression_level = 1;
  // Format of new backups: v2 (packs, README "Format v2") or v1; existing backups are always
  // read in their own format.
  std::string backup_format = "v2";
  // 32-byte key file: when set, new v2 containers are encrypted (unreadable: backupd refuses to
  // start).
  std::string backup_master_key_file;
  int workers_per_job = 2;
  bool changed_extent_incrementals = true;
  // false: deletes remove manifests only; `backupctl gc` collects (BackupManagerOptions).
  bool collect_on_delete = true;
  int max_concurrent_jobs = 4;
  LogLevel log_level = LogLevel::kInfo;
  std::string log_level_name = "info";
  std::string port_file;            // optional: the bound port is written there after listening
  std::string operator_token_file;  // optional: the admin token (rpc/operator_auth.h)
  int list_default_limit = 100;
  int list_max_limit = 1000;
  // Backup quotas of a project without limits of its own (Cinder's names and defaults; -1 is
  // unlimited; an admin sets a project's own with os-quota-sets).
  int64_t quota_backups = 10;
  int64_t quota_backup_gigabytes = 1000;
  std::string failpoints;  // tests only (backup_service/common/failpoint.h)
  // The REST API (api/): on by default on Cinder's port; api_auth token | noauth (development).
  bool api_enabled = true;
  std::string api_listen = "127.0.0.1:8776";
  std::string api_auth = "token";
  std::string api_port_file;  // optional: the API's bound port, written before port_file
  // all | volume | backup (README "Roles"); role backup reaches the volume host's internal
  // VolumeHostService at volume_host_address (HOST:PORT) and always attaches remotely.
  std::string role = "all";
  std::string volume_host_address;
  // TLS (OpenSSL): both files of a pair or neither. The REST API serves HTTPS when api_tls_* are
  // set; gRPC uses TLS when grpc_tls_* are set and additionally requires client certificates
  // signed by grpc_tls_client_ca_file (mutual TLS) when that is set.
  std::string api_tls_cert_file;
  std::string api_tls_key_file;
  std::string grpc_tls_cert_file;
  std::string grpc_tls_key_file;
  std::string grpc_tls_client_ca_file;
  // Who a gRPC call acts for (rpc/call_auth.h): "token" (x-auth-token, the REST API's tokens, or
  // the operator token) or "trusted-header" (x-project-id as sent). Default: trusted-header when
  // `listen` is a loopback address, token otherwise; trusted-header on a non-loopback address is
  // refused unless gRPC requires client certificates.
  std::string grpc_auth;
  // Role api (api_role_config.cc): the gRPC HOST:PORT of the daemons it forwards REST calls to
  // (BackupService; VolumeService, default the same daemon), and the client TLS files for them
  // (a CA to trust: TLS; plus a certificate and key: mutual TLS).
  std::string backup_service_address;
  std::string volume_service_address;
  std::string backend_tls_ca_file;
  std::string backend_tls_cert_file;
  std::string backend_tls_key_file;
};

// key -> raw value, as read from the file and flags.
using ConfigValues = std::map<std::string, std::string>;

// The keys a config file or flag may set.
const std::vector<std::string>& BackupdConfigKeys();

// Parses file text into `values` (later lines override earlier ones). `origin` names the file in
// errors: "backupd.conf:7: unknown key 'listn'".
Status ParseConfigText(std::string_view text, const std::string& origin, ConfigValues* values);

// Splits command-line arguments (without argv[0]) into the --config path and overrides.
// Sets *help when --help/-h is present.
Status ParseFlags(const std::vector<std::string>& args, std::string* config_path,
                  ConfigValues* overrides, bool* help);

// Applies defaults, converts numbers, and checks required and dependent keys.
// `default_host` is used when `host` is not set (main passes gethostname()).
Result<BackupdConfig> ResolveConfig(const ConfigValues& values, const std::string& default_host);

// Role api's keys and refusals (api_role_config.cc); a no-op check for other roles, which may
// not set role api's keys.
Status ResolveApiRole(const ConfigValues& values, BackupdConfig* c);

// Everything together: flags -> file (if --config) -> overrides -> ResolveConfig.
Result<BackupdConfig> LoadBackupdConfig(const std::vector<std::string>& args,
                                        const std::string& default_host, bool* help);

// Usage text for --help.
std::string BackupdUsage();

}  // namespace bb
