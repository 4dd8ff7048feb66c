// Small parts of the backupd process that are not wiring: startup failure lines, the port file,
// and the heartbeat thread that keeps the host identity (main.cc wires the managers).
// Thread-safety: HeartbeatThread runs its own thread; the functions are called from main.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "backup_service/common/status.h"
#include "backup_service/db/host_identity.h"

namespace bb {

// Prints "backupd: WHAT: STATUS" as one line on stderr and returns 1 (the exit status).
int Fail(const std::string& what, const Status& status);
std::string LocalHostName();
// Writes "PORT\n" to a temporary file next to `path` and renames it over `path`.
Status WritePortFile(const std::string& path, int port);
// "127.0.0.1:0" + 40123 -> "127.0.0.1:40123".
std::string BoundAddress(const std::string& listen, int port);

// Checks the identity's session every second and refreshes the services row every 10 s. A lost
// session (PostgreSQL restarted, or the connection terminated) releases the advisory lock, so it
// is claimed again at once. If another process took the identity meanwhile, it now owns this
// host's records and runs restart cleanup on them: this daemon exits at once, like a crash,
// without the graceful stop, because any further write of ours (even our jobs' cleanup) could
// undo what the new owner decided; our compare-and-swaps cannot tell that the owner changed.
class HeartbeatThread {
 public:
  explicit HeartbeatThread(HostIdentity& identity)
      : identity_(identity), thread_([this] { Loop(); }) {}
  ~HeartbeatThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop();
  HostIdentity& identity_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace bb
