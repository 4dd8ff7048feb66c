// The v2 collector as the manager runs it (backup_service/datapath/README.md "Garbage collection
// and repacking"): one collector per container at a time on any daemon (the container's gc
// lock, a second advisory key), and the fence of step 2 as a short exclusive hold of the
// container lock, taken with try-locks between backups so that a waiting collector never makes
// new backups queue behind it; after kFenceTryFor of failed tries it waits in the lock's queue
// instead (backups then wait behind it only for the seconds the fence lasts).
#include <chrono>
#include <thread>

#include "backup_service/common/log.h"
#include "backup_service/datapath/pipeline_v2/pack_collector.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

constexpr char kGcLockSuffix[] = "#gc";
constexpr std::chrono::minutes kFenceTryFor{10};
constexpr std::chrono::milliseconds kFenceRetry{100};

}  // namespace

Result<std::unique_ptr<ContainerHold>> BackupManager::FenceContainer(const std::string& container,
                                                                     bool wait) {
  const auto give_up = std::chrono::steady_clock::now() + kFenceTryFor;
  for (;;) {
    ASSIGN_OR_RETURN(std::unique_ptr<ContainerHold> hold, container_locks_.TryExclusive(container));
    if (hold || !wait) return hold;
    if (stopping_.load()) {
      return Status::Cancelled("stopped while waiting for container " + container);
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      BB_LOG(kInfo) << "container " << container << ": backups overlap without a gap for "
                    << kFenceTryFor.count() << " min; the collector queues for the lock";
      return HoldContainer(container, ContainerLockMode::kExclusive);
    }
    std::this_thread::sleep_for(kFenceRetry);
  }
}

Result<v2::PackCollectResult> BackupManager::CollectPacksFenced(const std::string& container,
                                                                bool wait) {
  auto gc = wait ? HoldContainer(container + kGcLockSuffix, ContainerLockMode::kExclusive)
                 : container_locks_.TryExclusive(container + kGcLockSuffix);
  RETURN_IF_ERROR(gc.status());
  if (*gc == nullptr) {
    return Status::Unavailable("another collector runs in container " + container);
  }
  v2::PackCollectOptions o;
  o.fence = [&](const std::function<Status()>& body) -> Status {
    ASSIGN_OR_RETURN(std::unique_ptr<ContainerHold> hold, FenceContainer(container, wait));
    if (hold == nullptr) {
      return Status::Unavailable("a backup writes into container " + container);
    }
    RETURN_IF_ERROR(body());
    // The condemned list protects only backups that start after it: the lock must have been
    // held without a break while it was decided and written (else nothing is deleted).
    return hold->Verify();
  };
  return v2::CollectPacks(store_, container, options_.master_key, o);
}

}  // namespace bb
