// backupd rotate-master-key: configuration -> store + both keys -> RotateMasterKey -> report.
#include "cmd/backupd/rotate_master_key.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>

#include "backup_service/datapath/pipeline_v2/v2_container.h"
#include "backup_service/manager/master_key_rotation.h"
#include "backup_service/object_stores/object_store.h"
#include "cmd/backupd/backupd_config.h"
#include "cmd/backupd/daemon_support.h"

namespace bb {

constexpr char kCommand[] = "rotate-master-key";
constexpr char kNewKeyFlag[] = "--new-master-key-file";

bool IsRotateMasterKeyCommand(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), kCommand) != args.end();
}

int RunRotateMasterKey(std::vector<std::string> args, const std::string& default_host) {
  args.erase(std::find(args.begin(), args.end(), kCommand));
  std::string new_key_file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == kNewKeyFlag && i + 1 < args.size()) {
      new_key_file = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i + 2));
      break;
    }
  }
  if (new_key_file.empty()) {
    std::fprintf(stderr,
                 "usage: backupd [--config FILE] rotate-master-key --new-master-key-file FILE\n"
                 "(stop backupd first; then start it with backup_master_key_file = FILE)\n");
    return 2;
  }
  bool help = false;
  auto config = LoadBackupdConfig(args, default_host, &help);
  if (!config.ok()) return Fail("configuration", config.status());
  if (config->backup_master_key_file.empty()) {
    return Fail("rotate-master-key",
                Status::FailedPrecondition("backup_master_key_file is not set: there is no "
                                           "current master key to rotate from"));
  }
  auto old_key = v2::ReadMasterKeyFile(config->backup_master_key_file);
  if (!old_key.ok()) return Fail("backup_master_key_file", old_key.status());
  auto new_key = v2::ReadMasterKeyFile(new_key_file);
  if (!new_key.ok()) return Fail(kNewKeyFlag, new_key.status());
  ObjectStoreConfig store_config;
  if (!config->store_path.empty()) store_config["path"] = config->store_path;
  auto store = CreateObjectStore(config->object_store, store_config);
  if (!store.ok()) return Fail("object store " + config->object_store, store.status());
  auto report = RotateMasterKey(**store, *old_key, *new_key);
  if (!report.ok()) return Fail("rotate-master-key", report.status());
  std::printf(
      "master key %s -> %s: %d containers, %d container keys re-wrapped, %d already wrapped by "
      "the new key; no data rewritten.\nNow set backup_master_key_file = %s and restart "
      "backupd.\n",
      report->old_key_id.c_str(), report->new_key_id.c_str(), report->containers,
      report->keys_rewrapped, report->keys_already_new, new_key_file.c_str());
  return 0;
}

}  // namespace bb
