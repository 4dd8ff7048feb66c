// `backupd [--config FILE] [--KEY=VALUE]... rotate-master-key --new-master-key-file FILE`: the
// offline maintenance command of master-key rotation (backup_service/manager/
// master_key_rotation.h). It reads the same configuration as the daemon (object store and the
// current backup_master_key_file), re-wraps every container key with the new key, prints what
// it did and exits; it serves nothing and does not touch the database.
#pragma once

#include <string>
#include <vector>

namespace bb {

// True when `args` name the subcommand (the word rotate-master-key anywhere).
bool IsRotateMasterKeyCommand(const std::vector<std::string>& args);
// Exit code: 0 done, 1 refused or failed (a message on stderr), 2 usage error.
int RunRotateMasterKey(std::vector<std::string> args, const std::string& default_host);

}  // namespace bb
