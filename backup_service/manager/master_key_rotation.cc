// RotateMasterKey: every "<project>/<container>" of the store, RewrapContainerKeys on each.
#include "backup_service/manager/master_key_rotation.h"

#include "backup_service/common/log.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb {

Result<MasterKeyRotationReport> RotateMasterKey(ObjectStore& store, const Key256& old_master,
                                                const Key256& new_master) {
  if (old_master == new_master) {
    return Status::InvalidArgument(
        "the new master key is the configured one: give a new key file (create it with: head -c "
        "32 /dev/urandom > FILE; chmod 600 FILE)");
  }
  MasterKeyRotationReport report;
  report.old_key_id = MasterKeyId(old_master);
  report.new_key_id = MasterKeyId(new_master);
  // The service names containers "<project>/<container>" (BackupManager::StoreContainer).
  ASSIGN_OR_RETURN(std::vector<std::string> containers, store.ListContainers(2));
  for (const std::string& container : containers) {
    ++report.containers;
    auto r = v2::RewrapContainerKeys(store, container, old_master, new_master);
    if (!r.ok()) {
      return r.status().WithContext("after " + std::to_string(report.keys_rewrapped) +
                                    " keys re-wrapped (run it again once fixed: keys already "
                                    "re-wrapped are skipped)");
    }
    report.keys_rewrapped += r->rewrapped;
    report.keys_already_new += r->already_new;
    if (r->rewrapped + r->already_new > 0) report.encrypted_containers.push_back(container);
    if (r->rewrapped > 0) {
      BB_LOG(kInfo) << "container " << container << ": " << r->rewrapped
                    << " container key(s) re-wrapped from master key " << report.old_key_id
                    << " to " << report.new_key_id;
    }
  }
  return report;
}

}  // namespace bb
