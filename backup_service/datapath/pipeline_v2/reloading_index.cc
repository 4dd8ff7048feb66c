// ReloadingIndex (reloading_index.h).
#include "backup_service/datapath/pipeline_v2/reloading_index.h"

namespace bb::v2 {

std::optional<BlobLocation> ReloadingIndex::Find(const BlobId& id, uint64_t* generation) const {
  std::shared_lock lock(mu_);
  *generation = generation_;
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

Status ReloadingIndex::Reload(uint64_t seen) {
  std::lock_guard one(reload_mu_);
  {
    std::shared_lock lock(mu_);
    if (generation_ != seen) return Status::Ok();  // another worker reloaded meanwhile
  }
  ASSIGN_OR_RETURN(ContainerIndex fresh, LoadContainerIndex(store_, container_, c_));
  std::unique_lock lock(mu_);
  index_ = std::move(fresh);
  ++generation_;
  return Status::Ok();
}

int64_t ReloadingIndex::reloads() const {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(generation_);
}

}  // namespace bb::v2
