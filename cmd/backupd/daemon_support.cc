#include "cmd/backupd/daemon_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "backup_service/common/log.h"

namespace bb {
namespace {

constexpr auto kHeartbeatInterval = std::chrono::seconds(10);
constexpr auto kSessionCheckInterval = std::chrono::seconds(1);
// Exit status when another process took this daemon's host identity (EX_TEMPFAIL).
constexpr int kLostIdentityExit = 75;

}  // namespace

// Startup failures are one line on stderr; libpq messages span lines, so whitespace runs
// (newlines, tabs) are folded into single spaces.
int Fail(const std::string& what, const Status& status) {
  std::string line;
  for (char ch : status.ToString()) {
    bool space = ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line.push_back(space ? ' ' : ch);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(stderr, "backupd: %s: %s\n", what.c_str(), line.c_str());
  return 1;
}

std::string LocalHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

// Writes "PORT\n" to a temporary file next to `path` and renames it over `path`, so a reader
// polling for the file never sees it half written.
Status WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open " + tmp, errno);
  std::string text = std::to_string(port) + "\n";
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    unlink(tmp.c_str());
    return ErrnoStatus("write port file " + path, err);
  }
  return Status::Ok();
}

std::string BoundAddress(const std::string& listen, int port) {
  return listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
}

void HeartbeatThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next_heartbeat = std::chrono::steady_clock::now() + kHeartbeatInterval;
  StatusCode last = StatusCode::kOk;
  while (!cv_.wait_for(lock, kSessionCheckInterval, [&] { return stop_; })) {
    bool due = std::chrono::steady_clock::now() >= next_heartbeat;
    Status st = due ? identity_.Heartbeat() : identity_.CheckSession();
    if (due) next_heartbeat = std::chrono::steady_clock::now() + kHeartbeatInterval;
    if (st.code() == StatusCode::kFailedPrecondition) {
      BB_LOG(kError) << "lost the host identity: " << st.message() << "; stopping at once";
      std::_Exit(kLostIdentityExit);
    }
    // Once per outage, not every second of it.
    if (!st.ok() && st.code() != last) BB_LOG(kWarning) << "host identity: " << st.ToString();
    if (st.ok() && last != StatusCode::kOk) BB_LOG(kInfo) << "host identity held again";
    last = st.code();
  }
}

}  // namespace bb
