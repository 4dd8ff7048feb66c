// Failpoints: a small table guarded by a mutex, behind an atomic "anything to do" flag so that
// the common case (nothing configured) costs one load.
#include "backup_service/common/failpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace bb::failpoint {
namespace {

enum class Action { kError, kKill, kDelay };

struct Point {
  Action action = Action::kError;
  int delay_ms = 0;
  int64_t only_hit = 0;  // 0: every hit
  int64_t hits = 0;
};

struct State {
  std::mutex mu;
  std::map<std::string, Point, std::less<>> points;
  std::vector<std::string> known;
  int hits_fd = -1;
};

State& GetState() {
  static State* state = new State();  // never destroyed: Hit may run during exit
  return *state;
}

std::atomic<bool> g_active{false};

bool ParseNumber(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && *out > 0;
}

Status ParseEntry(std::string_view entry, const std::vector<std::string>& known, std::string* name,
                  Point* point) {
  size_t eq = entry.find('=');
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("failpoint entry '" + std::string(entry) +
                                   "' must be NAME=error|kill|delay:MS[@N]");
  }
  *name = std::string(entry.substr(0, eq));
  bool listed = false;
  for (const auto& k : known) listed = listed || k == *name;
  if (!listed) return Status::InvalidArgument("unknown failpoint '" + *name + "'");
  std::string_view action = entry.substr(eq + 1);
  if (size_t at = action.find('@'); at != std::string_view::npos) {
    if (!ParseNumber(action.substr(at + 1), &point->only_hit)) {
      return Status::InvalidArgument("failpoint " + *name + ": @N must be a positive number");
    }
    action = action.substr(0, at);
  }
  if (action == "error") {
    point->action = Action::kError;
  } else if (action == "kill") {
    point->action = Action::kKill;
  } else if (action.rfind("delay:", 0) == 0) {
    int64_t ms = 0;
    if (!ParseNumber(action.substr(6), &ms) || ms > 600000) {
      return Status::InvalidArgument("failpoint " + *name + ": delay:MS needs 1..600000 ms");
    }
    point->action = Action::kDelay;
    point->delay_ms = static_cast<int>(ms);
  } else {
    return Status::InvalidArgument("failpoint " + *name + ": action '" + std::string(action) +
                                   "' must be error, kill or delay:MS");
  }
  return Status::Ok();
}

void UpdateActive(State& s) { g_active.store(!s.points.empty() || s.hits_fd >= 0); }

}  // namespace

Status Configure(std::string_view spec, const std::vector<std::string>& known_names) {
  std::map<std::string, Point, std::less<>> parsed;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string_view entry =
        spec.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? spec.size() : comma + 1;
    if (entry.empty()) continue;
    std::string name;
    Point point;
    RETURN_IF_ERROR(ParseEntry(entry, known_names, &name, &point));
    parsed[name] = point;
  }
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  s.points = std::move(parsed);
  s.known = known_names;
  UpdateActive(s);
  return Status::Ok();
}

Status RecordHitsTo(const std::string& path) {
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.hits_fd >= 0) close(s.hits_fd);
  s.hits_fd = -1;
  if (!path.empty()) {
    s.hits_fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (s.hits_fd < 0) return Status::InvalidArgument("cannot open failpoint hits file " + path);
  }
  UpdateActive(s);
  return Status::Ok();
}

void Reset() {
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  s.points.clear();
  UpdateActive(s);
}

Status Hit(std::string_view name) {
  if (!g_active.load(std::memory_order_relaxed)) return Status::Ok();
  State& s = GetState();
  Action action;
  int delay_ms = 0;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.hits_fd >= 0) {
      // Written before acting, so a kill here still counts as reached.
      std::string line = std::string(name) + "\n";
      (void)!write(s.hits_fd, line.data(), line.size());
    }
    auto it = s.points.find(name);
    if (it == s.points.end()) return Status::Ok();
    Point& p = it->second;
    ++p.hits;
    if (p.only_hit != 0 && p.hits != p.only_hit) return Status::Ok();
    action = p.action;
    delay_ms = p.delay_ms;
  }
  switch (action) {
    case Action::kKill:
      raise(SIGKILL);
      break;
    case Action::kDelay:
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      return Status::Ok();
    case Action::kError:
      break;
  }
  return Status::Internal("failpoint " + std::string(name));
}

}  // namespace bb::failpoint
