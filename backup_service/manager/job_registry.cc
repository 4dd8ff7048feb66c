// JobRegistry: a mutex-protected map; speeds are computed from the copy phase's start.
#include "backup_service/manager/job_registry.h"

namespace bb {

std::string_view ToString(JobOperation op) {
  switch (op) {
    case JobOperation::kCreate:
      return "create";
    case JobOperation::kRestore:
      return "restore";
    case JobOperation::kDelete:
      return "delete";
  }
  return "unknown";
}

std::string_view ToString(JobPhase phase) {
  switch (phase) {
    case JobPhase::kQueued:
      return "queued";
    case JobPhase::kSnapshot:
      return "snapshot";
    case JobPhase::kCopy:
      return "copy";
    case JobPhase::kFinalize:
      return "finalize";
    case JobPhase::kCleanup:
      return "cleanup";
  }
  return "unknown";
}

JobHandle::~JobHandle() {
  if (registry_ != nullptr) registry_->Remove(backup_id_);
}
void JobHandle::SetPhase(JobPhase phase) {
  if (registry_ != nullptr) registry_->SetPhase(backup_id_, phase);
}
void JobHandle::SetBytes(int64_t done, int64_t total) {
  if (registry_ != nullptr) registry_->SetBytes(backup_id_, done, total);
}

std::shared_ptr<JobHandle> JobRegistry::Register(const std::string& backup_id, JobOperation op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = jobs_.try_emplace(backup_id);
  if (!inserted) return nullptr;
  it->second.progress.backup_id = backup_id;
  it->second.progress.operation = op;
  return std::make_shared<JobHandle>(this, backup_id);
}

std::optional<JobProgress> JobRegistry::Find(const std::string& backup_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(backup_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.progress;
}

size_t JobRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

void JobRegistry::Remove(const std::string& backup_id) {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.erase(backup_id);
}

void JobRegistry::SetPhase(const std::string& backup_id, JobPhase phase) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(backup_id);
  if (it == jobs_.end()) return;
  if (phase == JobPhase::kCopy && it->second.progress.phase != JobPhase::kCopy) {
    it->second.copy_started = std::chrono::steady_clock::now();
  }
  it->second.progress.phase = phase;
}

void JobRegistry::SetBytes(const std::string& backup_id, int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(backup_id);
  if (it == jobs_.end()) return;
  Entry& e = it->second;
  e.progress.bytes_done = done;
  e.progress.bytes_total = total;
  if (e.progress.phase == JobPhase::kCopy) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - e.copy_started).count();
    if (seconds > 0) e.progress.mb_per_s = static_cast<double>(done) / 1e6 / seconds;
  }
}

}  // namespace bb
