// BackupdConfig: the daemon's settings, from a `key = value` file and command-line overrides.
//
// File format: one `key = value` per line (split at the first `=`); a line whose first non-blank
// character is `#` is a comment (a `#` inside a value is kept: passwords may contain one);
// blank lines are ignored; surrounding whitespace is trimmed. Flags: `--config FILE`, and
// `--KEY=VALUE` or `--KEY VALUE` for any key, applied after the file. An unknown key (in the file
// or as a flag) is an error that names it, so a typo never silently falls back to a default.
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
  std::string volumes_dir;  // required for the file driver
  // file driver only: false declares no snapshot support (reflink clones stay), so backups of
  // attached volumes take the temporary-clone path.
  bool file_driver_snapshots = true;
  // file driver only: "tgt" exports volumes and snapshots over iSCSI through tgtd at iscsi_portal.
  std::string file_driver_target_helper = "none";
  std::string iscsi_portal = "127.0.0.1:3260";
  // Remote attach: auto | local | remote (backup_service/manager/backup_source.h), and this
  // backup host as exports see it.
  std::string backup_attach = "auto";
  std::string iscsi_initiator_name = "iqn.2010-10.org.blockbackup:backupd";
  std::string my_ip = "127.0.0.1";
  std::string object_store = "posix";
  std::string store_path;  // required for the posix store
  std::string default_container = "backups";
  int64_t chunk_size_mib = 4;
  int compression_level = 3;
  int workers_per_job = 2;
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

// Everything together: flags -> file (if --config) -> overrides -> ResolveConfig.
Result<BackupdConfig> LoadBackupdConfig(const std::vector<std::string>& args,
                                        const std::string& default_host, bool* help);

// Usage text for --help.
std::string BackupdUsage();

}  // namespace bb
