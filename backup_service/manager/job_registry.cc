// JobRegistry: a mutex-protected map; speeds are computed from the copy phase's start.
#include "backup_service/manager/job_registry.h"

#include <iterator>

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
  if (registry_ != nullptr) registry_->Remove(backup_id_, failed_, std::move(fail_reason_));
}
void JobHandle::SetFailed(std::string reason) {
  failed_ = true;
  fail_reason_ = std::move(reason);
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
  it->second.cancel = std::make_shared<std::atomic<bool>>(false);
  finished_.erase(backup_id);  // a watcher of the new job must not see the old outcome
  return std::make_shared<JobHandle>(this, backup_id, it->second.cancel);
}

bool JobRegistry::RequestCancel(const std::string& backup_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(backup_id);
  if (it == jobs_.end()) return false;
  it->second.cancel->store(true);
  return true;
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

std::optional<FinishedJob> JobRegistry::FindFinished(const std::string& backup_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = finished_.find(backup_id);
  if (it == finished_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.at > kFinishedMemory) return std::nullopt;
  return it->second.job;
}

void JobRegistry::Remove(const std::string& backup_id, bool failed, std::string fail_reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(backup_id);
  if (it == jobs_.end()) return;
  auto now = std::chrono::steady_clock::now();
  for (auto f = finished_.begin(); f != finished_.end();) {
    f = now - f->second.at > kFinishedMemory ? finished_.erase(f) : std::next(f);
  }
  if (finished_.size() >= kMaxFinished) {
    // Bounded memory under a burst of jobs: forget the oldest.
    auto oldest = finished_.begin();
    for (auto f = finished_.begin(); f != finished_.end(); ++f) {
      if (f->second.at < oldest->second.at) oldest = f;
    }
    finished_.erase(oldest);
  }
  finished_[backup_id] =
      Finished{FinishedJob{it->second.progress, failed, std::move(fail_reason)}, now};
  jobs_.erase(it);
  ended_.notify_all();
}

bool JobRegistry::WaitUntilEnded(const std::string& backup_id, std::chrono::milliseconds d) const {
  std::unique_lock<std::mutex> lock(mu_);
  return ended_.wait_for(lock, d, [&] { return !jobs_.count(backup_id); });
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
