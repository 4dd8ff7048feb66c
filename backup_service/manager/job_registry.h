// JobRegistry: the operations this daemon has queued or running, keyed by backup id, with their
// live phase and byte counters. It answers "is this backup being worked on here?" (reset-status
// refuses while it is) and feeds WatchBackup/WatchRestore between the once-a-second database
// progress writes. A job is registered when its request is accepted (phase queued) and removed
// when its worker returns, by the JobHandle's destructor, so no path can forget to remove it.
// Each job carries a cancel flag (RequestCancel): the in-process half of cancellation; the job
// polls it between chunks (BackupManager::Cancellation) and stops within a chunk's time.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bb {

enum class JobOperation { kCreate, kRestore, kDelete };
enum class JobPhase { kQueued, kSnapshot, kCopy, kFinalize, kCleanup };

std::string_view ToString(JobOperation op);
std::string_view ToString(JobPhase phase);

struct JobProgress {
  std::string backup_id;
  JobOperation operation = JobOperation::kCreate;
  JobPhase phase = JobPhase::kQueued;
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  double mb_per_s = 0;  // average since the copy phase began
  // 1-based place among the jobs waiting for a worker while phase is queued (0: unknown or not
  // queued). The registry does not know the queue: BackupManager::FindJob fills it.
  int queue_position = 0;
};

// A job that ended here recently. Kept briefly so that a watcher polling twice a second learns
// how the job ended even when it ended between two polls: a failed restore leaves the backup
// available, and its reason is nowhere else a watcher can read it.
struct FinishedJob {
  JobProgress progress;  // the last live state
  bool failed = false;
  std::string fail_reason;
};

class JobRegistry;

// Owned by the job's closure; removes the entry when destroyed. A handle without a registry
// (nullptr) tracks nothing.
class JobHandle {
 public:
  JobHandle(JobRegistry* registry, std::string backup_id,
            std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>())
      : registry_(registry), backup_id_(std::move(backup_id)), cancel_(std::move(cancel)) {}
  ~JobHandle();
  JobHandle(const JobHandle&) = delete;
  JobHandle& operator=(const JobHandle&) = delete;

  void SetPhase(JobPhase phase);
  void SetBytes(int64_t done, int64_t total);
  // Marks the job failed; remembered with the finished job when the handle is destroyed.
  void SetFailed(std::string reason);
  // Set by JobRegistry::RequestCancel, or by the job itself when it learns from the database that
  // another daemon cancelled it. Lock-free: polled once per chunk.
  bool cancel_requested() const { return cancel_->load(); }
  void RequestCancel() { cancel_->store(true); }

 private:
  JobRegistry* registry_;
  std::string backup_id_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  bool failed_ = false;
  std::string fail_reason_;
};

class JobRegistry {
 public:
  // AlreadyExists semantics are the caller's: registering a backup id that is registered returns
  // nullptr (one operation per backup at a time; the state machine guarantees it).
  std::shared_ptr<JobHandle> Register(const std::string& backup_id, JobOperation op);
  std::optional<JobProgress> Find(const std::string& backup_id) const;
  bool IsActive(const std::string& backup_id) const { return Find(backup_id).has_value(); }
  // Raises the cancel flag of the backup's job; false when this daemon has no job on it.
  bool RequestCancel(const std::string& backup_id);
  size_t size() const;
  // The last job on the backup that ended within kFinishedMemory (registering a new job on the
  // backup forgets it).
  std::optional<FinishedJob> FindFinished(const std::string& backup_id) const;
  // Waits up to `d` for the job on `backup_id` to end (woken by its removal), so that a watch
  // that saw the job running reports its end as it happens rather than at its next poll. True
  // when this daemon has no job on the backup (at once when it has none), false when it still
  // runs after `d`.
  bool WaitUntilEnded(const std::string& backup_id, std::chrono::milliseconds d) const;

  static constexpr std::chrono::seconds kFinishedMemory{120};
  static constexpr size_t kMaxFinished = 1024;

 private:
  friend class JobHandle;
  struct Entry {
    JobProgress progress;
    std::shared_ptr<std::atomic<bool>> cancel;  // shared with the JobHandle
    std::chrono::steady_clock::time_point copy_started;
  };
  struct Finished {
    FinishedJob job;
    std::chrono::steady_clock::time_point at;
  };
  void Remove(const std::string& backup_id, bool failed, std::string fail_reason);
  void SetPhase(const std::string& backup_id, JobPhase phase);
  void SetBytes(const std::string& backup_id, int64_t done, int64_t total);

  mutable std::mutex mu_;
  mutable std::condition_variable ended_;  // notified by every Remove
  std::map<std::string, Entry> jobs_;
  std::map<std::string, Finished> finished_;  // pruned on every Remove
};

}  // namespace bb
