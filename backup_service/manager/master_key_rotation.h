// Master-key rotation over a whole object store (datapath/README.md "Encryption and keys"):
// every container key (keys/<generation>.key of each "<project>/<container>") is re-wrapped from
// the old master key to the new one, one atomic Put per key object. No pack, index or manifest is
// rewritten: they are sealed with the container keys, which do not change.
//
// Run it with backupd stopped (`backupd --config F rotate-master-key --new-master-key-file N`),
// then start backupd with backup_master_key_file = N. It is idempotent: keys already wrapped by
// the new master key are left alone, so an interrupted run is finished by running it again
// (meanwhile each container opens with exactly one of the two keys). A key that opens with
// neither stops the run with FailedPrecondition naming the container and the key ids.
// Thread-safety: one call at a time per store.
#pragma once

#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/object_stores/object_store.h"

namespace bb {

struct MasterKeyRotationReport {
  std::string old_key_id;  // MasterKeyId of each key, never the keys
  std::string new_key_id;
  int containers = 0;        // containers looked at
  int keys_rewrapped = 0;    // by this run
  int keys_already_new = 0;  // wrapped by the new key before this run
  std::vector<std::string> encrypted_containers;
};

// InvalidArgument when both keys are the same; Unimplemented when the store cannot list its
// containers.
Result<MasterKeyRotationReport> RotateMasterKey(ObjectStore& store, const Key256& old_master,
                                                const Key256& new_master);

}  // namespace bb
